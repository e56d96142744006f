"""StyleGAN2-ADA (trainers.stylegan2): the default trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from curator.train.registry import TRAINERS


class StyleGAN2:
    name = "stylegan2"
    snapshot_format = "curator-stylegan2/1"
    description = "StyleGAN2-ADA (Karras et al. 2020): presets, adaptive augmentation, transfer learning."

    def options(self, data: Path, cond: bool, settings: dict[str, Any], given: dict[str, Any]) -> Any:
        from curator.train.run import build_options, pick_device

        settings = dict(settings)
        cfg = settings.pop("cfg")
        return build_options(data, cfg, cond, {**settings, **given, "device": pick_device(settings["device"])})

    def resume_options(self, config: dict[str, Any]) -> Any:
        from trainers.stylegan2.options import TrainOptions

        return TrainOptions(**config)

    def run_label(self, opts: Any) -> str:
        return f"{opts.cfg}{opts.resolution}"

    def train(self, opts, run_dir, on_tick, workers, on_snapshot, on_transfer=None):
        from trainers.stylegan2.training_loop import train

        return train(opts, run_dir, on_tick=on_tick, workers=workers, on_snapshot=on_snapshot, on_transfer=on_transfer)

    def load_generator(self, snapshot: Path, device: torch.device) -> torch.nn.Module:
        from trainers.stylegan2.checkpoint import load_generator

        return load_generator(snapshot, device=device)


TRAINERS.register(StyleGAN2())
