"""Small data: ADA alone against ADA + DiffAugment, ADA + APA and the combinations, several seeds, equal kimg.

    python benchmarks/bench_smalldata.py --images 500 --res 32 --kimg 4 --seeds 0 1 2
    python benchmarks/bench_smalldata.py --data my-500-images.zip --configs ada ada+diffaug ada+apa ada+diffaug+apa

Every configuration trains curator's product code (`build_run` + `train_step`) on the same
batches from the same seeds; each G_ema is measured with curator's SWD (plus KID/FID with
`--metrics` when the Inception file is present). The default set is Debian's emoji (real,
human-drawn art; `apt-get install fonts-noto-color-emoji`), cut to `--images`. Writes
results.jsonl and prints a table (config x seed, mean and spread) to compare against the seed spread.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_parity import measure  # noqa: E402
from train_sides import CuratorSide, batches, emoji_set  # noqa: E402

from trainers.stylegan2.options import options_from_preset  # noqa: E402
from trainers.stylegan2.training_loop import tick_fields  # noqa: E402

CONFIGS = {
    "ada": {},
    "ada+diffaug": {"diffaug": "color,translation,cutout"},
    "ada+apa": {"apa": True},
    "ada+diffaug+apa": {"diffaug": "color,translation,cutout", "apa": True},
    "diffaug": {"aug": "noaug", "diffaug": "color,translation,cutout"},
    "noaug": {"aug": "noaug"},
}


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", help="Training ZIP (default: the emoji set).")
    ap.add_argument("--images", type=int, default=500, help="Size of the default emoji set.")
    ap.add_argument("--res", type=int, default=32)
    ap.add_argument("--channel-base", type=int, default=4096)
    ap.add_argument("--channel-max", type=int, default=128)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--gamma", type=float, default=0.0128)
    ap.add_argument("--ema", type=float, default=5.0)
    ap.add_argument("--adapt-kimg", type=float, default=10.0,
                    help="ada_kimg and apa_kimg (500 in long runs; short runs need p to move within them).")
    ap.add_argument("--kimg", type=float, default=4.0)
    ap.add_argument("--eval-every", type=float, default=2.0)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--configs", nargs="+", default=["ada", "ada+diffaug", "ada+apa", "ada+diffaug+apa"],
                    choices=list(CONFIGS))
    ap.add_argument("--metrics", nargs="+", default=["swd"])
    ap.add_argument("--num-gen", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--out", default="/tmp/curator-smalldata")
    return ap.parse_args()


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(args.data) if args.data else emoji_set(out / "data", args.res, limit=args.images)
    device = torch.device("cpu")
    records = []
    for seed in args.seeds:
        for name in args.configs:
            opts = options_from_preset("auto", args.res, str(data), kimg=args.kimg, batch=args.batch, gamma=args.gamma,
                                       channel_base=args.channel_base, channel_max=args.channel_max, ema_kimg=args.ema,
                                       ada_kimg=args.adapt_kimg, apa_kimg=args.adapt_kimg, seed=seed,
                                       **{"aug": "ada", **CONFIGS[name]})
            torch.manual_seed(seed)
            side = CuratorSide(opts, device)
            feed, labels = batches(data, args.batch, seed, device)
            nimg, next_eval, t0 = 0, args.eval_every * 1000, time.perf_counter()
            while nimg < args.kimg * 1000:
                real, c = next(feed)
                side.step(real, c, labels)
                nimg += args.batch
                if nimg >= next_eval or nimg >= args.kimg * 1000:
                    next_eval += args.eval_every * 1000
                    metrics = measure(side.G_ema, args, data, out / "stats-cache", device)
                    record = {"config": name, "seed": seed, "kimg": nimg / 1000, "sec": time.perf_counter() - t0,
                              **tick_fields(side.run), **metrics}
                    records.append(record)
                    with open(out / "results.jsonl", "a") as fh:
                        fh.write(json.dumps(record) + "\n")
                    print(json.dumps(record), flush=True)
    for metric in args.metrics:
        final = [r for r in records if r["kimg"] >= args.kimg and metric in r]
        if not final:
            continue
        print(f"\n{metric} at {args.kimg:g} kimg ({data.name}, {args.res}px; lower is better)")
        print("| config | " + " | ".join(f"seed {s}" for s in args.seeds) + " | mean | min-max |")
        print("|---|" + "---|" * (len(args.seeds) + 2))
        for name in args.configs:
            vals = {r["seed"]: r[metric] for r in final if r["config"] == name}
            if vals:
                cells = " | ".join(f"{vals[s]:.1f}" if s in vals else "" for s in args.seeds)
                print(f"| {name} | {cells} | {statistics.mean(vals.values()):.1f} | "
                      f"{min(vals.values()):.1f}-{max(vals.values()):.1f} |")


if __name__ == "__main__":
    main()
