"""Speed and exactness of the near-duplicate search the process stage runs, against exhaustive search.

The hash kinds, their width and the thresholds come from the product: `perceptual_hashes` at
`hashing.SOURCE_HASH_SIZE` (phash + dhash of 16 x 16 = 512 bits) and the `[process]` defaults:
two sources are linked when phash + dhash differ in at most `near_duplicate_distance` bits (16)
or phash alone in at most `near_duplicate_phash_distance` bits (8). Timings per case, medians of
`--repeats` runs: `near_pairs` for each link on its (n, words) hash matrix (the searches
themselves), and `duplicates.near_duplicate_groups` on `HashEntry` objects, the call the stage
makes (int-to-word conversion, both searches, components, keeper order).

Hash sets:
- planted: uniform random hashes, a share of them replaced by copies of others with 0 to
  threshold + 4 of all bits flipped (true pairs, near misses and noise);
- real (`--real N`): hashes of N generated pictures per kind (mascots from `curator.sample`,
  abstract scenes, Noto emoji when installed; see bench_dedupe_quality.py), plus a resized and a
  re-compressed copy of every tenth picture. Real bits are correlated (flat backgrounds, shared
  silhouettes), which multiplies the candidates a pigeonhole search has to verify.

Each link's pairs are checked: up to `--full-check` hashes against the full exhaustive search;
above, every pair of a random sample of queries against an exhaustive scan of all hashes.

    .venv/bin/python benchmarks/bench_near_duplicates.py --sizes 100000,1000000 --real 6000
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable

import numpy as np

from curator.process.config import ProcessConfig
from curator.process.hamming import HashEntry, exhaustive_pairs, near_pairs
from curator.process.duplicates import Thresholds, near_duplicate_groups
from curator.process.hashing import SOURCE_HASH_SIZE, perceptual_hashes

HASH_KINDS = ("phash", "dhash")  # the kinds the stage's combined distance sums (`dedupe.distance`)
WORDS_PER_HASH = SOURCE_HASH_SIZE**2 // 64


def links(limits: Thresholds) -> list[tuple[str, slice, int]]:
    """The stage's two near links: name, the hash words each compares, threshold."""
    return [("phash+dhash", slice(None), limits.combined), ("phash", slice(0, WORDS_PER_HASH), limits.phash)]


def planted_hashes(n: int, threshold: int, rng: np.random.Generator, cluster_share: float = 0.2) -> np.ndarray:
    """(n, words) uniform hashes; `cluster_share` of them are copies of others with up to threshold + 4 bits flipped."""
    words = WORDS_PER_HASH * len(HASH_KINDS)
    hashes = rng.integers(0, 2**64, size=(n, words), dtype=np.uint64, endpoint=False)
    members = rng.choice(n, size=int(n * cluster_share), replace=False)
    centres = rng.choice(n, size=len(members))
    flips = rng.integers(0, threshold + 5, size=len(members))
    masks = np.zeros((len(members), words), dtype=np.uint64)
    for k in range(threshold + 4):  # row r flips flips[r] random bits (a bit drawn twice flips back)
        rows = np.flatnonzero(flips > k)
        bit = rng.integers(0, words * 64, size=len(rows))
        np.bitwise_xor.at(masks, (rows, bit // 64), np.uint64(1) << (bit % 64).astype(np.uint64))
    hashes[members] = hashes[centres] ^ masks
    return hashes


def real_hashes(per_kind: int, seed: int) -> np.ndarray:
    """(n, words) stage hashes of generated pictures and of resized / re-compressed copies of some."""
    from bench_dedupe_quality import emoji, mascots, recompress, resize, scenes

    rng = random.Random(seed)
    images = [img for make in (mascots, scenes, emoji) for img in make(per_kind, rng)]
    images += [copy(img, rng) for img in images[::10] for copy in (resize, recompress)]
    rows = []
    for img in images:
        hashes = perceptual_hashes(img, SOURCE_HASH_SIZE)
        rows.append(np.concatenate([_as_words(hashes[kind]) for kind in HASH_KINDS]))
    return np.stack(rows)


def _as_words(value: int) -> np.ndarray:
    return np.frombuffer(value.to_bytes(WORDS_PER_HASH * 8, "big"), dtype=">u8").astype(np.uint64)


def entries_of(hashes: np.ndarray) -> list[HashEntry]:
    """What the stage hands `group_duplicates`: one entry per source, hashes as ints."""
    data = hashes.astype(">u8").tobytes()
    size = WORDS_PER_HASH * 8  # bytes of one hash kind
    out = []
    for k in range(len(hashes)):
        row = k * size * len(HASH_KINDS)
        out.append(HashEntry(id=f"{k:08d}", phash=int.from_bytes(data[row:row + size], "big"),
                             dhash=int.from_bytes(data[row + size:row + 2 * size], "big"), pixel_hash=f"px{k}",
                             bytes=1000 + k % 97, sharpness=1.0, width=256, height=256))
    return out


def timed(fn: Callable[[], object], repeats: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def sampled_check(hashes: np.ndarray, pairs: np.ndarray, threshold: int, queries: int, rng: np.random.Generator) -> bool:
    """Every pair touching a sampled query, found by scanning all hashes, must be in `pairs` and vice versa."""
    picked = rng.choice(len(hashes), size=queries, replace=False)
    touches = np.isin(pairs[:, 0], picked) | np.isin(pairs[:, 1], picked)
    touching = set(map(tuple, pairs[touches].tolist()))
    expected = set()
    for q in picked.tolist():
        # Scan everything on the first word, then add the other words (a partial sum never exceeds the whole).
        near = np.flatnonzero(np.bitwise_count(hashes[:, 0] ^ hashes[q, 0]) <= threshold)
        close = near[np.bitwise_count(hashes[near] ^ hashes[q]).sum(axis=1) <= threshold]
        expected.update((min(q, int(j)), max(q, int(j))) for j in close if j != q)
    return expected == touching


def run_case(name: str, hashes: np.ndarray, limits: Thresholds, args: argparse.Namespace, rng: np.random.Generator) -> None:
    n = len(hashes)
    entries = entries_of(hashes)
    stage_seconds, groups = timed(lambda: near_duplicate_groups(entries, limits), args.repeats)
    print(f"{name:8s} n={n:>9,}: near_duplicate_groups (the stage's call) {stage_seconds:6.2f} s, {len(groups):,} groups",
          flush=True)
    for link, words, threshold in links(limits):
        matrix = np.ascontiguousarray(hashes[:, words])
        seconds, pairs = timed(lambda: near_pairs(matrix, threshold), args.repeats)
        line = f"{'':8s} {link:>11s} <= {threshold:2d} bits: near_pairs {seconds:6.2f} s, {len(pairs):,} pairs"
        if n <= args.full_check:
            brute_seconds, expected = timed(lambda: exhaustive_pairs(matrix, threshold), 1)
            line += f"; exhaustive {brute_seconds:.1f} s ({brute_seconds / seconds:.0f}x), identical: {np.array_equal(pairs, expected)}"
        else:
            same = sampled_check(matrix, pairs, threshold, args.queries, rng)
            line += f"; {args.queries} sampled queries = exhaustive scan: {same}"
        print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="planted sets (comma-separated sizes)")
    defaults = ProcessConfig()
    parser.add_argument("--threshold", type=int, default=defaults.near_duplicate_distance,
                        help="bits of phash + dhash (default: [process] near_duplicate_distance)")
    parser.add_argument("--phash-threshold", type=int, default=defaults.near_duplicate_phash_distance,
                        help="bits of phash alone (default: [process] near_duplicate_phash_distance)")
    parser.add_argument("--real", type=int, default=0, help="pictures per kind for the real-image set (0 skips it)")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case (median printed)")
    parser.add_argument("--full-check", type=int, default=200_000, help="largest size verified by full exhaustive search")
    parser.add_argument("--queries", type=int, default=2000, help="sampled queries verified above --full-check")
    args = parser.parse_args()

    limits = Thresholds(combined=args.threshold, phash=args.phash_threshold)
    print(f"hashes: {' + '.join(HASH_KINDS)} of {SOURCE_HASH_SIZE}x{SOURCE_HASH_SIZE} "
          f"({SOURCE_HASH_SIZE**2 * len(HASH_KINDS)} bits); links: "
          + ", ".join(f"{link} <= {t} bits" for link, _, t in links(limits))
          + f"; load average {os.getloadavg()[0]:.2f}", flush=True)
    rng = np.random.default_rng(0)
    if args.real:
        t0 = time.perf_counter()
        hashes = real_hashes(args.real, seed=0)
        print(f"real set: {len(hashes):,} pictures hashed in {time.perf_counter() - t0:.0f} s", flush=True)
        run_case("real", hashes, limits, args, rng)
    for n in map(int, args.sizes.split(",")):
        run_case("planted", planted_hashes(n, args.threshold, rng), limits, args, rng)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
