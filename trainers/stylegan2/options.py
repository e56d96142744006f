"""Every setting of one training run, resolved from a preset plus overrides.

The whole object is written as `config.json` in the run folder; reading it back reproduces the
run (`curator train --resume` does exactly that).
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trainers.stylegan2.presets import resolve_preset
from trainers.stylegan2.safe_load import Resolution


Aug = Literal["ada", "fixed", "noaug"]


class TrainOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    data: str = Field(description="Training set: ZIP of PNGs with dataset.json.")
    manifest_id: str | None = Field(None, description="Manifest the training set was exported from.")
    cfg: str = Field("auto", description="Base configuration: auto, stylegan2, paper256, paper512, paper1024 or cifar.")
    resolution: Resolution = Field(description="Image side: a power of two from 4 to 1024.")
    img_channels: int = Field(3, ge=1, le=4)
    c_dim: int = Field(0, ge=0, le=100_000, description="Number of classes; 0 trains unconditionally.")
    mirror: bool = Field(False, description="Random x-flips of the reals.")

    # Networks.
    z_dim: int = Field(512, ge=1, le=4096)
    w_dim: int = Field(512, ge=1, le=4096)
    map_layers: int = Field(2, ge=1, le=16)
    channel_base: int = Field(16384, ge=1, le=1 << 20)
    channel_max: int = Field(512, ge=1, le=4096)
    num_fp16_res: int = Field(4, ge=0, le=10)
    conv_clamp: float | None = 256
    d_architecture: str = "resnet"
    mbstd_group: int = Field(4, ge=1)

    # Optimisation and loss.
    batch: int = Field(32, ge=1, le=65536)
    glr: float = Field(0.0025, gt=0)
    dlr: float = Field(0.0025, gt=0)
    gamma: float = Field(1.0, ge=0)
    pl_weight: float = 2.0
    pl_batch_shrink: int = 2
    pl_decay: float = 0.01
    style_mixing_prob: float = 0.9
    g_reg_interval: int = 4
    d_reg_interval: int = 16
    ema_kimg: float = Field(10.0, ge=0)
    ema_rampup: float | None = 0.05

    # Augmentation.
    aug: Aug = Field("ada", description="Discriminator augmentation: adaptive p, fixed p, or none.")
    p: float = Field(0.0, ge=0, le=1)
    target: float = Field(0.6, gt=0, lt=1)
    augpipe: str = Field("bgc", description="Augmentation groups: blit, geom, color, filter, noise, cutout, bg, bgc, bgcf, bgcfn, bgcfnc.")
    ada_interval: int = 4
    ada_kimg: float = 500
    diffaug: str = Field("", description="DiffAugment transforms on every image D sees: any of color,translation,cutout.")
    apa: bool = Field(False, description="Adaptive pseudo augmentation: show D some fakes as reals, p adapted.")
    apa_p: float = Field(0.0, description="APA start probability.")
    apa_target: float = Field(0.6, description="APA target for the sign of D on reals.")
    apa_kimg: float = Field(500, description="APA speed: kimg for p to travel from 0 to 1.")
    apa_interval: int = 4

    @field_validator("diffaug")
    @classmethod
    def _known_diffaug(cls, value: str) -> str:
        from trainers.stylegan2.diffaug import parse_policy

        return ",".join(parse_policy(value))

    # Schedule and outputs.
    kimg: float = Field(25000, gt=0)
    tick_kimg: float = Field(4.0, gt=0, description="Thousands of images per tick (one line of statistics).")
    snap: int = Field(50, ge=1, description="Ticks between snapshots (networks, fakes grid, resume state).")
    grid: tuple[int, int] = Field((8, 4), description="Columns and rows of the fakes grid.")
    seed: int = Field(0, ge=0, lt=2 ** 32)
    device: str = Field("auto", description="'auto' (CUDA when available), 'cpu', 'cuda' or 'cuda:N'.")
    compile: bool = False
    metrics: list[str] = Field(default_factory=list)
    metrics_num_gen: int = Field(10000, ge=1)

    # Transfer learning.
    transfer: str | None = Field(None, description="Curator checkpoint, official or TF-era .pkl, or a known network name to start from.")
    transfer_partial: bool = Field(False, description="Allow a transfer that leaves synthesis or mapping layers untrained.")
    freezed: int = Field(0, ge=0, description="Freeze the first N layers of D.")

    def generator_kwargs(self) -> dict:
        return dict(z_dim=self.z_dim, c_dim=self.c_dim, w_dim=self.w_dim, img_resolution=self.resolution,
                    img_channels=self.img_channels, mapping_kwargs=dict(num_layers=self.map_layers),
                    synthesis_kwargs=dict(channel_base=self.channel_base, channel_max=self.channel_max,
                                          num_fp16_res=self.num_fp16_res, conv_clamp=self.conv_clamp))

    def discriminator_kwargs(self) -> dict:
        return dict(c_dim=self.c_dim, img_resolution=self.resolution, img_channels=self.img_channels,
                    architecture=self.d_architecture, channel_base=self.channel_base, channel_max=self.channel_max,
                    num_fp16_res=self.num_fp16_res, conv_clamp=self.conv_clamp,
                    epilogue_kwargs=dict(mbstd_group_size=self.mbstd_group))


def options_from_preset(cfg: str, resolution: int, data: str, gpus: int = 1, **overrides) -> TrainOptions:
    """The preset's hyperparameters, then every override that is not None."""
    pre = resolve_preset(cfg, resolution, gpus)
    base = dict(
        data=data, cfg=cfg, resolution=resolution, map_layers=pre.map_layers, channel_base=int(pre.fmaps * 32768),
        batch=pre.batch, mbstd_group=pre.mbstd, glr=pre.lrate, dlr=pre.lrate, gamma=pre.gamma, kimg=pre.kimg,
        ema_kimg=pre.ema_kimg, ema_rampup=pre.ema_rampup, pl_weight=pre.pl_weight,
        style_mixing_prob=pre.style_mixing_prob, d_architecture=pre.d_architecture,
    )
    base.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("batch") is not None and overrides.get("mbstd_group") is None:
        # The group must divide the per-GPU batch; keep the preset's size when it does.
        base["mbstd_group"] = math.gcd(pre.mbstd, max(base["batch"] // gpus, 1))
    if base.get("transfer"):
        # The source's own architecture, unless the user overrides a part of it (then the transfer
        # check names what no longer fits): a preset must not silently leave layers untrained.
        from trainers.stylegan2.transfer import source_architecture, source_networks

        arch = source_architecture(source_networks(base["transfer"]))
        base.update({k: v for k, v in arch.items() if overrides.get(k) is None})
        # As the official trainer does for transfer learning: ADA reacts faster, no EMA ramp-up.
        base["ema_rampup"] = None
        if overrides.get("ada_kimg") is None:
            base["ada_kimg"] = 100
    return TrainOptions(**base)
