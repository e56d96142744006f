"""Cost of ADA augmentation per image, and of keeping it twice differentiable.

For each size and preset: median milliseconds per image of AugmentPipe.forward, and of
forward + an R1-style double backward through a small discriminator, at p = 0.2 (a typical
ADA value) and p = 1. The geometric resampling is also timed against the same matrices applied
with F.grid_sample (bilinear on the 2x upsampled image; forward only, since it has no double
backward), which is what a pipeline without double-backward support would use.

    .venv/bin/python benchmarks/bench_augment.py --sizes 32 64 --batch 32 --repeats 7
"""

from __future__ import annotations

import argparse
import math
import statistics
import time

import torch
import torch.nn.functional as F

from trainers.stylegan2 import aug_matrices as mat
from trainers.stylegan2.aug_geometry import warp
from trainers.stylegan2.augment import AUGMENT_PRESETS, AugmentPipe


def median_seconds(fn, repeats: int) -> float:
    """Median wall time of fn over `repeats` calls after one warm-up call."""
    fn()  # warm-up: allocator, kernels
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def r1_step(pipe: AugmentPipe, disc: torch.nn.Module, images: torch.Tensor) -> None:
    reals = images.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(disc(pipe(reals)).sum(), reals, create_graph=True)
    grad.square().sum().backward()


def random_geometry(n: int, device: torch.device) -> torch.Tensor:
    """Inverse matrices mixing the 'geom' group's draws (scale, rotation, anisotropy, fraction shift)."""
    d = torch.float64
    scale = torch.exp2(torch.randn(n, dtype=d) * 0.2)
    aniso = torch.exp2(torch.randn(n, dtype=d) * 0.2)
    forward = (
        mat.translate2d(torch.randn(n, dtype=d) * 4, torch.randn(n, dtype=d) * 4)
        @ mat.rotate2d((torch.rand(n, dtype=d) * 2 - 1) * math.pi)
        @ mat.scale2d(scale * aniso, scale / aniso)
    )
    return torch.linalg.inv(forward).to(device)


def grid_sample_warp(images: torch.Tensor, g_inv: torch.Tensor) -> torch.Tensor:
    """Reference: the same transforms with F.grid_sample on a 2x bilinear upsample, reflect padded."""
    n, _, h, w = images.shape
    up = F.interpolate(images, scale_factor=2, mode="bilinear", align_corners=False)
    theta = g_inv[:, :2, :].float().clone()
    theta[:, 0, 2] /= w / 2  # pixels -> normalised [-1, 1] coordinates
    theta[:, 1, 2] /= h / 2
    grid = F.affine_grid(theta, list(up.shape), align_corners=False)
    out = F.grid_sample(up, grid, mode="bilinear", padding_mode="reflection", align_corners=False)
    return F.avg_pool2d(out, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--presets", nargs="+", default=["bgc", "bgcfnc"])
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print(f"device={device} torch={torch.__version__} threads={torch.get_num_threads()} batch={args.batch}")
    torch.manual_seed(0)
    for size in args.sizes:
        images = torch.rand(args.batch, 3, size, size, device=device) * 2 - 1
        disc = torch.nn.Sequential(
            torch.nn.Conv2d(3, 16, 3, padding=1), torch.nn.LeakyReLU(0.2), torch.nn.Conv2d(16, 1, 3, padding=1)
        ).to(device)
        per_image = 1000 / args.batch
        for preset in args.presets:
            for p in (0.2, 1.0):
                pipe = AugmentPipe(**AUGMENT_PRESETS[preset]).to(device)
                pipe.p.fill_(p)
                with torch.no_grad():
                    fwd = median_seconds(lambda: pipe(images), args.repeats)
                r1 = median_seconds(lambda: r1_step(pipe, disc, images), args.repeats)
                baseline = median_seconds(lambda: r1_step(AugmentPipe().to(device), disc, images), args.repeats)
                print(
                    f"size={size:4d} preset={preset:7s} p={p:.1f}  forward {fwd * per_image:7.2f} ms/img"
                    f"  forward+R1 double backward {r1 * per_image:7.2f} ms/img"
                    f"  (same D step without augmentation {baseline * per_image:6.2f} ms/img)"
                )
        g_inv = random_geometry(args.batch, device)
        taps = AugmentPipe().geom_taps.to(device)
        with torch.no_grad():
            ours = median_seconds(lambda: warp(images, g_inv, taps), args.repeats)
            ref = median_seconds(lambda: grid_sample_warp(images, g_inv), args.repeats)
        print(
            f"size={size:4d} geometric resampling, every sample moved: ours {ours * per_image:.2f} ms/img,"
            f" F.grid_sample reference {ref * per_image:.2f} ms/img, ratio {ours / ref:.2f}"
        )


if __name__ == "__main__":
    main()
