"""Time per item: `curator collect` versus bare gallery-dl fetching the same posts from the same local server.

Both fetch posts from a local Danbooru-compatible server (tests/fakebooru.py) through the real
Danbooru extractor, with no request spacing and the same retries and timeout. Bare gallery-dl
only downloads; curator also filters, keeps a download archive, logs metadata, hashes, probes,
stores, journals and writes a manifest.

Time per item is the slope between two searches: one finding all N posts, one finding the
first `--small` of them, so fixed costs (start-up, configuration, the first page) cancel out
exactly while everything that grows with the number of files (the manifest included) stays. End-to-end ratios at both sizes are printed too. Each round runs every
(tool, search) pair once, into fresh folders, alternating the order; medians over rounds are
printed as wall time and as CPU time (user + system of the whole process tree).

    .venv/bin/python benchmarks/bench_collect.py --posts 2000 --small 200 --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from fakebooru import FakeBooru, make_posts  # noqa: E402

CURATOR = str(ROOT / ".venv" / "bin" / "curator")
GALLERY_DL = [sys.executable, "-m", "gallery_dl", "--config-ignore"]
SMALL_TAG = "small"  # on the first --small posts only
RETRIES, TIMEOUT = 4, 30.0  # curator's defaults, given to bare gallery-dl too
TOML = f"""[collect]
request_interval = 0
retries = {RETRIES}
timeout = {TIMEOUT}
user_gallery_dl_config = false
[collect.filters]
min_size = 64
"""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, children included) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bare_gallery_dl(root: str, out: Path, tag: str = "elf") -> tuple[float, float]:
    cfg = out / "gallery-dl.json"
    cfg.write_text(json.dumps({
        "extractor": {"base-directory": str(out / "files"), "sleep-request": 0, "retries": RETRIES, "timeout": TIMEOUT},
        "downloader": {"http": {"retries": RETRIES, "timeout": TIMEOUT}},
        "output": {"mode": "null"},
    }))
    return timed([*GALLERY_DL, "-c", str(cfg), f"Danbooru:{root}/posts?tags={tag}"])


def curator(root: str, out: Path, tag: str = "elf") -> tuple[float, float]:
    ws = out / "ws"
    ws.mkdir()
    (ws / "curator.toml").write_text(TOML)
    return timed([CURATOR, "-w", str(ws), "collect", "elf", "-q", tag, "--source", f"danbooru={root}", "--json"])


TOOLS: dict[str, Callable[[str, Path, str], tuple[float, float]]] = {"gallery-dl": bare_gallery_dl, "curator": curator}
SEARCHES = {"all": "elf", "small": SMALL_TAG}


def measure(posts: int, small: int, size: int, rounds: int, where: str | None = None) -> dict[tuple[str, str], list[tuple[float, float]]]:
    os.environ.update({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    fake = make_posts(posts, size=size)
    for i, p in enumerate(fake):  # every post allowed, so both fetch the same files
        p.mature, p.tags = False, ["elf", SMALL_TAG] if i < small else ["elf"]
    times: dict[tuple[str, str], list[tuple[float, float]]] = {(t, q): [] for t in TOOLS for q in SEARCHES}
    # Every run's folder is kept until the end: on this machine's disk (ext4 mounted with
    # 'discard') deleting a thousand files stalls file creation for seconds afterwards, which
    # would slow whichever run came next.
    with FakeBooru(fake, per_page_max=200) as booru, tempfile.TemporaryDirectory(dir=where) as tmp:
        settle()
        for r in range(rounds):
            order = list(times) if r % 2 == 0 else list(reversed(times))
            for tool, search in order:
                out = Path(tmp) / f"{r}-{tool}-{search}"
                out.mkdir()
                times[tool, search].append(TOOLS[tool](booru.root, out, SEARCHES[search]))
    return times


def settle(seconds: float = 3.0) -> None:
    """Let earlier writes and deletions reach the disk before the first timed run."""
    os.sync()
    time.sleep(seconds)


def report(times: dict[tuple[str, str], list[tuple[float, float]]], posts: int, small: int, size: int) -> None:
    med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in times.items()}
    rounds = len(times["curator", "all"])
    print(f"{posts} posts of {size}px (and the first {small} of them), {rounds} rounds; medians "
          "(wall = elapsed, cpu = user+sys of the process tree):")
    for (tool, search), runs in times.items():
        w, c = med[tool, search]
        print(f"  {tool:<11} {search:<6} wall {w:7.3f} s   cpu {c:7.3f} s   (wall runs: {', '.join(f'{x:.2f}' for x, _ in runs)})")
    n = posts - small

    def per_item(tool: str, i: int) -> float:
        return 1000 * (med[tool, "all"][i] - med[tool, "small"][i]) / n

    print(f"per item (slope between {small} and {posts} posts; start-up cancels out):")
    for tool in TOOLS:
        print(f"  {tool:<11} wall {per_item(tool, 0):6.3f} ms/item   cpu {per_item(tool, 1):6.3f} ms/item")
    print("curator / gallery-dl:")
    print(f"  per item        wall {per_item('curator', 0) / per_item('gallery-dl', 0):.3f}   "
          f"cpu {per_item('curator', 1) / per_item('gallery-dl', 1):.3f}   (goal <= 1.20)")
    # Each round's own slope ratio too: its four runs ran back to back, so a busy spell hits both tools.
    paired = []
    for r in range(rounds):
        slope = {t: times[t, "all"][r][0] - times[t, "small"][r][0] for t in TOOLS}
        paired.append(slope["curator"] / slope["gallery-dl"])
    print(f"  per item, median of per-round ratios {statistics.median(paired):.3f}  ({', '.join(f'{x:.2f}' for x in paired)})")
    for search, count in (("all", posts), ("small", small)):
        w = med["curator", search][0] / med["gallery-dl", search][0]
        extra = med["curator", search][0] - med["gallery-dl", search][0]
        print(f"  end to end at {count:>5} posts   wall {w:.3f}   (curator {extra:+.3f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--small", type=int, default=200, help="posts in the smaller search")
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--dir", help="where the runs write (default: the system's temporary folder)")
    args = ap.parse_args()
    report(measure(args.posts, args.small, args.size, args.rounds, args.dir), args.posts, args.small, args.size)


if __name__ == "__main__":
    main()
