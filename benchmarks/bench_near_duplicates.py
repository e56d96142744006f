"""Speed and exactness of the near-duplicate search on 64-bit hashes, against exhaustive search.

Hashes are uniform random with planted clusters (a share of items are copies of a centre with
up to threshold + 4 bits flipped), so the search has true pairs, near misses and noise. Up to
`--full-check` hashes the result is compared with the full exhaustive search; above, every
pair of a random sample of queries is checked against an exhaustive scan of all hashes.

    .venv/bin/python benchmarks/bench_near_duplicates.py --sizes 100000,1000000 --thresholds 4,8
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from curator.process.dedupe import _plan, exhaustive_pairs, near_pairs


def planted_hashes(n: int, threshold: int, rng: np.random.Generator, cluster_share: float = 0.2) -> np.ndarray:
    hashes = rng.integers(0, 2**64, size=n, dtype=np.uint64, endpoint=False)
    members = rng.choice(n, size=int(n * cluster_share), replace=False)
    centres = rng.choice(n, size=len(members))
    # Flip up to threshold + 4 bits: some copies fall inside the threshold, some just outside.
    flips = rng.integers(0, threshold + 5, size=len(members))
    masks = np.zeros(len(members), dtype=np.uint64)
    for bit_count in np.unique(flips):
        rows = np.flatnonzero(flips == bit_count)
        bits = np.argsort(rng.random((len(rows), 64)), axis=1)[:, :bit_count].astype(np.uint64)
        masks[rows] = np.bitwise_or.reduce(np.uint64(1) << bits, axis=1) if bit_count else 0
    hashes[members] = hashes[centres] ^ masks
    return hashes


def timed(fn, repeats: int) -> tuple[float, object]:
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
        close = np.flatnonzero(np.bitwise_count(hashes ^ hashes[q]) <= threshold)
        expected.update((min(q, int(j)), max(q, int(j))) for j in close if j != q)
    return expected == touching


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--thresholds", default="4,8")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per case under 1,000,000 hashes (1 above)")
    parser.add_argument("--full-check", type=int, default=200_000, help="largest size verified by full exhaustive search")
    parser.add_argument("--queries", type=int, default=2000, help="sampled queries verified above --full-check")
    args = parser.parse_args()

    rng = np.random.default_rng(0)
    for n in map(int, args.sizes.split(",")):
        for threshold in map(int, args.thresholds.split(",")):
            hashes = planted_hashes(n, threshold, rng)
            seconds, pairs = timed(lambda: near_pairs(hashes, threshold), args.repeats if n < 1_000_000 else 1)
            line = f"n={n:>9,} t={threshold:2d} blocks={_plan(n, threshold)}: near_pairs median {seconds:7.2f} s, {len(pairs):,} pairs"
            if n <= args.full_check:
                brute_seconds, expected = timed(lambda: exhaustive_pairs(hashes, threshold), 1)
                same = np.array_equal(pairs, expected)
                line += f"; exhaustive {brute_seconds:.2f} s ({brute_seconds / seconds:.1f}x slower), identical: {same}"
            else:
                same = sampled_check(hashes, pairs, threshold, args.queries, rng)
                line += f"; {args.queries} sampled queries match an exhaustive scan: {same}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
