"""The `[generate]` section of curator.toml: what `curator run` draws from the trained model.

`curator generate` takes the same options as flags and validates them with this model.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from curator.generate.seeds import parse_layer_list
from curator.section import Section


class GenerateConfig(Section):
    seeds: list[int] = Field(list(range(16)), max_length=10_000, description="Seeds of the images drawn (one image each).")
    truncation_psi: float = Field(1.0, ge=-10, le=10, description="Truncation psi: 1 = none; lower trades variety for typicality (0.5-0.7 is common).")
    truncation_cutoff: int | None = Field(None, ge=0, description="Truncate only the first N layers' latents (unset: all).")
    class_idx: int | None = Field(None, ge=0, description="Class index for a conditional generator (unset: none).")
    noise_mode: Literal["const", "random", "none"] = Field("const", description="Per-pixel noise: const, random or none.")
    grid: bool = Field(False, description="Also write grid.png with every seed (`curator run` always does).")
    interpolate: bool = Field(False, description="Write interpolation.png: W-space walks between consecutive seeds.")
    frames: int = Field(16, ge=2, le=1000, description="Frames per interpolation leg.")
    gif: bool = Field(False, description="With interpolate, also write interpolation.gif.")
    style_mix: bool = Field(False, description="Write style-mix.png: every seed's coarse styles on every other seed.")
    mix_layers: str = Field("0-6", description="Latent layers taken from the column seed in the style mix.")

    @field_validator("mix_layers")
    @classmethod
    def _layer_list(cls, value: str) -> str:
        parse_layer_list(value)
        return value

    @model_validator(mode="after")
    def _gif_is_an_interpolation(self) -> "GenerateConfig":
        if self.gif and not self.interpolate:
            raise ValueError("--gif needs --interpolate")
        return self
