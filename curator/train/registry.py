"""Trainers by name (`curator train --model NAME`), and which trainer wrote a run or a snapshot.

Each entry lives in its own module under `curator/train/models/` and adapts one library trainer
to the stage: its options from the command line and `[train]`, its training loop, its generator
loader. A run's `config.json` names its trainer in `model` (StyleGAN2-ADA's predates the field);
a snapshot's JSON in `format`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, ClassVar, Protocol

import torch

from commons.registry import Registry
from curator.errors import CuratorError

DEFAULT = "stylegan2"


class Trainer(Protocol):
    name: ClassVar[str]
    snapshot_format: ClassVar[str]
    description: ClassVar[str]

    def options(self, data: Path, cond: bool, settings: dict[str, Any], given: dict[str, Any]) -> Any:
        """The run's options: `given` (the command line) over `settings` ([train]) over the trainer's defaults."""

    def resume_options(self, config: dict[str, Any]) -> Any:
        """The options object of a run's own config.json."""

    def run_label(self, opts: Any) -> str:
        """The tail of a new run folder's name, e.g. 'auto64' or 'yurugan64'."""

    def train(self, opts: Any, run_dir: Path, on_tick: Callable[[dict], None] | None, workers: int,
              on_snapshot: Callable[[torch.nn.Module, torch.device], dict] | None,
              on_transfer: Callable[[Any], None] | None = None) -> Any:
        """Train (or resume) into run_dir; returns the final counters (cur_nimg, ...). on_transfer hears what a
        --transfer copied (trainers without transfer never call it)."""

    def load_generator(self, snapshot: Path, device: torch.device) -> torch.nn.Module:
        """G_ema of one of its snapshots, in eval mode."""


TRAINERS: Registry[Trainer] = Registry(modules=[f"curator.train.models.{m}" for m in ("stylegan2", "yurugan")])


def get_trainer(name: str | None) -> Trainer:
    entry = TRAINERS.get(name or DEFAULT)
    if entry is None:
        raise CuratorError(f"--model {name}: choose one of {', '.join(TRAINERS.names())}")
    return entry


def trainer_of_config(config: dict[str, Any]) -> Trainer:
    return get_trainer(config.get("model", DEFAULT))


def trainer_of_options(opts: Any) -> Trainer:
    return get_trainer(getattr(opts, "model", DEFAULT))


def trainer_of_snapshot(snapshot: Path) -> Trainer:
    """By the `format` in the snapshot's JSON; official pickles and older snapshots are StyleGAN2's."""
    meta = snapshot.with_suffix(".json")
    fmt = None
    if snapshot.suffix == ".safetensors" and meta.is_file():
        try:
            fmt = json.loads(meta.read_text()).get("format")
        except (OSError, ValueError):
            fmt = None
    for entry in TRAINERS.entries().values():
        if entry.snapshot_format == fmt:
            return entry
    return get_trainer(DEFAULT)
