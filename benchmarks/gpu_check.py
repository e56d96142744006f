"""One command that checks the trainer on a GPU machine and prints one table (about 5-10 minutes on one GPU).

    python benchmarks/gpu_check.py                                  # CUDA: auto config at 256 px
    python benchmarks/gpu_check.py --official /tmp/sg2ada           # + the official code's s/kimg, as a ratio
    python benchmarks/gpu_check.py --tiny --device cpu              # what CI runs (tests/test_gpu_check.py)

Rows:
- train: `training_loop.train` with the `auto` config (synthetic 256 px images, so the figure is
  speed, not quality) for a few ticks: s/kimg (median of the ticks after the first, which holds
  start-up), peak GPU memory (torch's max allocated) and peak RSS.
- official: with `--official PATH`, the official networks, loss and augment pipe (driven by
  benchmarks/official_side.py, fp16 in its top 4 resolutions as its train.py sets them) against
  curator's `train_step`, same config and batches, interleaved step by step; s/kimg of both over
  the steps and the ratio curator / official (< 1: curator faster).
- mixed precision: G forward + backward with the bf16 blocks (num_fp16_res=4) against float32:
  time of each and the largest difference of the images (on the CPU through `mixed_precision_on_cpu`).
- torchrun: `torch.distributed.run --nproc_per_node 1` running a short training under a real
  process group (NCCL on CUDA, gloo on the CPU) plus one all-reduce; exit status and seconds.
- eval features: Inception (random weights: the same speed as the real file) images/s at 299 px.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from train_sides import CuratorSide, batches, synthetic_set  # noqa: E402

from trainers.stylegan2.options import TrainOptions, options_from_preset  # noqa: E402

TINY = dict(res=32, overrides=dict(channel_base=512, channel_max=32, z_dim=32, w_dim=32, batch=8, grid=(2, 2)),
            ticks=3, tick_kimg=0.016, eval_images=16, step_count=16)
FULL = dict(res=256, overrides={}, ticks=4, tick_kimg=0.5, eval_images=512, step_count=32)


def parse() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="auto", help="auto (CUDA when present), cuda, cpu.")
    ap.add_argument("--tiny", action="store_true", help="32 px, a small network: the CPU/CI size.")
    ap.add_argument("--res", type=int, help="Resolution (default 256, --tiny 32).")
    ap.add_argument("--ticks", type=int)
    ap.add_argument("--tick-kimg", type=float)
    ap.add_argument("--official", help="stylegan2-ada-pytorch checkout: adds the official s/kimg and the ratio.")
    ap.add_argument("--skip", nargs="*", default=[], choices=["train", "official", "mixed", "torchrun", "eval"])
    ap.add_argument("--json", help="Also write the rows here.")
    ap.add_argument("--work", help="Scratch folder (default: a temporary one).")
    ap.add_argument("--ddp-worker", help=argparse.SUPPRESS)  # internal: the torchrun child
    return ap.parse_args()


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _options(size: dict, data: Path, device: torch.device, **extra) -> TrainOptions:
    return options_from_preset("auto", size["res"], str(data), device=str(device), **{"aug": "ada", **size["overrides"], **extra})


def _peak_gpu(device: torch.device) -> float | None:
    return torch.cuda.max_memory_allocated(device) / 2 ** 30 if device.type == "cuda" else None


def check_train(size: dict, data: Path, device: torch.device, work: Path) -> dict:
    from trainers.stylegan2.training_loop import train

    kimg = size["ticks"] * size["tick_kimg"]
    opts = _options(size, data, device, kimg=kimg, tick_kimg=size["tick_kimg"], snap=10_000)
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    ticks: list[dict] = []
    t0 = time.perf_counter()
    train(opts, work / "train-run", on_tick=ticks.append, workers=2 if device.type == "cuda" else 0)
    per_kimg = [t["sec_per_kimg"] for t in ticks[1:] if t.get("sec_per_kimg")]
    return {"check": "train", "ok": bool(per_kimg),
            "s_per_kimg": statistics.median(per_kimg) if per_kimg else None,
            "peak_gpu_gb": _peak_gpu(device), "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20,
            "detail": f"auto {opts.resolution}px batch {opts.batch}, {len(ticks)} ticks of {size['tick_kimg']} kimg, "
                      f"{time.perf_counter() - t0:.0f} s total"}


def check_official(size: dict, data: Path, device: torch.device, path: str) -> dict:
    from official_side import build, load

    opts = _options(size, data, device, aug="fixed", p=0.2)
    off_mod = load(path)
    torch.manual_seed(0)
    ours = CuratorSide(opts, device)
    torch.manual_seed(0)
    off = build(off_mod, opts, device)
    feed, labels = batches(data, opts.batch, 0, device)
    times: dict[str, list[float]] = {"curator": [], "official": []}
    steps = size["step_count"]
    for i in range(steps + 2):
        real, c = next(feed)
        for name, side in ((("curator", ours), ("official", off)) if i % 2 == 0 else (("official", off), ("curator", ours))):
            _sync(device)
            t = time.perf_counter()
            side.step(real, c, labels if name == "curator" else labels.labels)
            _sync(device)
            if i >= 2:  # the first two steps hold kernel selection and allocator warm-up
                times[name].append(time.perf_counter() - t)
    per_kimg = {k: statistics.mean(v) * 1000 / opts.batch for k, v in times.items()}
    return {"check": "official", "ok": True, "s_per_kimg": per_kimg["curator"], "official_s_per_kimg": per_kimg["official"],
            "ratio": per_kimg["curator"] / per_kimg["official"],
            "detail": f"{steps} consecutive steps each (whole R1 and PL intervals), interleaved, bgc p=0.2, "
                      f"batch {opts.batch}"}


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def check_mixed(size: dict, data: Path, device: torch.device) -> dict:
    from trainers.stylegan2.networks import Generator
    from trainers.stylegan2.networks.precision import mixed_precision_on_cpu

    opts = _options(size, data, device)
    kwargs = opts.generator_kwargs()
    torch.manual_seed(0)
    G = Generator(**kwargs).to(device)
    z = torch.randn(opts.batch, opts.z_dim, device=device)
    results = {}
    for label, fp16 in (("fp32", 0), ("bf16", 4)):
        for block in G.synthesis.children():
            block.use_fp16 = bool(fp16) and block.resolution >= max(opts.resolution // 8, 8)
        with mixed_precision_on_cpu(device.type == "cpu"):
            for i in range(3):
                _sync(device)
                t = time.perf_counter()
                img = G(z, None, noise_mode="const")
                img.square().mean().backward()
                _sync(device)
                if i == 2:
                    results[label] = (time.perf_counter() - t, img.detach().float())
    diff = (results["fp32"][1] - results["bf16"][1]).abs().max().item()
    ok = diff < 0.25 and bool(torch.isfinite(results["bf16"][1]).all())
    return {"check": "mixed precision", "ok": ok, "fp32_s": results["fp32"][0], "bf16_s": results["bf16"][0],
            "detail": f"G fwd+bwd batch {opts.batch}, top 4 resolutions bf16: max abs image difference {diff:.3f}"}


def check_torchrun(size: dict, data: Path, device: torch.device, work: Path) -> dict:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
           str(Path(__file__).resolve()), "--ddp-worker", str(work / "ddp-run"), "--device", device.type,
           *(["--tiny"] if size["overrides"] == TINY["overrides"] else []), "--res", str(size["res"]), "--work", str(data)]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    ok = proc.returncode == 0 and "all_reduce ok" in proc.stdout
    errors = [line for line in (proc.stdout + proc.stderr).splitlines() if "Error" in line and "ChildFailed" not in line]
    tail = errors[-1:] if not ok else []
    backend = "nccl" if device.type == "cuda" else "gloo"
    return {"check": "torchrun", "ok": ok, "seconds": time.perf_counter() - t,
            "detail": f"1 process, {backend}, exit {proc.returncode}" + (f": {tail[0][:150]}" if tail else "")}


def ddp_worker(args: argparse.Namespace) -> None:
    """Inside torchrun: join a real process group, all-reduce once, train a few steps through it."""
    from trainers.stylegan2 import distributed
    from trainers.stylegan2.training_loop import train

    device = _device(args.device)
    backend = "nccl" if device.type == "cuda" else "gloo"
    torch.distributed.init_process_group(backend=backend)
    if device.type == "cuda":
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
    x = torch.ones(4, device=device) * (torch.distributed.get_rank() + 1)
    torch.distributed.all_reduce(x)
    assert x.tolist() == [float(torch.distributed.get_world_size())] * 4
    print(f"all_reduce ok ({torch.distributed.get_backend()})")
    size = dict(TINY if args.tiny else FULL, res=args.res or (TINY if args.tiny else FULL)["res"])
    data = Path(args.work)
    opts = _options(size, data, device, kimg=size["tick_kimg"], tick_kimg=size["tick_kimg"], snap=10_000)
    assert distributed.setup(str(device)).world == torch.distributed.get_world_size()
    train(opts, Path(args.ddp_worker))
    torch.distributed.destroy_process_group()


def check_eval(size: dict, device: torch.device) -> dict:
    from curator.evaluate.features import InceptionExtractor
    from curator.evaluate.inception import FIDInception, randomize_

    extractor = InceptionExtractor(randomize_(FIDInception(), seed=0).eval(), "legacy-tf", device)
    n = size["eval_images"]
    images = torch.randint(0, 256, (n, 3, size["res"], size["res"]), dtype=torch.uint8)
    extractor(images[:8])  # warm-up
    _sync(device)
    t = time.perf_counter()
    for chunk in images.split(64):
        extractor(chunk)
    _sync(device)
    seconds = time.perf_counter() - t
    return {"check": "eval features", "ok": True, "images_per_s": n / seconds,
            "detail": f"Inception at 299 px from {size['res']} px, {n} images, batch 64"}


def _fmt(v) -> str:
    if v is None:
        return ""
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def table(rows: list[dict], device: torch.device) -> str:
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor() or "cpu"
    cols = ["check", "ok", "s_per_kimg", "official_s_per_kimg", "ratio", "peak_gpu_gb", "peak_rss_gb", "fp32_s", "bf16_s",
            "seconds", "images_per_s", "detail"]
    lines = [f"device: {device} ({name}), torch {torch.__version__}, {torch.get_num_threads()} CPU threads",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_fmt(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def main() -> int:
    args = parse()
    if args.ddp_worker:
        ddp_worker(args)
        return 0
    size = dict(TINY if args.tiny else FULL)
    for key in ("res", "ticks", "tick_kimg"):
        if getattr(args, key) is not None:
            size[key] = getattr(args, key)
    device = _device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(args.work or tmp)
        data = synthetic_set(work / "data", size["res"], count=64 if args.tiny else 512)
        rows = []
        checks = [("train", lambda: check_train(size, data, device, work)),
                  ("official", (lambda: check_official(size, data, device, args.official)) if args.official else None),
                  ("mixed", lambda: check_mixed(size, data, device)),
                  ("torchrun", lambda: check_torchrun(size, data, device, work)),
                  ("eval", lambda: check_eval(size, device))]
        for name, fn in checks:
            if fn is None or name in args.skip:
                continue
            try:
                rows.append(fn())
            except Exception as exc:  # a failed check is a row, the others still run
                rows.append({"check": name, "ok": False, "detail": f"{type(exc).__name__}: {exc}"[:200]})
            print(json.dumps(rows[-1]), flush=True)
        print(table(rows, device))
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
