"""Time per item: `curator collect` versus bare gallery-dl fetching the same posts from the same local server.

Both fetch N posts from a local Danbooru-compatible server (tests/fakebooru.py) through the
real Danbooru extractor, with no request spacing. Bare gallery-dl only downloads; curator also
records events, writes metadata sidecars, hashes, decodes, stores, journals and writes a
manifest. Each round runs both once into fresh folders; medians over the rounds are printed.

    .venv/bin/python benchmarks/bench_collect.py --posts 200 --rounds 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fakebooru import FakeBooru, make_posts  # noqa: E402

TOML = "[collect]\nrequest_interval = 0\nuser_gallery_dl_config = false\n[collect.filters]\nmin_size = 64\n"


def bare_gallery_dl(root: str, out: Path) -> float:
    cfg = out / "gallery-dl.json"
    cfg.write_text(json.dumps({"extractor": {"base-directory": str(out / "files"), "sleep-request": 0},
                               "output": {"mode": "null"}}))
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "gallery_dl", "--config-ignore", "-c", str(cfg),
                    f"Danbooru:{root}/posts?tags=elf"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def curator(root: str, out: Path) -> float:
    ws = out / "ws"
    ws.mkdir()
    (ws / "curator.toml").write_text(TOML)
    t = time.perf_counter()
    subprocess.run([str(ROOT / ".venv" / "bin" / "curator"), "-w", str(ws), "collect", "elf", "-q", "elf",
                    "--source", f"danbooru={root}", "--json"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=200)
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.update({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    posts = make_posts(args.posts, size=args.size)
    for p in posts:  # every post allowed, so both fetch the same files
        p.rating, p.tags = "g", ["elf"]
    times: dict[str, list[float]] = {"gallery-dl": [], "curator": []}
    with FakeBooru(posts, per_page_max=200) as booru:
        for _ in range(args.rounds):
            for name, fn in (("gallery-dl", bare_gallery_dl), ("curator", curator)):
                with tempfile.TemporaryDirectory() as tmp:
                    times[name].append(fn(booru.root, Path(tmp)))
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.posts} posts of {args.size}px, {args.rounds} rounds, median wall time per run:")
    for name, m in med.items():
        print(f"  {name:<11} {m:7.3f} s  = {1000 * m / args.posts:6.2f} ms/item   (runs: {', '.join(f'{x:.2f}' for x in times[name])})")
    print(f"  curator / gallery-dl = {med['curator'] / med['gallery-dl']:.3f}  (goal <= 1.20)")


if __name__ == "__main__":
    main()
