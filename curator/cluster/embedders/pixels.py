"""Raw RGB pixels as the embedding: YuruGAN's baseline, and a model-free embedder that needs no weights."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from curator.cluster.embedders.base import Embedder, ImagePrep
from curator.cluster.embedders.registry import register_embedder


@dataclass(frozen=True)
class PixelsConfig:
    pixels_size: int = 32


@register_embedder("pixels", PixelsConfig)
def build_pixels(cfg: PixelsConfig) -> Embedder:
    # Squash rather than crop so the whole picture counts; mean 0 / std 1 keeps values in [0, 1].
    prep = ImagePrep(cfg.pixels_size, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), crop=False)
    return Embedder("pixels", "pixels", torch.nn.Flatten(), prep)
