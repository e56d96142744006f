"""Time per item: `curator collect` versus bare gallery-dl fetching the same posts from the same local server.

Both fetch N posts from a local Danbooru-compatible server (tests/fakebooru.py) through the
real Danbooru extractor, with no request spacing and the same retries and timeout. Bare
gallery-dl only downloads; curator also filters, keeps a download archive, logs metadata,
hashes, decodes, stores, journals and writes a manifest. Each round runs both once into fresh
folders (alternating which goes first); medians over the rounds are printed, as wall time and
as CPU time (user + system of the whole process tree, which other people's load on a shared
machine disturbs much less than wall time). The fixed cost of each (start-up, configuration,
one empty search) is measured on its own by running both for a tag no post has, and the
per-item figures leave it out.

    .venv/bin/python benchmarks/bench_collect.py --posts 1000 --rounds 7
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
EMPTY_TAG = "no_such_tag"  # a search that finds nothing: what remains is the fixed cost
RETRIES, TIMEOUT = 4, 30.0  # curator's defaults, given to bare gallery-dl too
TOML = f"""[collect]
request_interval = 0
retries = {RETRIES}
timeout = {TIMEOUT}
user_gallery_dl_config = false
[collect.filters]
min_size = 64
"""


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, children included) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
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


def gallery_dl_fixed(root: str, out: Path) -> tuple[float, float]:
    return bare_gallery_dl(root, out, tag=EMPTY_TAG)


def curator_fixed(root: str, out: Path) -> tuple[float, float]:
    return curator(root, out, tag=EMPTY_TAG)


RUNS: dict[str, Callable[[str, Path], tuple[float, float]]] = {
    "gallery-dl": bare_gallery_dl, "curator": curator,
    "gallery-dl fixed": gallery_dl_fixed, "curator fixed": curator_fixed,
}


def measure(posts: int, size: int, rounds: int) -> dict[str, list[tuple[float, float]]]:
    os.environ.update({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    fake = make_posts(posts, size=size)
    for p in fake:  # every post allowed, so both fetch the same files
        p.rating, p.tags = "g", ["elf"]
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in RUNS}
    with FakeBooru(fake, per_page_max=200) as booru:
        for r in range(rounds):
            names = list(RUNS) if r % 2 == 0 else ["curator", "gallery-dl", *list(RUNS)[2:]]
            for name in names:
                with tempfile.TemporaryDirectory() as tmp:
                    times[name].append(RUNS[name](booru.root, Path(tmp)))
    return times


def report(times: dict[str, list[tuple[float, float]]], posts: int, size: int) -> None:
    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    print(f"{posts} posts of {size}px, {len(times['curator'])} rounds; medians (wall = elapsed, cpu = user+sys of the process tree):")
    for name, runs in times.items():
        print(f"  {name:<20} wall {wall[name]:7.3f} s   cpu {cpu[name]:7.3f} s   (wall runs: {', '.join(f'{w:.2f}' for w, _ in runs)})")
    print("per item, fixed cost left out:")
    for name in ("gallery-dl", "curator"):
        w = 1000 * (wall[name] - wall[f"{name} fixed"]) / posts
        c = 1000 * (cpu[name] - cpu[f"{name} fixed"]) / posts
        print(f"  {name:<20} wall {w:6.2f} ms/item   cpu {c:6.2f} ms/item")
    print("curator / gallery-dl:")
    print(f"  end to end           wall {wall['curator'] / wall['gallery-dl']:.3f}   cpu {cpu['curator'] / cpu['gallery-dl']:.3f}   (goal <= 1.20)")
    per_item = [(wall[n] - wall[f"{n} fixed"], cpu[n] - cpu[f"{n} fixed"]) for n in ("curator", "gallery-dl")]
    print(f"  per item             wall {per_item[0][0] / per_item[1][0]:.3f}   cpu {per_item[0][1] / per_item[1][1]:.3f}")
    # Each round's own ratio too: both ran back to back there, so a busy spell hits both alike.
    paired = [c[0] / g[0] for c, g in zip(times["curator"], times["gallery-dl"])]
    print(f"  median of per-round wall ratios {statistics.median(paired):.3f}  ({', '.join(f'{x:.2f}' for x in paired)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--size", type=int, default=256, help="image side in pixels")
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    report(measure(args.posts, args.size, args.rounds), args.posts, args.size)


if __name__ == "__main__":
    main()
