"""Near-duplicate search (multi-index hashing) and duplicate grouping with the keeper first."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from curator.process.hamming import HashEntry, distance, exhaustive_pairs, group_duplicates, near_pairs


def planted_hashes(n: int, seed: int, cluster_share: float = 0.3, max_flips: int = 12) -> np.ndarray:
    """Uniform 64-bit hashes, a share of them overwritten by copies of others with a few bits flipped."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False)
    for target in rng.choice(n, size=int(n * cluster_share), replace=False):
        flips = rng.choice(64, size=rng.integers(0, max_flips + 1), replace=False)
        mask = sum(1 << int(bit) for bit in flips)
        hashes[target] = hashes[rng.integers(n)] ^ np.uint64(mask)
    return hashes


def test_exhaustive_pairs_match_a_plain_python_loop():
    hashes = planted_hashes(200, seed=3)
    expected = [(i, j) for i, j in itertools.combinations(range(len(hashes)), 2)
                if (int(hashes[i]) ^ int(hashes[j])).bit_count() <= 6]
    assert len(expected) > 10
    assert exhaustive_pairs(hashes, 6).tolist() == [list(p) for p in expected]


@pytest.mark.parametrize("threshold", [0, 1, 2, 3, 4, 5, 6, 8, 10])
def test_near_pairs_equal_exhaustive_search_for_every_block_count(threshold):
    hashes = planted_hashes(1000, seed=threshold)
    expected = exhaustive_pairs(hashes, threshold)
    assert len(expected) > 15  # the planted clusters give the search something to find
    # Two blocks at 10 bits means flipping 3 of 32 bits per value: correct but slow for a test.
    for blocks in range(3 if threshold >= 10 else 2, max(threshold + 1, 2) + 1):
        assert np.array_equal(near_pairs(hashes, threshold, blocks=blocks), expected), blocks
    assert np.array_equal(near_pairs(hashes, threshold), expected)


def test_near_pairs_handles_top_bit_hashes_and_tiny_inputs():
    top = np.array([2**64 - 1, 2**63, 2**64 - 2, 0], dtype=np.uint64)
    assert near_pairs(top, 1, blocks=2).tolist() == [[0, 2], [1, 3]]
    assert near_pairs(top, 63).tolist() == exhaustive_pairs(top, 63).tolist()
    assert near_pairs(np.array([], dtype=np.uint64), 4).shape == (0, 2)
    assert near_pairs(np.array([7], dtype=np.uint64), 4, blocks=3).shape == (0, 2)


def test_near_pairs_reject_bad_arguments():
    hashes = planted_hashes(10, seed=0)
    with pytest.raises(ValueError):
        near_pairs(hashes, -1)
    with pytest.raises(ValueError):
        near_pairs(hashes, 65)
    with pytest.raises(ValueError):
        near_pairs(hashes, 4, blocks=6)  # more blocks than threshold + 1 finds nothing new
    with pytest.raises(ValueError):
        near_pairs(hashes, 63, blocks=2)  # billions of bit flips per value


def entry(name: str, phash: int, *, pixels: str | None = None, size: int = 100, nbytes: int = 1000,
          sharp: float = 1.0, dhash: int | None = None) -> HashEntry:
    return HashEntry(id=name, phash=phash, pixel_hash=pixels or f"px-{name}", bytes=nbytes, sharpness=sharp,
                     width=size, height=size, dhash=dhash)


def test_groups_put_the_largest_then_heaviest_then_sharpest_first():
    entries = [
        entry("small", 0b0000, size=50, nbytes=9000),
        entry("lone", 2**64 - 1),
        entry("big_light", 0b0001, size=200, nbytes=100, sharp=1.0),
        entry("big_heavy", 0b0011, size=200, nbytes=500, sharp=0.1),
        entry("x_blurry", 0xF0F0, size=64, sharp=1.0),
        entry("x_sharp", 0xF0F1, size=64, sharp=9.0),
    ]
    assert group_duplicates(entries, 2) == [[3, 2, 0], [5, 4]]


def test_groups_chain_through_intermediate_members():
    # a~b and b~c within 2 bits, a and c 4 bits apart: still one group.
    entries = [entry("a", 0b0000, size=30), entry("b", 0b0011, size=20), entry("c", 0b1111, size=10)]
    assert distance(entries[0], entries[2]) == 4
    assert group_duplicates(entries, 2) == [[0, 1, 2]]
    assert group_duplicates(entries, 1) == []


def test_exact_duplicates_group_by_pixel_hash_even_when_phash_differs():
    entries = [entry("png", 0, pixels="same", nbytes=10), entry("other", 2**40), entry("webp", 2**64 - 1, pixels="same", nbytes=20)]
    assert group_duplicates(entries, 0) == [[2, 0]]


def test_dhash_bits_count_when_every_entry_has_one():
    a = entry("a", 0b01, dhash=0b000)
    b = entry("b", 0b00, dhash=0b111, size=50)
    assert distance(a, b) == 4
    assert group_duplicates([a, b], 3) == []
    assert group_duplicates([a, b], 4) == [[0, 1]]
    # Without a dhash on both sides only phash bits count.
    assert group_duplicates([a, entry("c", 0b00)], 1) == [[0, 1]]


def test_group_duplicates_of_nothing():
    assert group_duplicates([], 4) == []
    assert group_duplicates([entry("only", 1)], 4) == []


def test_wide_hashes_group_exactly_like_comparing_every_pair():
    """256-bit phash + dhash (16 x 16 hashes): the word-wise pigeonhole search misses no pair."""
    rng = np.random.default_rng(7)
    entries = []
    for k in range(300):
        if k and rng.random() < 0.4:  # a copy of an earlier entry with 0..24 bits flipped over both hashes
            base = entries[rng.integers(k)]
            flips = [int(b) for b in rng.choice(512, size=rng.integers(0, 25), replace=False)]
            phash = base.phash ^ sum(1 << b for b in flips if b < 256)
            dhash = base.dhash ^ sum(1 << (b - 256) for b in flips if b >= 256)
        else:
            phash, dhash = (int.from_bytes(rng.bytes(32), "big") for _ in range(2))
        entries.append(entry(f"e{k}", phash, dhash=dhash))
    for threshold in (0, 7, 16):
        graph = {(i, j) for i, j in itertools.combinations(range(len(entries)), 2)
                 if distance(entries[i], entries[j]) <= threshold}
        linked = set()
        for group in group_duplicates(entries, threshold):
            linked |= {tuple(sorted(p)) for p in itertools.combinations(group, 2)}
        assert graph and graph <= linked
        # every grouped pair is joined by a chain of true links: components of `graph` equal the groups
        parent = list(range(len(entries)))

        def root(x: int) -> int:
            while parent[x] != x:
                x = parent[x]
            return x
        for i, j in graph:
            parent[root(i)] = root(j)
        assert all(root(i) == root(j) for i, j in linked)


def planted_wide_hashes(n: int, words: int, max_flips: int, seed: int) -> np.ndarray:
    """(n, words) hashes: uniform, with a third overwritten by copies of others with a few bits flipped,
    and the first word's top half zero everywhere (real hashes have near-constant bits)."""
    rng = np.random.default_rng(seed)
    hashes = rng.integers(0, 2**64, size=(n, words), dtype=np.uint64)
    hashes[:, 0] &= np.uint64(2**32 - 1)
    for target in rng.choice(n, size=n // 3, replace=False):
        hashes[target] = hashes[rng.integers(n)]
        for bit in rng.choice(64 * words, size=rng.integers(0, max_flips + 1), replace=False).tolist():
            hashes[target, bit // 64] ^= np.uint64(1 << bit % 64)
    return hashes


@pytest.mark.parametrize(("words", "threshold"), [(8, 0), (8, 16), (8, 30), (8, 40), (4, 16), (2, 4)])
def test_wide_near_pairs_equal_exhaustive_search(words, threshold):
    """Exact-block search (8 words up to 20 bits) and per-word search (narrower blocks) alike."""
    hashes = planted_wide_hashes(800, words, threshold + 6, seed=words * 100 + threshold)
    expected = exhaustive_pairs(hashes, threshold)
    assert len(expected) > 15
    assert np.array_equal(near_pairs(hashes, threshold), expected)
    loop = [(i, j) for i, j in itertools.combinations(range(120), 2)
            if sum((int(a) ^ int(b)).bit_count() for a, b in zip(hashes[i], hashes[j])) <= threshold]
    assert loop and exhaustive_pairs(hashes[:120], threshold).tolist() == [list(p) for p in loop]
