"""Learning parity with the official StyleGAN2-ADA: both trained side by side, measured by curator's own eval.

    git clone https://github.com/NVlabs/stylegan2-ada-pytorch /tmp/sg2ada      # the user fetches it; never committed
    python benchmarks/bench_parity.py --official /tmp/sg2ada --kimg 4 --eval-every 1 --seeds 0 1

Identical settings on both sides (resolution, channels, batch, lr, gamma, EMA, augmentation,
style mixing, path length), the same batches in the same order (curator's seeded sequence),
each side seeded alike. The curator side is the product code (`build_run` + `train_step`); the
official side is its networks, loss and augment pipe driven by its inner loop's phase schedule
(benchmarks/official_side.py: its `training_loop` is CUDA-only). At every `--eval-every` kimg
both G_ema are measured with curator's SWD (and KID/FID when `--metrics` names them and the
Inception file is present); the official G_ema is loaded into curator's Generator (same
tensors) so both go through the same eval path. Writes results.jsonl (per tick: losses, R1,
PL, scores; per eval: metrics), a table (kimg x side x seed) and curves.png in --out.

`--same-init` starts both sides from the same weights (curator's init copied into the official
networks), and `--r1-trace` records R1 at every Dreg step: the way to tell a difference in how
a statistic is averaged from a difference in what is computed.
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

from official_side import build as build_official, load as load_official  # noqa: E402
from train_sides import CuratorSide, batches, emoji_set, synthetic_set  # noqa: E402

from curator.evaluate.config import EvalConfig  # noqa: E402
from curator.evaluate.run import evaluate_snapshot  # noqa: E402
from trainers.stylegan2.networks import Generator  # noqa: E402
from trainers.stylegan2.options import options_from_preset  # noqa: E402


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--official", required=True, help="Path of a stylegan2-ada-pytorch checkout.")
    ap.add_argument("--data", help="Training ZIP (default: the emoji set at --res).")
    ap.add_argument("--res", type=int, default=32)
    ap.add_argument("--channel-base", type=int, default=4096)
    ap.add_argument("--channel-max", type=int, default=128)
    ap.add_argument("--map", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--gamma", type=float, default=0.0128)
    ap.add_argument("--ema", type=float, default=5.0)
    ap.add_argument("--aug", default="noaug", choices=["noaug", "ada", "fixed"])
    ap.add_argument("--p", type=float, default=0.0)
    ap.add_argument("--kimg", type=float, default=4.0)
    ap.add_argument("--eval-every", type=float, default=1.0, help="kimg between evaluations (and ticks).")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--sides", nargs="+", default=["curator", "official"])
    ap.add_argument("--metrics", nargs="+", default=["swd"])
    ap.add_argument("--num-gen", type=int, default=1024)
    ap.add_argument("--same-init", action="store_true")
    ap.add_argument("--r1-trace", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--out", default="/tmp/curator-parity")
    return ap.parse_args()


def measure(G_ema: torch.nn.Module, args, data: Path, cache: Path, device: torch.device) -> dict[str, float]:
    G = Generator(**G_ema.init_kwargs) if hasattr(G_ema, "init_kwargs") else None
    if G is not None:  # official module: its tensors into curator's Generator, so both use one eval path
        G.load_state_dict(G_ema.state_dict())
        G_ema = G.to(device)
    with torch.random.fork_rng():
        return evaluate_snapshot(G_ema, data, args.metrics, args.num_gen, cache, device,
                                 EvalConfig(swd_images=min(args.num_gen, 1024), batch=64))


def run_side(side: str, seed: int, args, data: Path, out: Path, log) -> None:
    device = torch.device(args.device)
    opts = options_from_preset("auto", args.res, str(data), kimg=args.kimg, batch=args.batch, gamma=args.gamma,
                               channel_base=args.channel_base, channel_max=args.channel_max, map_layers=args.map,
                               ema_kimg=args.ema, aug=args.aug, p=args.p, seed=seed, device=args.device)
    init = None
    if args.same_init:
        torch.manual_seed(seed)
        ref = CuratorSide(opts, device)
        init = {"G": ref.run.G.state_dict(), "D": ref.run.D.state_dict()}
    torch.manual_seed(seed)
    if side == "curator":
        trainer = CuratorSide(opts, device, init)
    else:
        trainer = build_official(load_official(args.official), opts, device, init)
        if args.r1_trace:  # a collector swallows what was reported before it was made: make it first
            trainer.r1_collector = trainer.stats.Collector(regex="Loss/r1_penalty", keep_previous=False)
    torch.manual_seed(seed)  # both sides draw their latents from the same stream start
    feed, labels = batches(data, args.batch, seed, device)
    cache = out / "stats-cache"
    log({"side": side, "seed": seed, "kimg": 0.0, **measure(trainer.G_ema, args, data, cache, device)})
    nimg, next_eval, step, t0 = 0, args.eval_every * 1000, 0, time.perf_counter()
    while nimg < args.kimg * 1000:
        real, real_c = next(feed)
        if side == "curator":
            trainer.step(real, real_c, labels)
        else:
            trainer.step(real, real_c, labels.labels)
        if args.r1_trace and step % opts.d_reg_interval == 0:
            r1 = trainer.run.loss.last.get("r1_penalty") if side == "curator" else _official_last_r1(trainer)
            log({"side": side, "seed": seed, "step": step, "r1_step": r1})
        nimg += args.batch
        step += 1
        if nimg >= next_eval or nimg >= args.kimg * 1000:
            record = {"side": side, "seed": seed, "kimg": nimg / 1000, "sec": time.perf_counter() - t0,
                      **trainer.tick_stats()}
            record.update(measure(trainer.G_ema, args, data, cache, device))
            log(record)
            next_eval += args.eval_every * 1000


def _official_last_r1(trainer) -> float | None:
    """The R1 penalty of this step alone (a collector's update gives what was reported since its last one)."""
    c = trainer.r1_collector
    c.update()
    return float(c.mean("Loss/r1_penalty")) if c.num("Loss/r1_penalty") else None


def table(records: list[dict], metric: str) -> str:
    evals = [r for r in records if metric in r and "kimg" in r]
    kimgs = sorted({r["kimg"] for r in evals})
    cols = sorted({(r["side"], r["seed"]) for r in evals})
    head = "| kimg | " + " | ".join(f"{s} s{d}" for s, d in cols) + " | curator mean | official min-max |"
    lines = [head, "|" + "---|" * (len(cols) + 3)]
    for k in kimgs:
        vals = {(r["side"], r["seed"]): r[metric] for r in evals if r["kimg"] == k}
        cur = [v for (s, _), v in vals.items() if s == "curator"]
        off = [v for (s, _), v in vals.items() if s == "official"]
        cells = [f"{vals[c]:.1f}" if c in vals else "" for c in cols]
        mean = f"{statistics.mean(cur):.1f}" if cur else ""
        spread = f"{min(off):.1f}-{max(off):.1f}" if off else ""
        lines.append(f"| {k:g} | " + " | ".join(cells) + f" | {mean} | {spread} |")
    return "\n".join(lines)


def plot(records: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["loss_G", "scores_real", "scores_fake", "r1_penalty", "pl_penalty", "swd"]
    fig, axes = plt.subplots(2, 3, figsize=(13, 7))
    for ax, key in zip(axes.flat, keys):
        for side, style in (("curator", "-"), ("official", "--")):
            for seed in sorted({r["seed"] for r in records if r.get("side") == side}):
                pts = [(r["kimg"], r[key]) for r in records if r.get("side") == side and r.get("seed") == seed
                       and key in r and "kimg" in r]
                if pts:
                    ax.plot(*zip(*pts), style, label=f"{side} s{seed}")
        ax.set_title(key)
        ax.set_xlabel("kimg")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main() -> None:
    args = parse()
    torch.set_num_threads(args.threads)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.data == "synthetic":
        data = synthetic_set(out / "data", args.res)
    else:
        data = Path(args.data) if args.data else emoji_set(out / "data", args.res)
    results = out / "results.jsonl"
    records: list[dict] = []

    def log(record: dict) -> None:
        records.append(record)
        with open(results, "a") as fh:
            fh.write(json.dumps(record) + "\n")
        print(json.dumps(record), flush=True)

    for seed in args.seeds:
        for side in args.sides:
            run_side(side, seed, args, data, out, log)
    for metric in args.metrics:
        if any(metric in r for r in records):
            print(f"\n{metric} (lower is better), {data.name}, {args.res}px:\n" + table(records, metric))
    plot(records, out / "curves.png")
    print(f"\nresults: {results}; curves: {out / 'curves.png'}")


if __name__ == "__main__":
    main()
