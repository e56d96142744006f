"""Group exact and near duplicates, keeper first, without comparing every pair of hashes.

Near duplicates are pairs of 64-bit perceptual hashes within a Hamming `threshold`. The search
is multi-index hashing (Norouzi et al., "Fast search in Hamming space with multi-index
hashing"): split the 64 bits into m blocks; if two hashes differ in at most t bits, some block
differs in at most r = t // m bits (pigeonhole). Each block's values are joined against each
other's after flipping up to ceil(r/2) bits on one side and floor(r/2) on the other (two
hashes within r meet at a common value), so only hashes sharing such a value become
candidates, and every candidate is verified with a vectorised popcount. The result is
exactly the pair set an exhaustive search finds; `exhaustive_pairs` is that reference.

Groups are the connected components of near pairs plus exact pairs (equal `pixel_hash`), so
a chain A~B~C forms one group even when A and C are further apart than the threshold.

When entries also carry a dhash, the distance is taken over both hashes: phash alone cannot
tell apart two drawings of the same character in the same pose (low-frequency luminance is
nearly equal), and the gradient hash separates most of them; see
benchmarks/bench_dedupe_quality.py and docs/notes/4-dedupe.md for the measurements.

Entries may carry wider hashes (any whole number of 64-bit words, e.g. 256 bits from 16 x 16
hashes). `near_pairs` then takes the words of all hashes side by side, (n, words), and the
distance is the sum over all of them (phash + dhash: 512 bits for the process stage's default).
Wide hashes are searched over the combined distance: split the bits into at least t + 1 disjoint
blocks and a pair within t bits agrees exactly on some block (pigeonhole), so sorting each
block's values and pairing equal runs finds every candidate; each is verified on the full
distance, word by word. Real perceptual hashes are far from uniform (flat backgrounds give runs
of equal dHash bits, similar pictures share low-frequency phash bits), so each block takes bits
scattered over the whole hash. When blocks would be too narrow to be selective (few bits per
allowed error), the search falls back to one multi-index search per word at t // words bits,
which the pigeonhole also makes exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from math import comb

import numpy as np

from curator.graphs import connected_groups

HASH_BITS = 64

# Rough per-row costs on one core (seconds), used only to choose between search plans, so
# only their ratios matter; benchmarks/bench_near_duplicates.py shows the plans they pick.
_VARIANT_ROW_COST = 60e-9  # build, sort and probe one (block value, item) row
_CANDIDATE_COST = 15e-9  # expand and verify one candidate pair
_EXHAUSTIVE_PAIR_COST = 2.5e-9  # xor + popcount + compare of one pair in the brute force
# Candidate pairs expanded at once: bounds memory (about 40 bytes per row) on any input.
_MAX_ROWS = 4_000_000
# Elements of the distance matrix computed at once by the exhaustive search.
_MAX_MATRIX = 8_000_000
# Most flip masks per block value: more blocks or the exhaustive search are cheaper long before.
_MAX_FLIPS = 10_000
# Wide hashes are searched by exact agreement on one of t + 1 blocks only when blocks keep at
# least this many bits: uniform values then collide with odds below 2**-24 per block.
_MIN_EXACT_BLOCK_BITS = 24
# Widest exact block: its value and a 32-bit item index share one uint64 sort key.
_MAX_EXACT_BLOCK_BITS = 32
# Rows of hashes unpacked to bits at once when computing block values (one byte per bit).
_UNPACK_ROWS = 1 << 16


@dataclass(frozen=True)
class HashEntry:
    """What grouping needs to know about one image. `dhash` is optional (see `distance`).

    Hashes are ints of 64 bits or any multiple of it; all entries of one search use one width.
    """

    id: str
    phash: int
    pixel_hash: str
    bytes: int
    sharpness: float
    width: int
    height: int
    dhash: int | None = None
    lossless: bool = False  # a lossless file (PNG, ...): at equal size it beats any re-compressed copy


def distance(a: HashEntry, b: HashEntry) -> int:
    """Hamming distance between two entries: phash bits, plus dhash bits when both have one."""
    bits = (a.phash ^ b.phash).bit_count()
    if a.dhash is not None and b.dhash is not None:
        bits += (a.dhash ^ b.dhash).bit_count()
    return bits


def keeper_key(entry: HashEntry) -> tuple:
    """Sort key that puts a group's best member first.

    Largest pixel area first (a downscaled copy holds less detail), then lossless files (a JPEG
    re-compression of a PNG can be heavier yet only adds artefacts), then most bytes (at equal
    size and kind the less compressed file), then sharpest, then id so the choice is deterministic.
    """
    return (-entry.width * entry.height, not entry.lossless, -entry.bytes, -entry.sharpness, entry.id)


def group_duplicates(entries: list[HashEntry], threshold: int) -> list[list[int]]:
    """Connected groups of exact (equal pixel hash) or near (`distance` <= threshold) duplicates.

    The distance counts dhash bits too when every entry has a dhash, else phash bits only.
    Each group is a list of indices into `entries` with the keeper first (see `keeper_key`);
    groups are ordered by their keeper's index and singletons are omitted.
    """
    if len(entries) < 2:
        return []
    edges = np.concatenate([_near_entry_pairs(entries, threshold), _exact_pairs(entries)])
    groups = [sorted(group, key=lambda k: keeper_key(entries[k])) for group in connected_groups(len(entries), edges)]
    return sorted(groups, key=lambda group: group[0])


def _near_entry_pairs(entries: list[HashEntry], threshold: int) -> np.ndarray:
    words = _words(e.phash for e in entries)
    if all(e.dhash is not None for e in entries):
        words = np.concatenate([words, _words(e.dhash for e in entries)], axis=1)
    return near_pairs(words, threshold)


def _words(values: Iterator[int]) -> np.ndarray:
    """Hashes as rows of 64-bit words (n, words), as many words as the widest hash needs."""
    values = list(values)
    n_words = max(1, -(-max(v.bit_length() for v in values) // HASH_BITS))
    data = b"".join(v.to_bytes(n_words * 8, "big") for v in values)
    return np.frombuffer(data, dtype=">u8").astype(np.uint64).reshape(len(values), n_words)


def _exact_pairs(entries: list[HashEntry]) -> np.ndarray:
    """Edges chaining every set of equal pixel hashes (a chain is enough for components)."""
    first: dict[str, int] = {}
    pairs = []
    for index, entry in enumerate(entries):
        if entry.pixel_hash in first:
            pairs.append((first[entry.pixel_hash], index))
        else:
            first[entry.pixel_hash] = index
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


def near_pairs(hashes: np.ndarray, threshold: int, blocks: int | None = None) -> np.ndarray:
    """All index pairs (i < j) whose hashes differ in at most `threshold` bits, shape (k, 2).

    `hashes` is uint64 of shape (n,), or (n, words) for wider hashes, whose distance is then
    summed over all words. Rows are sorted and unique: exactly what `exhaustive_pairs` returns.
    `blocks` forces the number of multi-index blocks of 64-bit hashes (2..threshold+1, at most
    32); by default a cost model picks it, or the exhaustive search when the input is small
    enough for it to be cheaper. Wide hashes always choose their own plan (see the module doc).
    """
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    if hashes.ndim == 2 and hashes.shape[1] == 1:
        hashes = hashes[:, 0]
    if hashes.ndim == 2:
        if blocks is not None:
            raise ValueError("blocks can only be chosen for 64-bit hashes")
        _check_threshold(threshold, HASH_BITS * hashes.shape[1])
        return _wide_pairs(hashes, threshold)
    _check_threshold(threshold)
    if blocks is None:
        blocks = _plan(len(hashes), threshold)
        if blocks is None:
            return exhaustive_pairs(hashes, threshold)
    elif not 2 <= blocks <= min(max(threshold + 1, 2), HASH_BITS // 2):
        raise ValueError(f"blocks must be between 2 and {min(max(threshold + 1, 2), HASH_BITS // 2)}, got {blocks}")
    elif _flips(blocks, threshold) > _MAX_FLIPS:
        raise ValueError(f"{blocks} blocks at threshold {threshold} need {_flips(blocks, threshold):,} bit flips per value; use more blocks")
    if len(hashes) < 2:
        return np.empty((0, 2), dtype=np.int64)
    found = [pairs for offset, width in _block_layout(blocks)
             for pairs in _block_pairs(hashes, threshold, offset, width, threshold // blocks)]
    return _unique_pairs(found, len(hashes))


def exhaustive_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    """The reference: compare every pair, a block of rows at a time. Same output as `near_pairs`.

    Wide hashes (n, words) compare every pair on the first word, then add the other words' bits
    only for pairs still within the threshold (a partial sum never exceeds the full distance).
    """
    hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
    columns = _columns(hashes)
    _check_threshold(threshold, HASH_BITS * len(columns))
    n = len(hashes)
    first = columns[0]
    rows = max(1, _MAX_MATRIX // max(n, 1))
    found = []
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        # Only the upper triangle: row i against columns i+1.. (columns from `start + 1` on).
        dist = np.bitwise_count(first[start:stop, None] ^ first[None, start + 1:])
        i, j = np.nonzero(dist <= threshold)
        i += start
        j += start + 1
        keep = i < j
        found.append(_within(columns, threshold, i[keep], j[keep]))
    return _unique_pairs(found, n)


def _columns(hashes: np.ndarray) -> np.ndarray:
    """(words, n): each 64-bit word of all hashes contiguous, the layout `_within` reads fastest."""
    return hashes[None, :] if hashes.ndim == 1 else np.ascontiguousarray(hashes.T)


def _within(columns: np.ndarray, threshold: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """The pairs (i, j) whose hashes, given as `_columns`, differ in at most `threshold` bits.

    Word by word, dropping pairs as soon as their partial distance exceeds the threshold: most
    candidates of a wide search fail on the first word, and gathering one contiguous word
    column is far cheaper than gathering whole rows (about 25x on 1,000,000 512-bit hashes).
    """
    bits = np.zeros(len(i), dtype=np.int32)
    for column in columns:
        bits += np.bitwise_count(column[i] ^ column[j])
        close = np.flatnonzero(bits <= threshold)
        if len(close) < len(bits):
            i, j, bits = i[close], j[close], bits[close]
    return np.stack([i, j], axis=1)


def _check_threshold(threshold: int, bits: int = HASH_BITS) -> None:
    if not 0 <= threshold <= bits:
        raise ValueError(f"threshold must be between 0 and {bits} bits, got {threshold}")


def _unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(found).astype(np.int64)
    flat = np.unique(pairs[:, 0] * n + pairs[:, 1])
    return np.stack([flat // n, flat % n], axis=1)


def _ball(width: int, radius: int) -> int:
    """Number of values within `radius` bits of one `width`-bit value."""
    return sum(comb(width, k) for k in range(radius + 1))


def _flips(blocks: int, threshold: int) -> int:
    """Flip masks per value on the probing side: the narrowest block width is a safe bound."""
    return _ball(HASH_BITS // blocks + 1, (threshold // blocks + 1) // 2)


def _plan(n: int, threshold: int) -> int | None:
    """Blocks for the cheapest multi-index search on uniform hashes, or None for exhaustive."""
    best, best_cost = None, n * n / 2 * _EXHAUSTIVE_PAIR_COST
    for blocks in range(2, min(max(threshold + 1, 2), HASH_BITS // 2) + 1):
        if _flips(blocks, threshold) > _MAX_FLIPS:
            continue
        width = HASH_BITS // blocks  # the narrowest block is the most crowded one
        radius = threshold // blocks
        rows = n * blocks * (_ball(width, (radius + 1) // 2) + _ball(width, radius // 2))
        candidates = n * n * blocks * _ball(width, radius) / 2.0**width
        cost = rows * _VARIANT_ROW_COST + candidates * _CANDIDATE_COST
        if cost < best_cost:
            best, best_cost = blocks, cost
    return best


def _block_layout(blocks: int) -> list[tuple[int, int]]:
    """(bit offset, width) of each block: contiguous and as even as possible."""
    base, extra = divmod(HASH_BITS, blocks)
    widths = [base + (k < extra) for k in range(blocks)]
    offsets = np.cumsum([0, *widths[:-1]]).tolist()
    return list(zip(offsets, widths))


def _flip_masks(width: int, radius: int) -> np.ndarray:
    """Every mask of at most `radius` set bits within `width` bits (0 included)."""
    masks = [sum(1 << b for b in bits) for k in range(radius + 1) for bits in itertools.combinations(range(width), k)]
    return np.array(masks, dtype=np.uint64)


def _variant_rows(values: np.ndarray, radius: int, width: int, index_bits: int) -> np.ndarray:
    """Sorted rows `(value ^ mask) << index_bits | index` for every mask within `radius`.

    Packing the item index under the key lets one plain sort replace an argsort.
    """
    index = np.arange(len(values), dtype=np.uint64)
    rows = np.concatenate([((values ^ mask) << np.uint64(index_bits)) | index for mask in _flip_masks(width, radius)])
    rows.sort()
    return rows


def _block_pairs(hashes: np.ndarray, threshold: int, offset: int, width: int, radius: int) -> Iterator[np.ndarray]:
    """Verified pairs (i < j) among hashes whose block at `offset` differs in <= `radius` bits."""
    index_bits = max(1, int(len(hashes) - 1).bit_length())
    low = np.uint64((1 << index_bits) - 1)
    values = (hashes >> np.uint64(offset)) & np.uint64((1 << width) - 1)
    probe = _variant_rows(values, (radius + 1) // 2, width, index_bits)
    table = probe if radius % 2 == 0 else _variant_rows(values, radius // 2, width, index_bits)
    table_keys = table >> np.uint64(index_bits)
    probe_keys = probe >> np.uint64(index_bits)
    lo = np.searchsorted(table_keys, probe_keys, "left")
    counts = np.searchsorted(table_keys, probe_keys, "right") - lo
    hit = np.flatnonzero(counts)
    probe_index, lo, counts = (probe[hit] & low).astype(np.int64), lo[hit], counts[hit]
    table_index = (table & low).astype(np.int64)
    yield from _verified_runs(hashes[None, :], threshold, probe_index, lo, counts, table_index)


def _verified_runs(columns: np.ndarray, threshold: int, probe_index: np.ndarray, lo: np.ndarray, counts: np.ndarray,
                   table_index: np.ndarray) -> Iterator[np.ndarray]:
    """True pairs (i < j) of each probe against `table_index[lo:lo + count]`, a bounded chunk at a time."""
    ends = np.cumsum(counts)
    start = 0
    while start < len(ends):
        done = ends[start - 1] if start else 0
        stop = max(int(np.searchsorted(ends, done + _MAX_ROWS, "right")), start + 1)
        yield _verify(columns, threshold, probe_index[start:stop], lo[start:stop], counts[start:stop], table_index)
        start = stop


def _verify(columns: np.ndarray, threshold: int, probe_index: np.ndarray, lo: np.ndarray, counts: np.ndarray,
            table_index: np.ndarray) -> np.ndarray:
    """Expand each probe row against its run of equal table keys; keep true pairs with i < j."""
    i = np.repeat(probe_index, counts)
    run_start = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    j = table_index[run_start + np.arange(len(i))]
    keep = i < j
    return _within(columns, threshold, i[keep], j[keep])


def _wide_pairs(hashes: np.ndarray, threshold: int) -> np.ndarray:
    """`near_pairs` of (n, words) hashes: exact-block search, or per-word search when blocks get narrow."""
    n, words = hashes.shape
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    bits = HASH_BITS * words
    if bits // (threshold + 1) >= _MIN_EXACT_BLOCK_BITS:
        blocks = max(threshold + 1, -(-bits // _MAX_EXACT_BLOCK_BITS))
        columns = _columns(hashes)
        found = [pairs for values in _block_values(hashes, blocks).T
                 for pairs in _exact_block_pairs(columns, threshold, values)]
        return _unique_pairs(found, n)
    # A pair within t bits has a word within t // words bits: searching every word finds every pair.
    columns = _columns(hashes)
    per_word = threshold // words
    pairs = _unique_pairs([near_pairs(column, per_word) for column in columns], n)
    return _within(columns, threshold, pairs[:, 0], pairs[:, 1])


def _block_values(hashes: np.ndarray, blocks: int) -> np.ndarray:
    """(n, blocks): each hash's bits of each exact block, as one integer of 24 to 32 bits.

    Blocks are whole bytes of the hash's bits after a fixed shuffle. Contiguous blocks of real
    hashes can be nearly constant (a dHash row across a flat background, shared low-frequency
    phash bits), which makes most items candidates of each other: on 17,062 hashes of generated
    pictures, 17 contiguous blocks gave 81x the candidates of these.
    """
    n, words = hashes.shape
    n_bytes = words * 8
    shuffle = np.random.default_rng(0).permutation(n_bytes * 8)
    bounds = np.cumsum([0, *(len(part) for part in np.array_split(np.arange(n_bytes), blocks))])
    out = np.empty((n, blocks), dtype=np.uint64)
    for start in range(0, n, _UNPACK_ROWS):
        chunk = hashes[start:start + _UNPACK_ROWS].astype(">u8").view(np.uint8)
        bits = np.unpackbits(chunk.ravel()).reshape(len(chunk), -1)
        shuffled = np.packbits(np.take(bits, shuffle, axis=1).ravel()).reshape(len(chunk), n_bytes)
        for block, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
            padded = np.zeros((len(chunk), 8), dtype=np.uint8)
            padded[:, 8 - (hi - lo):] = shuffled[:, lo:hi]
            out[start:start + len(chunk), block] = padded.view(">u8").ravel()
    return out


def _exact_block_pairs(columns: np.ndarray, threshold: int, values: np.ndarray) -> Iterator[np.ndarray]:
    """Verified pairs (i < j) among hashes (as `_columns`) with equal block `values`."""
    n = len(values)
    index_bits = max(1, int(n - 1).bit_length())
    rows = (values << np.uint64(index_bits)) | np.arange(n, dtype=np.uint64)
    rows.sort()  # equal block values end up in runs, item indices ascending within a run
    keys = rows >> np.uint64(index_bits)
    index = (rows & np.uint64((1 << index_bits) - 1)).astype(np.int64)
    run_ends = np.append(np.flatnonzero(keys[1:] != keys[:-1]) + 1, n)
    run_end = np.repeat(run_ends, np.diff(run_ends, prepend=0))
    later = run_end - np.arange(n) - 1  # run members after each position: its partners
    probes = np.flatnonzero(later)
    yield from _verified_runs(columns, threshold, index[probes], probes + 1, later[probes], index)
