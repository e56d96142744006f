"""The `[export]` section of curator.toml."""

from typing import Literal

from pydantic import Field, field_validator

from curator.section import Section


class ExportConfig(Section):
    resolution: int = Field(0, description="Side of the square training images (power of two); 0 takes the items' own size when they all share one.")
    fit: Literal["error", "crop", "pad"] = Field(
        "error", description="Non-square items: 'error' stops with a list, 'crop' takes the centre square, 'pad' extends with the border colour.")
    xflip: bool = Field(False, description="Add a mirrored copy of every image (doubles the set).")
    augment: int = Field(0, ge=0, le=64, description="Add this many randomly rotated (+-8 deg), shifted (+-5%) and zoomed (90-110%) copies of every image.")
    seed: int = Field(0, description="Seed of the offline augmentation.")

    @field_validator("resolution")
    @classmethod
    def _power_of_two(cls, value: int) -> int:
        # 0 means "the items' own size"; anything else is a side the trainer can build (4 ... 1024).
        if value != 0 and not (4 <= value <= 1024 and value & (value - 1) == 0):
            raise ValueError(f"must be a power of two from 4 to 1024 (or 0: the items' own size), not {value}")
        return value
