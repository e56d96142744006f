"""The `[eval]` section of curator.toml."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from curator.section import Section


class EvalConfig(Section):
    metrics: list[str] = Field(["swd"], description="Metrics `curator eval` computes by default: fid, is, kid, pr, swd, gs.")
    num: int = Field(10_000, ge=10, description="Generated images per evaluation (50,000 is the published FID protocol).")
    protocol: Literal["legacy-tf", "clean"] = Field(
        "legacy-tf", description="Resize protocol for Inception input: 'legacy-tf' (pytorch-fid's) or 'clean' (clean-fid's)."
    )
    inception_weights: Optional[str] = Field(
        None, description="Path of pt_inception-2015-12-05-6726825d.pth; unset: the torch hub cache, fetched once if online."
    )
    batch: int = Field(32, ge=1, description="Images per batch through the generator and Inception.")
    max_samples: int = Field(10_000, ge=10, description="Feature vectors kept per image set for KID and precision/recall.")
    kid_subsets: int = Field(100, ge=1, description="KID: random subsets averaged.")
    kid_subset_size: int = Field(1000, ge=2, description="KID: images per subset (fewer if a set is smaller).")
    is_splits: int = Field(10, ge=1, description="Inception Score: splits of the generated set.")
    pr_k: int = Field(3, ge=1, description="Precision/recall: k of the k-nearest-neighbour radius.")
    swd_images: int = Field(1024, ge=2, description="SWD: images per set whose patches are compared.")
    gs_images: int = Field(1000, ge=3, description="Geometry Score: images per set used as witnesses.")
    gs_side: int = Field(32, ge=4, description="Geometry Score: images are area-downscaled to this smaller side, then flattened.")
    gs_landmarks: int = Field(64, ge=3, description="Geometry Score: random landmarks per witness complex.")
    gs_gamma: Optional[float] = Field(None, gt=0, description="Geometry Score: alpha_max as a fraction of the largest landmark-witness distance (unset: 1/128).")
    gs_repeats: int = Field(100, ge=1, description="Geometry Score: landmark sets averaged into the MRLT (the paper: 1,000 or more).")
    seed: int = Field(0, description="Seed of the latents, labels, SWD patches and KID subsets.")
    device: str = Field("auto", description="'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'.")
