"""Find a generator snapshot from what the user typed (a run folder, a snapshot file or an official .pkl)."""

from __future__ import annotations

from pathlib import Path

import torch

from curator.errors import CuratorError


def resolve_snapshot(path: str | Path) -> Path:
    """A run folder means its latest snapshot; a snapshot's .json means its weights."""
    from trainers.stylegan2.checkpoint import snapshot_path

    try:
        return snapshot_path(Path(path).expanduser())
    except FileNotFoundError as exc:
        raise CuratorError(f"{exc} (give a run folder, a .safetensors snapshot or an official .pkl)") from None


def load_snapshot_generator(snapshot: Path, device: torch.device) -> torch.nn.Module:
    """G_ema of a curator snapshot (of any trainer) or an official StyleGAN2-ADA pickle, in eval mode."""
    from curator.train.registry import trainer_of_snapshot
    from trainers.errors import TrainerError

    try:
        return trainer_of_snapshot(snapshot).load_generator(snapshot, device)
    except TrainerError:
        raise  # already one line naming the file
    except (KeyError, ValueError, RuntimeError, OSError) as exc:
        raise CuratorError(f"{snapshot}: cannot load a generator ({exc})") from None


def training_data(snapshot: Path) -> Path | None:
    """The training-set ZIP recorded in the snapshot's run options, if it still exists."""
    from trainers.stylegan2.checkpoint import load_run_config

    if snapshot.suffix != ".safetensors":
        return None
    try:
        data = load_run_config(snapshot).get("data")
    except (OSError, KeyError, ValueError):
        return None
    if not data:
        return None
    for candidate in (Path(data), snapshot.parent / data):
        if candidate.is_file():
            return candidate
    return None
