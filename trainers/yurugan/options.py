"""Every setting of one YuruGAN run; written as `config.json` in the run folder, read back on resume."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class YuruGANOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Literal["yurugan"] = Field("yurugan", description="Which trainer wrote this config (resume reads it).")
    data: str = Field(description="Training set: ZIP (or folder) of PNGs with dataset.json.")
    manifest_id: str | None = Field(None, description="Manifest the training set was exported from.")
    height: int = Field(ge=8, description="Image height in pixels (the paper: 144).")
    width: int = Field(ge=8, description="Image width in pixels (the paper: 128).")
    img_channels: int = 3
    c_dim: int = Field(0, ge=0, description="Number of classes; 0 trains unconditionally.")
    mirror: bool = Field(False, description="Random x-flips of the reals.")

    # Networks.
    z_chunk: int = Field(20, ge=1, description="Latent values per block (z_dim = z_chunk x (blocks + 1)), as BigGAN.")
    ch: int = Field(32, ge=1, description="Channels of the highest-resolution block; doubled per halving.")
    ch_max: int = Field(512, ge=1, description="Most channels of any block.")
    shared_dim: int = Field(128, ge=1, description="Size of the shared class embedding fed to every conditional BN.")
    attn_res: int = Field(32, ge=4, description="Self-attention at the feature map whose smaller side is nearest this.")

    # Optimisation and loss (the paper's: Adam, TTUR, two D steps per G step, batch 32).
    batch: int = Field(32, ge=2)
    glr: float = Field(2e-5, gt=0)
    dlr: float = Field(5e-4, gt=0)
    beta1: float = Field(0.0, ge=0, lt=1)
    beta2: float = Field(0.999, ge=0, lt=1)
    d_steps: int = Field(2, ge=1, description="D updates per G update.")
    ac_weight: float = Field(1.0, ge=0, description="Weight of the auxiliary classifier's cross-entropy (0: projection only).")
    ema_kimg: float = Field(10.0, gt=0, description="Half-life of G's EMA in thousands of real images.")
    ema_rampup: float | None = 0.05

    # Schedule and outputs.
    kimg: float = Field(1000, gt=0)
    tick_kimg: float = Field(4.0, gt=0, description="Thousands of images per tick (one line of statistics).")
    snap: int = Field(50, ge=1, description="Ticks between snapshots (networks, fakes grid, resume state).")
    grid: tuple[int, int] = Field((8, 4), description="Columns and rows of the fakes grid.")
    seed: int = 0
    device: str = Field("auto", description="'auto' (CUDA when available), 'cpu', 'cuda' or 'cuda:N'.")
    metrics: list[str] = Field(default_factory=list)
    metrics_num_gen: int = 10000

    @model_validator(mode="after")
    def _shape_fits_the_architecture(self) -> "YuruGANOptions":
        from trainers.yurugan.networks import num_blocks

        num_blocks(self.height, self.width)  # raises ValueError with the reason
        return self

    @property
    def resolution(self) -> int | str:
        """The side of square images, else 'HxW' (for messages and run-folder names)."""
        return self.height if self.height == self.width else f"{self.height}x{self.width}"

    @property
    def z_dim(self) -> int:
        from trainers.yurugan.networks import num_blocks

        return self.z_chunk * (num_blocks(self.height, self.width) + 1)

    def generator_kwargs(self) -> dict:
        return dict(z_chunk=self.z_chunk, c_dim=self.c_dim, img_resolution=[self.height, self.width],
                    img_channels=self.img_channels, ch=self.ch, ch_max=self.ch_max, shared_dim=self.shared_dim,
                    attn_res=self.attn_res)

    def discriminator_kwargs(self) -> dict:
        return dict(c_dim=self.c_dim, img_resolution=[self.height, self.width], img_channels=self.img_channels,
                    ch=self.ch, ch_max=self.ch_max, attn_res=self.attn_res)
