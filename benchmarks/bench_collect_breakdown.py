"""Where `curator collect`'s time per item goes: bare gallery-dl, gallery-dl as curator configures it, curator, and curator with its ingest switched off.

A diagnostic companion to bench_collect.py. The fake booru runs in a process of its own (as a
real site would not share the benchmark's), and each curator run reports its own CPU apart
from its gallery-dl child's. "gallery-dl, curator's config" runs gallery-dl alone with the very
configuration and input file curator writes (download archive, per-file metadata log, response
headers, filters, event lines): what the features the collect issue asks for cost gallery-dl
before curator does anything. "Ingest off" leaves every finished file staged, as a killed run
would, so it adds curator's start-up and event reading; the gap from it to the full curator run
is the per-file ingest plus the end-of-run manifest. Per-item figures are slopes between a
search finding all --posts posts and one finding the first --small.

On a shared 2-core machine wall times vary by tens of percent between runs: use many rounds and
compare arms only within one run.

    .venv/bin/python benchmarks/bench_collect_breakdown.py --posts 2000 --small 200 --rounds 7
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_collect import SMALL_TAG, TOML, bare_gallery_dl, settle, timed  # noqa: E402

# Runs the real CLI in a child process, optionally with the ingest switched off, and prints its
# own CPU (not its gallery-dl child's) when it exits.
CURATOR_CHILD = """
import atexit, os, resource, sys
def report():
    r = resource.getrusage(resource.RUSAGE_SELF)
    print(f"curator-cpu {r.ru_utime + r.ru_stime:.6f}", file=sys.stderr)
atexit.register(report)
if os.environ.get("BENCH_INGEST_OFF"):
    from curator.collect.writer import Writer
    Writer.ingest_new = lambda self, source, path: None
from curator.cli.app import main
sys.argv = ["curator", *sys.argv[1:]]
main()
"""

ARMS = ("gallery-dl", "gallery-dl, curator's config", "curator", "curator, ingest off")


def serve(posts: int, small: int, size: int, url: "mp.Queue[str]") -> None:
    from fakebooru import FakeBooru, make_posts

    fake = make_posts(posts, size=size)
    for i, p in enumerate(fake):  # every post allowed, so all arms fetch the same files
        p.mature, p.tags = False, ["elf", SMALL_TAG] if i < small else ["elf"]
    with FakeBooru(fake, per_page_max=200) as booru:
        url.put(booru.root)
        time.sleep(24 * 3600)


def run_curator(root: str, out: Path, tag: str, ingest_off: bool) -> tuple[float, float, float]:
    """Wall seconds, curator's own CPU and its gallery-dl's CPU."""
    ws = out / "ws"
    ws.mkdir()
    (ws / "curator.toml").write_text(TOML)
    env = {**os.environ, **({"BENCH_INGEST_OFF": "1"} if ingest_off else {})}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", CURATOR_CHILD, "-w", str(ws), "collect", "elf", "-q", tag,
                           "--source", f"danbooru={root}", "--json"],
                          check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    own = float(re.search(r"curator-cpu (\S+)", proc.stderr).group(1))
    return wall, own, total - own


def configured_gallery_dl(root: str, out: Path, tag: str) -> tuple[float, float]:
    """gallery-dl alone, with the configuration and input file curator would write for this search."""
    from curator.collect import gallerydl
    from curator.collect.sources import registry
    from curator.workspace import Workspace

    ws = out / "ws"
    ws.mkdir()
    (ws / "curator.toml").write_text(TOML)
    cfg = Workspace(ws).config.collect
    source = registry()["danbooru"](root)
    config = gallerydl.build_config(source, cfg, cfg.site(source.name), out / "staging", out / "archive.sqlite3",
                                    dry_run=False)
    cmd = gallerydl.command(out, config, gallerydl.input_file(source, [tag]), user_config=False)
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}  # as curator's runner starts it
    return timed(cmd, env)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--small", type=int, default=200)
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    os.environ.update({"NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"})
    url: mp.Queue[str] = mp.Queue()
    server = mp.Process(target=serve, args=(args.posts, args.small, args.size, url), daemon=True)
    server.start()
    root = url.get(timeout=120)
    times: dict[tuple[str, str], list[tuple[float, float, float]]] = {(a, q): [] for a in ARMS for q in ("all", "small")}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settle()
            for r in range(args.rounds):
                for arm, search in (list(times) if r % 2 == 0 else list(reversed(times))):
                    out = Path(tmp) / f"{r}-{re.sub(r'[^a-z-]', '', arm.replace(' ', '-'))}-{search}"
                    out.mkdir()
                    tag = "elf" if search == "all" else SMALL_TAG
                    if arm.startswith("gallery-dl"):
                        run = bare_gallery_dl if arm == "gallery-dl" else configured_gallery_dl
                        wall, cpu = run(root, out, tag)
                        times[arm, search].append((wall, 0.0, cpu))
                    else:
                        times[arm, search].append(run_curator(root, out, tag, ingest_off=arm.endswith("off")))
    finally:
        server.terminate()
    n = args.posts - args.small

    def slope(arm: str, i: int) -> float:
        med = {q: statistics.median(x[i] for x in times[arm, q]) for q in ("all", "small")}
        return 1000 * (med["all"] - med["small"]) / n

    print(f"per item, slope between {args.small} and {args.posts} posts of {args.size} px, {args.rounds} rounds "
          "(fake booru in its own process):")
    for arm in ARMS:
        print(f"  {arm:<29} wall {slope(arm, 0):6.3f} ms   CPU: curator {slope(arm, 1):6.3f} ms, "
              f"gallery-dl {slope(arm, 2):6.3f} ms")
    base = slope("gallery-dl", 0)
    print("  wall ratio to bare gallery-dl: " + ", ".join(f"{arm} {slope(arm, 0) / base:.3f}" for arm in ARMS[1:]))
    same_job = slope(ARMS[1], 0)
    print(f"  wall ratio of curator to gallery-dl with curator's config: {slope('curator', 0) / same_job:.3f}")


if __name__ == "__main__":
    main()
