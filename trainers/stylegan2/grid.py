"""A grid of fakes from fixed latents, so snapshots of one run are comparable at a glance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from commons.atomic import atomic_open

GRID_SEED = 123


def grid_inputs(cols: int, rows: int, z_dim: int, c_dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Fixed z (own generator: the training RNG is untouched) and, when conditional, one class per row."""
    gen = torch.Generator().manual_seed(GRID_SEED)
    z = torch.randn([cols * rows, z_dim], generator=gen)
    c = torch.zeros([cols * rows, c_dim])
    if c_dim:
        c[torch.arange(cols * rows), torch.arange(rows).repeat_interleave(cols) % c_dim] = 1
    return z, c


@torch.no_grad()
def render_grid(G: torch.nn.Module, z: torch.Tensor, c: torch.Tensor, cols: int, chunk: int = 16) -> np.ndarray:
    device = next(G.parameters()).device
    images = [G(zc.to(device), cc.to(device), noise_mode="const").cpu() for zc, cc in zip(z.split(chunk), c.split(chunk))]
    img = torch.cat(images)
    img = ((img.float() + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
    n, ch, h, w = img.shape
    rows = n // cols
    img = img.reshape(rows, cols, ch, h, w).transpose(0, 3, 1, 4, 2).reshape(rows * h, cols * w, ch)
    return img[:, :, 0] if ch == 1 else img


def save_grid(array: np.ndarray, path: Path) -> None:
    with atomic_open(path, "wb") as fh:
        Image.fromarray(array).save(fh, format="PNG")
