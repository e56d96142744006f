"""Import throughput (images/s) and peak memory for N images of 512 px on this machine.

    .venv/bin/python benchmarks/bench_import.py --sizes 2500 5000 10000 --repeats 3

Images are generated once (mascots from curator.sample, 70% JPEG / 30% PNG, 512x512) into a
cache folder; each import runs in a fresh process into a fresh workspace, so the figures
include process start-up of the worker pool. Memory is sampled every 50 ms with psutil: the
peak RSS of the main process, and the peak of the whole process tree (main + forkserver +
workers), so growth with N shows up in either.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import threading
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
from PIL import Image


def make_images(folder: Path, n: int, size: int = 512) -> None:
    """n distinct images; reuses what an earlier run generated."""
    from curator.sample.mascot import FAMILIES, MascotSpec, draw_mascot

    folder.mkdir(parents=True, exist_ok=True)
    have = len(list(folder.glob("*")))
    rng = random.Random(have)
    families = list(FAMILIES)
    for i in range(have, n):
        img, _ = draw_mascot(MascotSpec.random(families[i % len(families)], rng, size))
        rgb = Image.new("RGB", img.size, (250, 250, 250))
        rgb.paste(img, mask=img.getchannel("A"))
        buf = io.BytesIO()
        if i % 10 < 7:
            rgb.save(buf, "JPEG", quality=90)
            ext = "jpg"
        else:
            rgb.save(buf, "PNG", compress_level=1)
            ext = "png"
        (folder / f"img{i:06d}.{ext}").write_bytes(buf.getvalue())


def _sample_memory(peaks: dict[str, int], stop: threading.Event) -> None:
    me = psutil.Process()
    while not stop.wait(0.05):
        try:
            main = me.memory_info().rss
            tree = main + sum(c.memory_info().rss for c in me.children(recursive=True))
        except psutil.Error:
            continue
        peaks["main"], peaks["tree"] = max(peaks["main"], main), max(peaks["tree"], tree)


def one_run(src: Path, n: int) -> dict:
    """Import the first n images of src (symlinked into a folder) in this process."""
    from curator.ingest.run import import_paths
    from curator.workspace import Workspace

    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    try:
        sub = tmp / "in"
        sub.mkdir()
        for p in sorted(src.iterdir())[:n]:
            (sub / p.name).symlink_to(p)
        ws = Workspace(tmp / "ws")
        peaks = {"main": 0, "tree": 0}
        stop = threading.Event()
        threading.Thread(target=_sample_memory, args=(peaks, stop), daemon=True).start()
        t0 = time.perf_counter()
        result = import_paths(ws, [sub])
        dt = time.perf_counter() - t0
        stop.set()
        assert result.new_items == n, result
        return {"n": n, "seconds": dt, "images_per_s": n / dt,
                "main_peak_mb": peaks["main"] / 2**20, "tree_peak_mb": peaks["tree"] / 2**20}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 5000, 10000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "curator-bench-import-512")
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(one_run(args.cache, args.child)))
        return

    make_images(args.cache, max(args.sizes))
    print(f"{'images':>7} {'median s':>9} {'median img/s':>13} {'main peak MB':>13} {'tree peak MB':>13}")
    for n in args.sizes:
        runs = []
        for _ in range(args.repeats):
            out = subprocess.run([sys.executable, __file__, "--cache", str(args.cache), "--child", str(n)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        print(f"{n:>7} {statistics.median(r['seconds'] for r in runs):>9.2f} "
              f"{statistics.median(r['images_per_s'] for r in runs):>13.1f} "
              f"{max(r['main_peak_mb'] for r in runs):>13.1f} {max(r['tree_peak_mb'] for r in runs):>13.1f}")


if __name__ == "__main__":
    main()
