"""YuruGAN snapshots in the StyleGAN2 trainer's file layout, tagged with their own format.

`network-snapshot-<kimg>.safetensors` (tensors "G.*", "D.*", "G_ema.*") + `.json` (constructor
arguments, counters, options) and `resume.pt`; reading and writing are `trainers.stylegan2.checkpoint`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from trainers.stylegan2.checkpoint import load_networks, snapshot_path
from trainers.yurugan.networks import Discriminator, Generator

FORMAT = "curator-yurugan/1"


def snapshot_format(path: str | Path) -> str | None:
    """The `format` a curator snapshot's JSON declares (None for an official .pkl or no JSON)."""
    path = snapshot_path(Path(path))
    meta = path.with_suffix(".json")
    if path.suffix != ".safetensors" or not meta.is_file():
        return None
    return json.loads(meta.read_text()).get("format")


def build_network(name: str, kwargs: dict) -> nn.Module:
    return Discriminator(**kwargs) if name == "D" else Generator(**kwargs)


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> Generator:
    """G_ema, in eval mode (batch norm on its running statistics), from a snapshot or its run folder."""
    if snapshot_format(path) != FORMAT:
        raise ValueError(f"{path}: not a YuruGAN snapshot")
    entry = load_networks(path)["G_ema"]
    G = Generator(**entry["init_kwargs"])
    G.load_state_dict(entry["state_dict"])
    return G.eval().requires_grad_(False).to(device)
