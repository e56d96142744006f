"""The `[train]` section of curator.toml: defaults for `curator train` flags."""

from typing import Literal

from pydantic import Field

from curator.section import Section


class TrainConfig(Section):
    cfg: str = Field("auto", description="Base configuration: auto, stylegan2, paper256, paper512, paper1024 or cifar.")
    aug: Literal["ada", "fixed", "noaug"] = Field("ada", description="Discriminator augmentation: adaptive p, fixed p, or none.")
    augpipe: str = Field("bgc", description="Augmentation groups: blit, geom, color, filter, noise, cutout, bg, bgc, bgcf, bgcfn, bgcfnc.")
    snap: int = Field(50, description="Ticks between snapshots (networks, fakes grid, resume state).")
    tick_kimg: float = Field(4.0, description="Thousands of images per tick (one line of statistics).")
    device: str = Field("auto", description="'auto' (CUDA when available), 'cpu', 'cuda' or 'cuda:N'.")
    workers: int = Field(2, description="Processes decoding training images ahead of the GPU (0: in the training process).")
