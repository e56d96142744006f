"""How long `curator review` takes to build/update its FiftyOne dataset and to sync tags.

Usage: .venv/bin/python benchmarks/bench_review.py [--per-family 40] [--repeats 3]
Prints medians (seconds) for: embedded database start, first build, update of an existing
dataset, sync writing a version (10% of samples tagged), and a no-op re-sync.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-family", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from curator.ingest.run import import_paths
    from curator.review.database import review_database
    from curator.review.dataset import build_dataset
    from curator.review.sync import sync_dataset
    from curator.sample import CorpusSpec, generate_corpus
    from curator.workspace import Workspace

    times: dict[str, list[float]] = {k: [] for k in ("db start", "first build", "update", "sync (10% tagged)", "no-op sync")}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            generate_corpus(corpus, CorpusSpec(per_family=args.per_family, size=128, seed=1))
            ws = Workspace(Path(tmp) / "ws")
            ws.init()
            import_paths(ws, [corpus], workers=1)
            manifest = ws.manifests.load("latest")
            t0 = time.perf_counter()
            with review_database(ws.root, ws.config.review):
                times["db start"].append(time.perf_counter() - t0)
                dt, ds = _timed(lambda: build_dataset(ws, manifest))
                times["first build"].append(dt)
                times["update"].append(_timed(lambda: build_dataset(ws, manifest))[0])
                ds.take(max(1, len(ds) // 10), seed=0).tag_samples("reject")
                times["sync (10% tagged)"].append(_timed(lambda: sync_dataset(ws, ds, "bench"))[0])
                times["no-op sync"].append(_timed(lambda: sync_dataset(ws, ds, "bench"))[0])
                n = len(ds)
    print(f"{n} samples, {args.repeats} repeats (median seconds)")
    for name, values in times.items():
        print(f"  {name:<18} {statistics.median(values):7.3f}")
    per_sample = statistics.median(times["first build"]) / n * 1000
    print(f"  first build per sample: {per_sample:.2f} ms; update/first build ratio: "
          f"{statistics.median(times['update']) / statistics.median(times['first build']):.2f}")


if __name__ == "__main__":
    main()
