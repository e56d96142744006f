"""The official StyleGAN2-ADA base configurations (`--cfg`) as plain typed records.

`auto` is filled in from the resolution and GPU count with the official heuristics; the
others are fixed. New presets register with `register_preset`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from commons.registry import Registry


@dataclass(frozen=True)
class Preset:
    name: str
    ref_gpus: int
    kimg: int
    batch: int
    mbstd: int
    fmaps: float  # channel_base = fmaps * 32768
    lrate: float
    gamma: float
    ema_kimg: float
    ema_rampup: float | None
    map_layers: int
    pl_weight: float = 2.0
    style_mixing_prob: float = 0.9
    d_architecture: str = "resnet"

    def for_resolution(self, resolution: int, gpus: int = 1) -> "Preset":
        return self


@dataclass(frozen=True)
class AutoPreset(Preset):
    """Hyperparameters that scale with resolution, as in the official `auto` config."""

    def for_resolution(self, resolution: int, gpus: int = 1) -> Preset:
        batch = max(min(gpus * min(4096 // resolution, 32), 64), gpus)
        return replace(
            self, ref_gpus=gpus, batch=batch, mbstd=min(batch // gpus, 4),
            fmaps=1 if resolution >= 512 else 0.5, lrate=0.002 if resolution >= 1024 else 0.0025,
            gamma=0.0002 * resolution ** 2 / batch, ema_kimg=batch * 10 / 32,
        )


PRESETS: Registry[Preset] = Registry()
register_preset = PRESETS.register


register_preset(AutoPreset("auto", ref_gpus=-1, kimg=25000, batch=-1, mbstd=-1, fmaps=-1, lrate=-1, gamma=-1,
                           ema_kimg=-1, ema_rampup=0.05, map_layers=2))
register_preset(Preset("stylegan2", ref_gpus=8, kimg=25000, batch=32, mbstd=4, fmaps=1, lrate=0.002, gamma=10,
                       ema_kimg=10, ema_rampup=None, map_layers=8))
register_preset(Preset("paper256", ref_gpus=8, kimg=25000, batch=64, mbstd=8, fmaps=0.5, lrate=0.0025, gamma=1,
                       ema_kimg=20, ema_rampup=None, map_layers=8))
register_preset(Preset("paper512", ref_gpus=8, kimg=25000, batch=64, mbstd=8, fmaps=1, lrate=0.0025, gamma=0.5,
                       ema_kimg=20, ema_rampup=None, map_layers=8))
register_preset(Preset("paper1024", ref_gpus=8, kimg=25000, batch=32, mbstd=4, fmaps=1, lrate=0.002, gamma=2,
                       ema_kimg=10, ema_rampup=None, map_layers=8))
# CIFAR: no path-length regularisation, no style mixing, no residual D.
register_preset(Preset("cifar", ref_gpus=2, kimg=100000, batch=64, mbstd=32, fmaps=1, lrate=0.0025, gamma=0.01,
                       ema_kimg=500, ema_rampup=0.05, map_layers=2, pl_weight=0, style_mixing_prob=0,
                       d_architecture="orig"))


def resolve_preset(name: str, resolution: int, gpus: int = 1) -> Preset:
    preset = PRESETS.get(name)
    if preset is None:
        raise KeyError(f"unknown --cfg {name!r}; choose from {', '.join(PRESETS.entries())}")
    return preset.for_resolution(resolution, gpus)
