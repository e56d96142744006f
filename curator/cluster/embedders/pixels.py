"""Raw RGB pixels as the embedding: YuruGAN's baseline, and a model-free embedder that needs no weights."""

from __future__ import annotations

from pydantic import Field

from curator.cluster.embedders.base import Embedder, ImagePrep
from curator.cluster.embedders.registry import register_embedder
from curator.section import Section


class PixelsSection(Section):
    size: int = Field(32, ge=4, description="Side of the thumbnail that is flattened (32: 3072 numbers per image).")


@register_embedder("pixels", PixelsSection)
def build_pixels(cfg: PixelsSection) -> Embedder:
    import torch

    # Squash rather than crop so the whole picture counts; mean 0 / std 1 keeps values in [0, 1].
    prep = ImagePrep(cfg.size, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), crop=False)
    return Embedder("pixels", "pixels", torch.nn.Flatten(), prep)
