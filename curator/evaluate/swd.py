"""Multi-scale sliced Wasserstein distance (Karras et al., 2018, "Progressive Growing of GANs", 5.1).

Needs no pretrained network, so it works offline. Each image becomes a Laplacian pyramid down to
16x16; from every level, 128 random 7x7 neighbourhoods are taken as descriptors (7*7*C values),
normalised per colour channel within each set. The distance between the real and the fake
descriptor sets at one level is the sliced Wasserstein distance: project both on random unit
directions, sort, average the absolute differences (4 repeats of 128 directions). Reported x1e3,
per level (``swd_<resolution>``; fine levels measure texture, coarse ones layout) and averaged
(``swd``). Lower is better. The paper used 16,384 images per set; curator defaults to
``[eval] swd_images`` = 1,024 to bound memory, so compare values only at the same setting.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, Batch
from curator.evaluate.registry import Metric, Stats, kind, metric

MIN_RES = 16
PATCH = 7
PATCHES_PER_IMAGE = 128
REPEATS = 4
DIRECTIONS = 128

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
_KERNEL = (_BINOMIAL[:, None] * _BINOMIAL[None, :]) / 256.0


def _blur(x: Tensor, gain: float = 1.0) -> Tensor:
    c = x.shape[1]
    weight = (_KERNEL * gain).to(x).expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), weight, groups=c)


def _down(x: Tensor) -> Tensor:
    return _blur(x)[:, :, ::2, ::2]


def _up(x: Tensor) -> Tensor:
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, h * 2, w * 2)
    up[:, :, ::2, ::2] = x
    return _blur(up, gain=4.0)  # zeros carry 3/4 of the samples: restore the mean


def laplacian_pyramid(images: Tensor, min_res: int = MIN_RES) -> list[Tensor]:
    """Band-pass levels from full resolution down to `min_res`, then the low-pass remainder."""
    levels, g = [], images
    while g.shape[-1] > min_res and g.shape[-1] % 2 == 0:
        low = _down(g)
        levels.append(g - _up(low))
        g = low
    levels.append(g)
    return levels


def patch_descriptors(level: Tensor, per_image: int, gen: torch.Generator) -> Tensor:
    """`per_image` random PATCHxPATCH neighbourhoods per image, flattened channel-major: [N*P, C*49]."""
    n, c, h, w = level.shape
    ys = torch.randint(0, h - PATCH + 1, (n, per_image, 1, 1), generator=gen)
    xs = torch.randint(0, w - PATCH + 1, (n, per_image, 1, 1), generator=gen)
    offs = torch.arange(PATCH)
    rows = ys + offs[None, None, :, None]
    cols = xs + offs[None, None, None, :]
    batch = torch.arange(n)[:, None, None, None]
    patches = level.permute(0, 2, 3, 1)[batch, rows, cols]  # [N, P, 7, 7, C]
    return patches.permute(0, 1, 4, 2, 3).reshape(n * per_image, c * PATCH * PATCH)


class PyramidPatches:
    """Descriptors of the first `limit` images, per pyramid level (stored as float16 to halve memory)."""

    uses_inception = False

    def __init__(self, limit: int, seed: int) -> None:
        self.limit, self.count = limit, 0
        self.gen = torch.Generator().manual_seed(seed)
        self.levels: list[list[Tensor]] = []
        self.resolutions: list[int] = []

    def update(self, batch: Batch) -> None:
        room = self.limit - self.count
        if room <= 0:
            return
        images = batch.images[:room].cpu().float()
        self.count += len(images)
        pyramid = laplacian_pyramid(images)
        if not self.levels:
            self.levels = [[] for _ in pyramid]
            self.resolutions = [lvl.shape[-1] for lvl in pyramid]
        for store, level in zip(self.levels, pyramid):
            store.append(patch_descriptors(level, PATCHES_PER_IMAGE, self.gen).half())

    def result(self) -> dict[str, np.ndarray]:
        out = {f"level_{res}": torch.cat(parts).numpy() for res, parts in zip(self.resolutions, self.levels)}
        if not out:
            raise ValueError("SWD needs at least one image")
        return out


@kind("swd", lambda c: {"images": c.swd_images, "seed": c.seed, "patches": PATCHES_PER_IMAGE})
def _pyramid_patches(config: EvalConfig, count: int | None) -> Accumulator:
    return PyramidPatches(config.swd_images, config.seed)


def _normalise(desc: Tensor, channels: int) -> Tensor:
    by_channel = desc.view(len(desc), channels, -1)
    mean = by_channel.mean(dim=(0, 2), keepdim=True)
    std = by_channel.std(dim=(0, 2), keepdim=True).clamp_min(1e-8)
    return ((by_channel - mean) / std).view(len(desc), -1)


def sliced_wasserstein(a: Tensor, b: Tensor, gen: torch.Generator) -> float:
    """Mean over random unit directions of the 1-D Wasserstein-1 distance between projections."""
    dim = a.shape[1]
    total = 0.0
    for _ in range(REPEATS):
        dirs = torch.randn(dim, DIRECTIONS, generator=gen)
        dirs /= dirs.norm(dim=0, keepdim=True)
        pa, _ = torch.sort(a @ dirs, dim=0)
        pb, _ = torch.sort(b @ dirs, dim=0)
        total += float((pa - pb).abs().mean())
    return total / REPEATS


def swd_levels(real: dict[str, np.ndarray], fake: dict[str, np.ndarray], seed: int = 0) -> dict[int, float]:
    """SWD x1e3 per pyramid level; both sets are cut to the same number of descriptors."""
    if sorted(real) != sorted(fake):
        raise ValueError(f"real and generated images differ in resolution ({sorted(real)} vs {sorted(fake)})")
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for key in real:
        a, b = torch.from_numpy(real[key]).float(), torch.from_numpy(fake[key]).float()
        n = min(len(a), len(b))
        a = a[torch.randperm(len(a), generator=gen)[:n]]
        b = b[torch.randperm(len(b), generator=gen)[:n]]
        channels = a.shape[1] // (PATCH * PATCH)
        out[int(key.split("_")[1])] = 1e3 * sliced_wasserstein(_normalise(a, channels), _normalise(b, channels), gen)
    return out


@metric
class SWD(Metric):
    name = "swd"
    kinds = ("swd",)
    needs_inception = False
    description = "Multi-scale sliced Wasserstein distance x1e3 of Laplacian patches; needs no weights (lower is better)."

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        levels = swd_levels(real["swd"], fake["swd"], config.seed)
        out = {f"swd_{res}": value for res, value in sorted(levels.items(), reverse=True)}
        out["swd"] = float(np.mean(list(levels.values())))
        return out
