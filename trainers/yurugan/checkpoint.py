"""YuruGAN snapshots in the StyleGAN2 trainer's file layout, tagged with their own format.

`network-snapshot-<kimg>.safetensors` (tensors "G.*", "D.*", "G_ema.*") + `.json` (constructor
arguments, counters, options) and `resume.pt`; reading and writing are `trainers.stylegan2.checkpoint`'s,
with the same bounded loading: constructor arguments are checked against the schemas below
before any network is built, and a weights/arguments mismatch is one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field, field_validator
from torch import nn

from trainers.errors import TrainerError
from trainers.stylegan2 import checkpoint, safe_load
from trainers.yurugan.networks import Discriminator, Generator, num_blocks

FORMAT = "curator-yurugan/1"


class _Kwargs(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    c_dim: int = Field(ge=0, le=100_000)
    img_resolution: int | tuple[int, int]
    img_channels: int = Field(3, ge=1, le=4)
    ch: int = Field(32, ge=1, le=4096)
    ch_max: int = Field(512, ge=1, le=4096)
    attn_res: int = Field(32, ge=1, le=4096)

    @field_validator("img_resolution")
    @classmethod
    def _shape(cls, value: int | tuple[int, int]) -> int | tuple[int, int]:
        h, w = (value, value) if isinstance(value, int) else value
        if not (8 <= h <= 2048 and 8 <= w <= 2048):
            raise ValueError(f"sides must be 8 to 2048 px, not {h}x{w}")
        num_blocks(h, w)
        return value


class GeneratorKwargs(_Kwargs):
    z_chunk: int = Field(ge=1, le=4096)
    shared_dim: int = Field(128, ge=1, le=4096)


class DiscriminatorKwargs(_Kwargs):
    pass


def check_kwargs(name: str, kwargs: Any, source: Path | str) -> dict:
    return safe_load.check_with_schema(DiscriminatorKwargs if name == "D" else GeneratorKwargs, name, kwargs, source,
                                       "not a YuruGAN network")


def snapshot_format(path: str | Path) -> str | None:
    """The `format` a curator snapshot's JSON declares (None for an official .pkl or no JSON)."""
    path = checkpoint.snapshot_path(Path(path))
    meta = path.with_suffix(".json")
    if path.suffix != ".safetensors" or not meta.is_file():
        return None
    return json.loads(meta.read_text()).get("format")


def build_network(name: str, kwargs: dict) -> nn.Module:
    return Discriminator(**kwargs) if name == "D" else Generator(**kwargs)


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> Generator:
    """G_ema, in eval mode (batch norm on its running statistics), from a snapshot or its run folder."""
    if snapshot_format(path) != FORMAT:
        raise TrainerError(f"{path}: not a YuruGAN snapshot")
    return checkpoint.load_generator(path, device, check_kwargs, Generator)
