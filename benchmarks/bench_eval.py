"""Evaluation benchmarks: Inception throughput vs pytorch-fid, memory over 50,000 generated images,
and the full 2048-d FID against pytorch-fid's.

    .venv/bin/python benchmarks/bench_eval.py throughput [--images 64 --size 128 --batch 32 --repeats 3]
    .venv/bin/python benchmarks/bench_eval.py memory [--counts 5000,20000,50000]
    .venv/bin/python benchmarks/bench_eval.py check-fid [--images 16]

Random Inception weights in the standard layout (no download); the numbers measure speed and
memory, not image quality. `memory` streams a tiny StyleGAN2 generator through every metric's
accumulator (moments, IS splits, capped feature and SWD samples) exactly as `curator eval` does,
but replaces the Inception forward with a fixed random projection of the pixels so that 50,000
images finish on 2 CPU cores; the Inception network itself holds no per-image state.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import InceptionExtractor, collect
from curator.evaluate.inception import FIDInception, load_inception, randomize_
from curator.evaluate.registry import KINDS, available, get_metrics
from curator.evaluate.sources import generated_batches


def _images(n: int, size: int) -> torch.Tensor:
    gen = torch.Generator().manual_seed(0)
    small = torch.rand(n, 3, 8, 8, generator=gen) * 255
    return torch.nn.functional.interpolate(small, size=size, mode="bicubic").clamp(0, 255).to(torch.uint8)


def _models() -> tuple[torch.nn.Module, InceptionExtractor]:
    """pytorch-fid's InceptionV3 and curator's extractor, both loaded from one file of random weights."""
    from pytorch_fid import inception as pf

    with tempfile.TemporaryDirectory() as tmp:
        weights = Path(tmp) / "inception-random.pth"
        torch.save(randomize_(FIDInception(), seed=0).state_dict(), weights)
        state = torch.load(weights, weights_only=True)
        with mock.patch.object(pf, "load_state_dict_from_url", lambda *a, **k: state):
            ref = pf.InceptionV3([3]).eval()
        return ref, InceptionExtractor(load_inception(weights), "legacy-tf", "cpu")


def throughput(args: argparse.Namespace) -> None:
    images = _images(args.images, args.size)
    ref, ours = _models()

    def run_ref() -> None:
        with torch.no_grad():
            for batch in images.split(args.batch):
                ref(batch.float() / 255)  # pytorch-fid's input: float [0, 1] (its ToTensor)

    def run_ours() -> None:
        for batch in images.split(args.batch):
            ours(batch)

    times: dict[str, list[float]] = {"pytorch-fid": [], "curator": []}
    run_ours(), run_ref()  # warm-up: allocator, oneDNN kernel selection
    for _ in range(args.repeats):  # interleaved, so machine load affects both alike
        for name, fn in (("pytorch-fid", run_ref), ("curator", run_ours)):
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{args.images} images {args.size}px -> 299, batch {args.batch}, {torch.get_num_threads()} threads, {args.repeats} repeats")
    for name, t in med.items():
        print(f"  {name:12s} median {t:7.2f} s  {args.images / t:7.2f} img/s")
    print(f"  speed-up curator / pytorch-fid: {med['pytorch-fid'] / med['curator']:.2f}x")


class _PixelProjection:
    """Stand-in for the Inception forward in the memory benchmark: cheap, deterministic, stateless."""

    def __init__(self) -> None:
        gen = torch.Generator().manual_seed(0)
        self.to_pool = torch.randn(3 * 8 * 8, 2048, generator=gen) / 14
        self.to_logits = torch.randn(2048, 1008, generator=gen) / 45

    def __call__(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        small = torch.nn.functional.adaptive_avg_pool2d(images.float() / 255, 8).flatten(1)
        pool = torch.relu(small @ self.to_pool)
        return pool, pool @ self.to_logits


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(args: argparse.Namespace) -> None:
    from trainers.stylegan2.networks import Generator

    counts = sorted(int(c) for c in args.counts.split(","))
    G = Generator(16, 0, 16, 32, 3, mapping_kwargs={"num_layers": 2},
                  synthesis_kwargs={"channel_base": 256, "channel_max": 16}).eval()
    config = EvalConfig(batch=args.batch)
    kinds = list(dict.fromkeys(k for m in get_metrics(available()) for k in m.kinds))
    accs = {k: KINDS[k](config, counts[-1]) for k in kinds}
    marks = iter(counts)
    next_mark = next(marks)
    report: list[tuple[int, float, float]] = []
    start = time.perf_counter()
    print(f"before streaming: peak RSS {_rss_mib():.0f} MiB; accumulators: {', '.join(kinds)}")

    def on_batch(done: int) -> None:
        nonlocal next_mark
        if next_mark is not None and done >= next_mark:
            report.append((done, _rss_mib(), time.perf_counter() - start))
            print(f"  {done:6d} images: peak RSS {report[-1][1]:7.0f} MiB  ({report[-1][2]:.0f} s)", flush=True)
            next_mark = next(marks, None)

    fakes = generated_batches(G, counts[-1], args.batch, 0, torch.device("cpu"))
    stats = collect(fakes, accs, _PixelProjection(), on_batch)  # type: ignore[arg-type]
    assert int(stats["moments"]["n"]) == counts[-1]
    first, last = report[0][1], report[-1][1]
    print(f"peak RSS growth {report[0][0]} -> {report[-1][0]} images: {last - first:+.0f} MiB ({last / first:.3f}x)")


def check_fid(args: argparse.Namespace) -> None:
    """Full 2048-d FID on the same images and weights: curator vs pytorch-fid (scipy sqrtm)."""
    from pytorch_fid.fid_score import calculate_frechet_distance

    from curator.evaluate.fid import Moments, frechet_distance

    ref, ours = _models()
    a, b = _images(args.images, 64), _images(2 * args.images, 64)[args.images:]
    with torch.no_grad():
        ref_a = ref(a.float() / 255)[0].flatten(1).double().numpy()
        ref_b = ref(b.float() / 255)[0].flatten(1).double().numpy()
    t0 = time.perf_counter()
    fid_ref = calculate_frechet_distance(ref_a.mean(0), np.cov(ref_a, rowvar=False), ref_b.mean(0), np.cov(ref_b, rowvar=False))
    t_ref = time.perf_counter() - t0
    sa, sb = (collect([x], {"moments": Moments()}, ours)["moments"] for x in (a, b))
    t0 = time.perf_counter()
    fid_ours = frechet_distance(sa["mu"], sa["sigma"], sb["mu"], sb["sigma"])
    t_ours = time.perf_counter() - t0
    print(f"{args.images} + {args.images} images, 2048-d features")
    print(f"  pytorch-fid FID {fid_ref:.6f}  (Frechet distance {t_ref:.1f} s, scipy sqrtm)")
    print(f"  curator     FID {fid_ours:.6f}  (Frechet distance {t_ours:.1f} s, two eigh)")
    print(f"  relative difference {abs(fid_ours - fid_ref) / fid_ref:.2e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("throughput")
    p.add_argument("--images", type=int, default=64)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.set_defaults(fn=throughput)
    p = sub.add_parser("memory")
    p.add_argument("--counts", default="5000,20000,50000")
    p.add_argument("--batch", type=int, default=250)
    p.set_defaults(fn=memory)
    p = sub.add_parser("check-fid")
    p.add_argument("--images", type=int, default=16)
    p.set_defaults(fn=check_fid)
    args = parser.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
