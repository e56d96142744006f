"""Throughput of `curator process` against the raw work it cannot avoid, on the same images and cores.

Raw = decode + detector chain + source hashes (pixel and perceptual) per image, in a plain
process pool of the same size, start method and chunk size as the stage's. Stage =
`process_manifest` from a cold cache (crop, score, encode, store, sync, cache, manifest,
duplicate grouping included). Also times a warm re-run. Raw and stage alternate which goes
first in each repeat, so load that drifts during the run hits both, after one untimed round of
each; the load average is printed, and the overhead both as a ratio of medians and as the
median of the per-repeat ratios (raw and stage measured back to back).

    .venv/bin/python benchmarks/bench_process.py [--per-family 40] [--size 256] [--workers 2] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ANIMEFACE = Path(__file__).resolve().parents[2] / "shared" / "weights" / "lbpcascade_animeface.xml"

_chain = None


def _init_raw(names: list[str], animeface: str) -> None:
    global _chain
    import cv2

    from curator.process.detect import DetectorChain

    cv2.setNumThreads(1)  # as the stage's workers do: one process per core already
    from detectors.registry import DetectorSettings

    _chain = DetectorChain(names, DetectorSettings(min_score=0.7, animeface_path=animeface), 960)


def _raw_one(path: str) -> int:
    import numpy as np

    from curator.imageio import decode_rgba, flatten
    from curator.process.hashing import SOURCE_HASH_SIZE, perceptual_hashes, pixel_hash

    rgba = decode_rgba(Path(path).read_bytes())
    flat = flatten(rgba)
    boxes = _chain.run(np.asarray(flat), np.asarray(rgba.getchannel("A"))).boxes
    pixel_hash(flat)
    perceptual_hashes(flat, SOURCE_HASH_SIZE)
    return len(boxes)


def _raw(paths: list[str], workers: int, names: list[str]) -> float:
    from curator.process.run import CHUNKSIZE, pool_context

    start = time.perf_counter()
    with pool_context().Pool(workers, initializer=_init_raw, initargs=(names, str(ANIMEFACE))) as pool:
        sum(pool.imap_unordered(_raw_one, paths, chunksize=CHUNKSIZE))
    return time.perf_counter() - start


def _stage(template: Path, workers: int) -> tuple[float, float]:
    from curator.process.run import process_manifest
    from curator.workspace import Workspace

    # A fresh copy of the imported workspace per run, kept until the end: deleting hundreds of
    # files on this disk (ext4 with 'discard') stalls file creation for seconds afterwards, and
    # the copy's own writes are flushed before the clock starts. Both would otherwise be charged
    # to the stage, which writes files, and not to the raw work, which does not.
    root = Path(tempfile.mkdtemp(prefix="run-", dir=template.parent)) / "ws"
    shutil.copytree(template, root)
    os.sync()
    ws = Workspace(root)
    start = time.perf_counter()
    cold = process_manifest(ws, workers=workers)
    cold_s = time.perf_counter() - start
    start = time.perf_counter()
    process_manifest(Workspace(root), workers=workers)
    warm_s = time.perf_counter() - start
    assert cold.cached == 0, "a cold run must compute every source"
    return cold_s, warm_s


def _per_image_cpu(template: Path, paths: list[str], names: list[str], repeats: int) -> tuple[float, float]:
    """CPU seconds per image in this one process: raw work vs the stage's worker (crops into a scratch store).

    CPU time, not wall time, and no pools: what each image costs, whatever the machine's load and start-ups.
    """
    import dataclasses

    from curator.process import worker
    from curator.process.run import worker_settings
    from curator.workspace import Workspace

    ws = Workspace(template)
    scratch = Path(tempfile.mkdtemp(prefix="bench-process-crops-"))
    worker.init_worker(dataclasses.replace(worker_settings(ws, ws.config.process), store_root=str(scratch)))
    _init_raw(names, str(ANIMEFACE))
    parent = ws.manifests.load("import")
    tasks = [worker.Task(it.id, str(template / it.object)) for it in parent.items if it.status == "kept"]
    for task in tasks[:3]:  # first calls import and build lazily
        _raw_one(task.path)
        worker.process_task(task)
    raw, stage = [], []
    for _ in range(repeats):
        shutil.rmtree(scratch, ignore_errors=True)  # a store that already holds a crop skips writing it
        for prefix in range(256):  # but a workspace's store has its folders already: sources live there
            (scratch / f"{prefix:02x}").mkdir(parents=True)
        start = time.process_time()
        for path in paths:
            _raw_one(path)
        raw.append((time.process_time() - start) / len(paths))
        start = time.process_time()
        for task in tasks:
            worker.process_task(task)
        stage.append((time.process_time() - start) / len(tasks))
    shutil.rmtree(scratch, ignore_errors=True)
    return statistics.median(raw), statistics.median(stage)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-family", type=int, default=40)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    from curator.ingest.run import import_paths
    from curator.sample import CorpusSpec, generate_corpus
    from curator.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="bench-process-src-"))
    corpus = tmp / "corpus"
    generate_corpus(corpus, CorpusSpec(per_family=args.per_family, size=args.size, seed=0))
    template = tmp / "ws"
    ws = Workspace(template)
    ws.init()
    (template / "curator.toml").write_text(f'[process]\nanimeface_path = "{ANIMEFACE}"\n')
    import_paths(ws, [corpus], workers=args.workers)
    parent = ws.manifests.load("import")
    paths = [str(template / it.object) for it in parent.items if it.status == "kept"]
    names = list(ws.config.process.detectors)

    # One untimed round first: the forkserver's start and this process's first imports would
    # otherwise land on whichever of raw and stage runs first.
    _raw(paths, args.workers, names)
    _stage(template, args.workers)
    raw, cold, warm = [], [], []
    load_before = os.getloadavg()[0]
    for repeat in range(args.repeats):
        if repeat % 2:
            c, w = _stage(template, args.workers)
            raw.append(_raw(paths, args.workers, names))
        else:
            raw.append(_raw(paths, args.workers, names))
            c, w = _stage(template, args.workers)
        cold.append(c)
        warm.append(w)
    r, c, w = statistics.median(raw), statistics.median(cold), statistics.median(warm)
    print(f"images: {len(paths)} ({args.size} px sample corpus), workers: {args.workers}, repeats: {args.repeats}, chain: {names}")
    print(f"load average (1 min) on {os.cpu_count()} cores: {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    print(f"raw decode+detect+hash : median {r:.2f} s  ({len(paths) / r:.1f} img/s)  runs {[round(x, 2) for x in raw]}")
    print(f"process, cold cache    : median {c:.2f} s  ({len(paths) / c:.1f} img/s)  runs {[round(x, 2) for x in cold]}")
    print(f"process, warm re-run   : median {w:.2f} s  runs {[round(x, 2) for x in warm]}")
    paired = statistics.median(s / x for s, x in zip(cold, raw))
    print(f"overhead of the stage over raw work: {100 * (c / r - 1):+.1f}% (ratio of medians), "
          f"{100 * (paired - 1):+.1f}% (median of per-repeat ratios)  (goal: at most +20%)")
    r_cpu, s_cpu = _per_image_cpu(template, paths, names, max(args.repeats, 3))
    print(f"CPU per image, one process: raw {1000 * r_cpu:.1f} ms, stage worker {1000 * s_cpu:.1f} ms "
          f"({100 * (s_cpu / r_cpu - 1):+.1f}%: the crop work itself, without start-ups)")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
