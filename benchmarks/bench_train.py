"""Seconds per kimg and peak memory of `curator train` on this machine.

For each resolution it builds the run that `--cfg auto` would (channel rule, mapping depth,
batch size), times train_step at batch indices that run the main phases only, main + G
path-length regularisation, and main + both regularisations, and combines them in the
proportions of the lazy-regularisation schedule (G every 4 steps, D every 16):

    sec/kimg = (t_main + (t_Greg - t_main) / 4 + (t_both - t_Greg) / 16) * 1000 / batch

Each resolution runs in its own process so the peak RSS is its own.

    .venv/bin/python benchmarks/bench_train.py --res 32 64 --repeats 3
    .venv/bin/python benchmarks/bench_train.py --res 32 --channel-base 2048 --channel-max 128 --batch 8   # demo size
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time


def measure(res: int, batch: int | None, repeats: int, channel_base: int | None, channel_max: int | None,
            threads: int | None, device: str) -> dict:
    import torch

    if threads:
        torch.set_num_threads(threads)
    from trainers.stylegan2 import distributed
    from trainers.stylegan2.options import options_from_preset
    from trainers.stylegan2.training_loop import build_run, train_step

    opts = options_from_preset("auto", res, "unused.zip", batch=batch, aug="ada", channel_base=channel_base,
                               channel_max=channel_max)
    dev = torch.device(device)
    run = build_run(opts.model_copy(update={"device": device}), dev)
    reals = torch.randint(0, 256, [opts.batch, 3, res, res], dtype=torch.uint8, device=dev)
    no_labels = torch.zeros([opts.batch, 0], device=dev)

    def step_at(batch_idx: int) -> float:
        run.counters.batch_idx = batch_idx
        t = time.perf_counter()
        train_step(run, reals, no_labels, lambda n: torch.zeros([n, 0]), distributed.Dist())
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        return time.perf_counter() - t

    step_at(1)  # warm-up: first-call allocations
    t_main = statistics.median(step_at(1) for _ in range(repeats))
    t_greg = statistics.median(step_at(4) for _ in range(repeats))
    t_both = statistics.median(step_at(16) for _ in range(repeats))
    per_step = t_main + (t_greg - t_main) / opts.g_reg_interval + (t_both - t_greg) / opts.d_reg_interval
    return {"res": res, "batch": opts.batch, "channel_base": opts.channel_base, "channel_max": opts.channel_max,
            "threads": torch.get_num_threads(), "sec_main_step": round(t_main, 3), "sec_greg_step": round(t_greg, 3),
            "sec_both_reg_step": round(t_both, 3), "sec_per_kimg": round(per_step * 1000 / opts.batch, 1),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 2),
            "device": device, **({"peak_gpu_gb": round(torch.cuda.max_memory_allocated(dev) / 2 ** 30, 2)}
                                 if dev.type == "cuda" else {})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--res", type=int, nargs="+", default=[32, 64])
    ap.add_argument("--batch", type=int, default=None, help="default: the auto config's batch for the resolution")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--channel-base", type=int, default=None)
    ap.add_argument("--channel-max", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (e.g. --res 256 --device cuda for the auto config on a GPU)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(measure(args.res[0], args.batch, args.repeats, args.channel_base, args.channel_max, args.threads,
                                 args.device)))
        return
    for res in args.res:
        cmd = [sys.executable, __file__, "--one", "--res", str(res), "--repeats", str(args.repeats), "--device", args.device]
        for flag in ("batch", "channel_base", "channel_max", "threads"):
            if getattr(args, flag) is not None:
                cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
        print(out, flush=True)


if __name__ == "__main__":
    main()
