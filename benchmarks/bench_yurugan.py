"""StyleGAN2-ADA vs YuruGAN's model: the same clustered real set, the same kimg, SWD and GS for both.

The whole YuruGAN pipeline runs through the CLI in a scratch workspace: a generated sample corpus
(five mascot families, no third-party images) is imported, clustered (`--embedder pixels
--k-method xmeans`: no weights needed offline), exported with `--cond --augment`, and trained by
both trainers for the same number of real images; each final snapshot is then evaluated with
`curator eval --metrics swd,gs` against the training set. Prints one JSON line per model and a
Markdown table.

    flock /tmp/curator-cpu.lock .venv/bin/python benchmarks/bench_yurugan.py --kimg 2 --res 32
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def curator(ws: Path, *args: str) -> str:
    cmd = [sys.executable, "-m", "curator.cli.app", "-w", str(ws), *args]
    done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if done.returncode:
        raise SystemExit(f"{' '.join(args[:2])} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kimg", type=float, default=2.0, help="real images shown to each model, in thousands")
    ap.add_argument("--res", type=int, default=32)
    ap.add_argument("--per-family", type=int, default=30)
    ap.add_argument("--augment", type=int, default=1)
    ap.add_argument("--num", type=int, default=300, help="generated images per evaluation")
    ap.add_argument("--gs-repeats", type=int, default=100)
    ap.add_argument("--keep", type=Path, default=None, help="keep the workspace here")
    args = ap.parse_args()

    from curator.sample import CorpusSpec, generate_corpus

    ws = args.keep or Path(tempfile.mkdtemp(prefix="bench-yurugan-"))
    ws.mkdir(parents=True, exist_ok=True)
    corpus = ws / "corpus"
    generate_corpus(corpus, CorpusSpec(per_family=args.per_family, size=128, exact_duplicates=0, near_duplicates=0,
                                       junk=False, seed=3))
    curator(ws, "init")
    curator(ws, "import", str(corpus))
    print(curator(ws, "cluster", "--embedder", "pixels", "--k-method", "xmeans").strip().splitlines()[-1], file=sys.stderr)
    data = ws / "train.zip"
    curator(ws, "export", "--cond", "--augment", str(args.augment), "--resolution", str(args.res), "--fit", "crop",
            "--out", str(data))
    toml = ws / "curator.toml"  # `curator init` wrote every setting with its default
    toml.write_text(toml.read_text().replace("gs_repeats = 100", f"gs_repeats = {args.gs_repeats}"))
    common = [str(data), "--cond", "--kimg", str(args.kimg), "--tick", str(args.kimg), "--snap", "1000",
              "--device", "cpu", "--workers", "0"]
    models = {
        # The demo-size StyleGAN2-ADA (see bench_train.py), batch 32 as YuruGAN's paper.
        "stylegan2-ada": ["--batch", "32", "--channel-base", "4096", "--channel-max", "128"],
        "yurugan": ["--model", "yurugan", "--channel-max", "128"],
    }
    rows = []
    for name, flags in models.items():
        run_dir = ws / "runs" / name
        t = time.perf_counter()
        curator(ws, "train", *common, *flags, "--out", str(run_dir))
        seconds = time.perf_counter() - t
        t = time.perf_counter()
        record = json.loads(curator(ws, "eval", str(run_dir), "--metrics", "swd,gs", "--num", str(args.num),
                                    "--device", "cpu", "--json"))
        params = _params(run_dir)
        row = {"model": name, "kimg": args.kimg, "train_s": round(seconds), "eval_s": round(time.perf_counter() - t),
               "G_params": params, "real_images": record["real_images"], **{k: round(v, 2) for k, v in record["results"].items()}}
        print(json.dumps(row), flush=True)
        rows.append(row)
    print("\n| model | kimg | train s | G params | SWD x1e3 (mean) | GS x1e3 |\n|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['kimg']:g} | {r['train_s']} | {r['G_params'] / 1e6:.2f} M | {r['swd']:.1f} | {r['gs']:.2f} |")
    print(f"\nworkspace: {ws}", file=sys.stderr)


def _params(run_dir: Path) -> int:
    from safetensors.torch import load_file

    snap = sorted(run_dir.glob("network-snapshot-*.safetensors"))[-1]
    return sum(v.numel() for k, v in load_file(str(snap)).items() if k.startswith("G.") and v.is_floating_point())


if __name__ == "__main__":
    main()
