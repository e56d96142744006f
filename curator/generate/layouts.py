"""Pictures made of many generated images: grids, interpolation strips and GIFs, style-mixing tables."""

from __future__ import annotations

import math
from pathlib import Path

import torch
from PIL import Image
from torch import Tensor

from commons.atomic import atomic_open
from curator.generate.sampling import synthesize


def to_pil(images: Tensor) -> list[Image.Image]:
    """uint8 [N, 3, H, W] -> RGB images."""
    return [Image.fromarray(img.permute(1, 2, 0).numpy(), "RGB") for img in images]


def grid(images: list[Image.Image | None], cols: int | None = None) -> Image.Image:
    """Images row-major on a black canvas (None leaves a cell empty); square-ish when `cols` is None."""
    cols = cols or math.ceil(math.sqrt(len(images)))
    rows = math.ceil(len(images) / cols)
    w, h = next(im for im in images if im is not None).size
    canvas = Image.new("RGB", (cols * w, rows * h))
    for i, im in enumerate(images):
        if im is not None:
            canvas.paste(im, ((i % cols) * w, (i // cols) * h))
    return canvas


def interpolation_frames(G: torch.nn.Module, ws: Tensor, frames: int, noise_mode: str = "const") -> list[Tensor]:
    """For each consecutive pair of latents (the last back to the first), `frames` images moving
    linearly in W from one to the next. W, not Z: the mapping network makes W the space where
    straight lines give smooth changes (the StyleGAN papers' perceptual path length argument)."""
    steps = torch.arange(frames, dtype=ws.dtype, device=ws.device) / frames
    out = []
    for a, b in zip(ws, torch.roll(ws, -1, dims=0)):
        path = a[None] + steps[:, None, None] * (b - a)[None]
        out.append(synthesize(G, path, noise_mode))
    return out


def style_mix_table(G: torch.nn.Module, row_ws: Tensor, col_ws: Tensor, layers: list[int],
                    noise_mode: str = "const") -> Image.Image:
    """Top row: column images; left column: row images; cell (r, c): row r's latents with
    `layers` taken from column c (low indices are coarse styles: pose, shape; high ones colour, texture)."""
    mixed = row_ws[:, None].repeat(1, len(col_ws), 1, 1)
    mixed[:, :, layers] = col_ws[None, :, layers]
    rows, cols = to_pil(synthesize(G, row_ws, noise_mode)), to_pil(synthesize(G, col_ws, noise_mode))
    cells = to_pil(synthesize(G, mixed.flatten(0, 1), noise_mode))
    table: list[Image.Image | None] = [None, *cols]
    for r, row_img in enumerate(rows):
        table += [row_img, *cells[r * len(cols):(r + 1) * len(cols)]]
    return grid(table, cols=len(cols) + 1)


def save_png(img: Image.Image, path: Path) -> Path:
    with atomic_open(path, "wb") as fh:
        img.save(fh, "PNG")
    return path


def save_gif(frames: list[Image.Image], path: Path, fps: int = 12) -> Path:
    with atomic_open(path, "wb") as fh:
        frames[0].save(fh, "GIF", save_all=True, append_images=frames[1:], duration=round(1000 / fps), loop=0)
    return path
