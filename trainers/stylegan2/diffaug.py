"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training").

The same random, differentiable transforms are applied to every image D sees, reals and fakes, in
every phase, so G learns through them. Written from the paper's description:
- color: brightness + U(-0.5, 0.5); saturation x U(0, 2) about the per-pixel channel mean;
  contrast x U(0.5, 1.5) about the image mean;
- translation: an integer shift of up to 1/8 of the image side per axis, zeros shifted in;
- cutout: one square of half the image side, at a random place, set to zero.
Every transform is a gather or a product with the input, so it is twice differentiable, as R1
(a gradient of D's output w.r.t. its input, itself differentiated) needs.
"""

from __future__ import annotations

import torch
from torch import nn

POLICIES = ("color", "translation", "cutout")


def parse_policy(text: str) -> tuple[str, ...]:
    """'color,translation,cutout' -> the names; '' -> (); an unknown name is a ValueError naming it."""
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ValueError(f"--diffaug {text}: unknown {unknown[0]!r}; choose from {', '.join(POLICIES)}")
    return names


def _color(x: torch.Tensor) -> torch.Tensor:
    n = x.shape[0]
    x = x + (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) * 2) + mean
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (torch.rand(n, 1, 1, 1, dtype=x.dtype, device=x.device) + 0.5) + mean


def _translation(x: torch.Tensor, ratio: float = 0.125) -> torch.Tensor:
    n, _, h, w = x.shape
    sh, sw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, [n, 1, 1], device=x.device)
    dx = torch.randint(-sw, sw + 1, [n, 1, 1], device=x.device)
    # Source row/column of each output pixel in a zero border of one pixel; out of range -> the border.
    rows = (torch.arange(h, device=x.device)[None, :, None] + dy + 1).clamp(0, h + 1)
    cols = (torch.arange(w, device=x.device)[None, None, :] + dx + 1).clamp(0, w + 1)
    padded = nn.functional.pad(x, [1, 1, 1, 1])
    flat = padded.flatten(2)  # [n, c, (h+2)*(w+2)]
    index = (rows * (w + 2) + cols).flatten(1)[:, None, :].expand(-1, x.shape[1], -1)
    return flat.gather(2, index).reshape(x.shape)


def _cutout(x: torch.Tensor, ratio: float = 0.5) -> torch.Tensor:
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    cy = torch.randint(0, h + (1 - ch % 2), [n, 1, 1], device=x.device)
    cx = torch.randint(0, w + (1 - cw % 2), [n, 1, 1], device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = ((ys - cy + ch // 2) >= 0) & ((ys - cy + ch // 2) < ch) & ((xs - cx + cw // 2) >= 0) & ((xs - cx + cw // 2) < cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_OPS = {"color": _color, "translation": _translation, "cutout": _cutout}


class DiffAugment(nn.Module):
    """Applies the named transforms in the paper's order (color, translation, cutout)."""

    def __init__(self, policy: tuple[str, ...] | str) -> None:
        super().__init__()
        names = parse_policy(policy) if isinstance(policy, str) else tuple(policy)
        self.policy = tuple(p for p in POLICIES if p in names)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        for name in self.policy:
            images = _OPS[name](images)
        return images

    def extra_repr(self) -> str:
        return ",".join(self.policy)
