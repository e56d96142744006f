"""YuruGAN's class-conditional GAN (trainers.yurugan): `curator train --model yurugan`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from pydantic import ValidationError

from commons.validation import first_error
from curator.errors import CuratorError
from curator.train.registry import TRAINERS

# Command-line settings this trainer takes, by their option name (the rest are StyleGAN2-ADA's).
_TAKES = {"kimg", "batch", "glr", "dlr", "ema_kimg", "mirror", "seed", "snap", "tick_kimg", "device", "metrics",
          "metrics_num_gen", "channel_max"}


class YuruGAN:
    name = "yurugan"
    snapshot_format = "curator-yurugan/1"
    description = "YuruGAN: SN ResNet with conditional BN, self-attention, projection + AC discriminator, hinge, TTUR."

    def options(self, data: Path, cond: bool, settings: dict[str, Any], given: dict[str, Any]) -> Any:
        from curator.train.run import FLAGS, pick_device
        from trainers.stylegan2.dataset import ImageZipDataset
        from trainers.yurugan.options import YuruGANOptions

        refused = sorted(k for k in given if k not in _TAKES)
        if refused:
            flags = ", ".join("--" + FLAGS.get(k, k).replace("_", "-") for k in refused)
            raise CuratorError(f"{flags}: not an option of --model yurugan")
        try:
            ds = ImageZipDataset(data, use_labels=cond)
        except (ValueError, OSError) as exc:
            raise CuratorError(str(exc)) from None
        channels, height, width = ds.image(0).shape
        if channels not in (1, 3):
            raise CuratorError(f"{data}: images must have 1 or 3 channels, got {channels}")
        values = {"snap": settings["snap"], "tick_kimg": settings["tick_kimg"], **given,
                  "device": pick_device(given.get("device", settings["device"]))}
        if "channel_max" in values:
            values["ch_max"] = values.pop("channel_max")
        try:
            return YuruGANOptions(data=str(data.resolve()), height=height, width=width, img_channels=channels,
                                  c_dim=ds.c_dim, **values)
        except ValidationError as exc:
            where, msg = first_error(exc)
            raise CuratorError(f"--{where.replace('_', '-')}: {msg}" if where else msg) from None

    def resume_options(self, config: dict[str, Any]) -> Any:
        from trainers.yurugan.options import YuruGANOptions

        return YuruGANOptions(**config)

    def run_label(self, opts: Any) -> str:
        return f"yurugan{opts.resolution}"

    def train(self, opts, run_dir, on_tick, workers, on_snapshot, on_transfer=None):
        from trainers.yurugan.training_loop import train

        return train(opts, run_dir, on_tick=on_tick, workers=workers, on_snapshot=on_snapshot)

    def load_generator(self, snapshot: Path, device: torch.device) -> torch.nn.Module:
        from trainers.yurugan.checkpoint import load_generator

        return load_generator(snapshot, device=device)


TRAINERS.register(YuruGAN())
