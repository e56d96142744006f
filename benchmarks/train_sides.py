"""Shared by the trainer benchmarks: small real training sets and a step-by-step curator run.

Training sets (never committed; built on the machine into a cache folder):
- `emoji`: Debian's fonts-noto-color-emoji rendered one glyph per image (human-drawn art with
  natural near-duplicate groups), flattened on white; `apt-get install fonts-noto-color-emoji`.
- `synthetic`: smooth random colour fields, for speed checks only (no learning meaning).
"""

from __future__ import annotations

import io
import json
import zipfile
from itertools import count
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from trainers.stylegan2 import distributed
from trainers.stylegan2.dataset import BatchSequence, ImageZipDataset
from trainers.stylegan2.options import TrainOptions
from trainers.stylegan2.training_loop import LabelPool, augment_p, build_run, train_step

EMOJI_FONT = Path("/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf")
# Faces, people, animals and food: the ranges people train small GANs on.
_EMOJI_RANGES = [(0x1F600, 0x1F64F), (0x1F400, 0x1F4FF), (0x1F32D, 0x1F37F), (0x1F910, 0x1F9FF)]


def _write_zip(path: Path, images: list[Image.Image]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for i, img in enumerate(images):
            buf = io.BytesIO()
            img.save(buf, "PNG")
            zf.writestr(f"{i // 1000:05d}/img{i:08d}.png", buf.getvalue())
        zf.writestr("dataset.json", json.dumps({"labels": None}))
    tmp.replace(path)
    return path


def emoji_set(cache: Path, resolution: int, limit: int = 1000) -> Path:
    out = cache / f"emoji-{resolution}-{limit}.zip"
    if out.is_file():
        return out
    if not EMOJI_FONT.is_file():
        raise SystemExit(f"{EMOJI_FONT} missing: apt-get install fonts-noto-color-emoji (or pass --data ZIP)")
    font = ImageFont.truetype(str(EMOJI_FONT), 109)  # the one size the bitmap font has
    images = []
    for lo, hi in _EMOJI_RANGES:
        for cp in range(lo, hi + 1):
            canvas = Image.new("RGBA", (136, 128), (255, 255, 255, 0))
            ImageDraw.Draw(canvas).text((0, 0), chr(cp), font=font, embedded_color=True)
            box = canvas.getbbox()
            if box is None or (box[2] - box[0]) < 40:
                continue  # no glyph for this code point
            glyph = canvas.crop(box)
            side = max(glyph.size)
            square = Image.new("RGBA", (side, side), (255, 255, 255, 255))
            square.alpha_composite(glyph, ((side - glyph.size[0]) // 2, (side - glyph.size[1]) // 2))
            images.append(square.convert("RGB").resize((resolution, resolution), Image.LANCZOS))
            if len(images) >= limit:
                return _write_zip(out, images)
    return _write_zip(out, images)


def synthetic_set(cache: Path, resolution: int, count: int = 256) -> Path:
    out = cache / f"synthetic-{resolution}-{count}.zip"
    if out.is_file():
        return out
    rng = np.random.default_rng(0)
    images = [Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((resolution, resolution),
                                                                                      Image.BICUBIC)
              for _ in range(count)]
    return _write_zip(out, images)


class CuratorSide:
    """curator's product code (`build_run` + `train_step`) fed batch by batch, like the official side."""

    def __init__(self, opts: TrainOptions, device: torch.device, init_from: dict | None = None) -> None:
        self.run = build_run(opts, device)
        if init_from is not None:
            self.run.G.load_state_dict(init_from["G"])
            self.run.D.load_state_dict(init_from["D"])
            self.run.G_ema.load_state_dict(init_from["G"])
        self.meter: dict[str, list[float]] = {}
        self.dist = distributed.Dist()

    def step(self, real: torch.Tensor, real_c: torch.Tensor, labels: Callable[[int], torch.Tensor]) -> None:
        train_step(self.run, real, real_c, labels, self.dist)
        for k, v in self.run.loss.last.items():
            self.meter.setdefault(k, []).append(v)

    def tick_stats(self) -> dict[str, float]:
        out = {k: float(np.mean(v)) for k, v in self.meter.items() if v}
        self.meter = {}
        out["augment_p"] = augment_p(self.run)
        return out

    @property
    def G_ema(self) -> torch.nn.Module:
        return self.run.G_ema


def batches(data: Path, batch: int, seed: int, device: torch.device):
    """(real uint8, real_c) pairs in the order a curator run with this seed would see them, plus a label pool."""
    dataset = ImageZipDataset(data)
    sequence = BatchSequence(dataset, batch, seed=seed)
    feed = ((real.to(device), c.to(device)) for real, c in map(sequence.__getitem__, count()))
    return feed, LabelPool(dataset)
