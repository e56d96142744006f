"""The train stage: choose the training set, assemble the options, start or resume a run."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from pydantic import ValidationError

from commons.hashing import settings_key
from commons.validation import first_error
from curator.errors import CuratorError
from curator.export.config import ExportConfig
from curator.train.registry import DEFAULT, get_trainer, trainer_of_config, trainer_of_options
from curator.workspace import Workspace


FLAGS = {"tick_kimg": "tick", "ema_kimg": "ema", "metrics_num_gen": "metrics-num"}  # option names that differ from fields
RESUMABLE = ("kimg", "snap", "tick_kimg", "metrics", "metrics_num_gen", "device")  # a resumed run changes only these


def is_training_set(path: Path) -> bool:
    return (path.suffix.lower() == ".zip" and path.is_file()) or (path.is_dir() and (path / "dataset.json").is_file())


def training_set(ws: Workspace, source: str | None, export: ExportConfig, cond: bool) -> Path:
    """A ready ZIP/folder as given, or the manifest exported into the workspace cache (reused when unchanged)."""
    if source and is_training_set(Path(source)):
        return Path(source)
    from curator.export.writer import export_manifest

    manifest = ws.manifests.load(source)
    key = settings_key({"manifest": manifest.id, "cond": cond, **export.model_dump()}, length=12)
    out = ws.cache_dir("datasets") / f"{manifest.id[:12]}-{key}.zip"
    if not out.is_file():
        export_manifest(manifest, ws.store, out, export, cond=cond)
    return out


def dataset_facts(path: Path, cond: bool) -> tuple[int, int]:
    """(resolution, number of classes) of a training set, with its problems as one-line errors."""
    from trainers.stylegan2.dataset import ImageZipDataset

    try:
        ds = ImageZipDataset(path, use_labels=cond)
    except (ValueError, OSError) as exc:
        raise CuratorError(str(exc)) from None
    res = ds.resolution
    if res < 4 or res & (res - 1) or ds.img_channels not in (1, 3):
        raise CuratorError(f"{path}: images must be square with a power-of-two side and 1 or 3 channels, "
                           f"got {ds.img_channels}x{res}px")
    return res, ds.c_dim


def new_run_dir(ws: Workspace, label: str) -> Path:
    ws.runs_dir.mkdir(parents=True, exist_ok=True)
    taken = [int(p.name.split("-")[0]) for p in ws.runs_dir.iterdir() if p.name.split("-")[0].isdigit()]
    return ws.runs_dir / f"{max(taken, default=-1) + 1:05d}-{label}"


def pick_device(device: str) -> str:
    from commons.device import resolve_device

    return str(resolve_device(device))


def build_options(data: Path, cfg: str, cond: bool, overrides: dict[str, Any]):
    from trainers.stylegan2.options import options_from_preset
    from trainers.stylegan2.presets import PRESETS

    if PRESETS.get(cfg) is None:
        raise CuratorError(f"--cfg {cfg}: choose one of {', '.join(PRESETS.entries())}")
    resolution, c_dim = dataset_facts(data, cond)
    if overrides.get("aug") == "fixed" and overrides.get("p") is None:
        raise CuratorError("--aug fixed needs --p")
    gpus = int(os.environ.get("WORLD_SIZE", "1"))
    try:
        return options_from_preset(cfg, resolution, str(data.resolve()), gpus=gpus, c_dim=c_dim, **overrides)
    except ValidationError as exc:
        where, msg = first_error(exc)
        flag = FLAGS.get(where, where.replace("_", "-"))
        raise CuratorError(f"--{flag}: {msg}") from None
    except (ValueError, OSError) as exc:  # a transfer source that cannot be read (TrainerError is a ValueError)
        raise CuratorError(str(exc)) from None


def transfer_source(name: str, download_progress: Callable[[int, int | None], None] | None = None) -> str:
    """A local path for --transfer: as given, or a known network name / URL fetched into the cache."""
    from trainers.errors import TrainerError
    from trainers.stylegan2.pretrained import resolve_source

    try:
        return str(resolve_source(name, download_progress))
    except TrainerError as exc:
        raise CuratorError(str(exc)) from None


def prepare(ws: Workspace, source: str | None, given: dict[str, Any], cond: bool = False, resume: Path | None = None,
            out: Path | None = None, export: ExportConfig | None = None, model: str | None = None,
            download_progress: Callable[[int, int | None], None] | None = None) -> tuple[Any, Path]:
    """The run's options and folder: the command line over [train] over the preset, or a resumed run's own."""
    given = {k: v for k, v in given.items() if v is not None}
    if resume is not None:
        if "device" in given:
            given["device"] = pick_device(given["device"])
        return resume_options(resume, given, model), resume
    trainer = get_trainer(model)
    settings = {k: given.pop(k) for k in ("cfg", "aug", "augpipe", "diffaug", "apa", "snap", "tick_kimg", "device")
                if k in given}
    tc = ws.config.train.override(**settings)
    data = training_set(ws, source, export or ws.config.export, cond)
    if given.get("transfer"):
        given["transfer"] = transfer_source(given["transfer"], download_progress)
    if trainer.name != DEFAULT:
        given = {**settings, **given}  # every flag the user typed, so that the trainer can refuse what it lacks
    opts = trainer.options(data, cond, tc.model_dump(exclude={"workers"}), given)
    if out is None:
        with ws.writing("train"):  # two trains started at once must not pick the same numbered folder
            run_dir = new_run_dir(ws, f"{data.stem[:12]}-{trainer.run_label(opts)}")
            run_dir.mkdir(parents=True)
    else:
        run_dir = out
    if (run_dir / "config.json").exists():
        raise CuratorError(f"{run_dir} already holds a run; continue it with --resume {run_dir}")
    return opts, run_dir


def start(ws: Workspace, opts, run_dir: Path, workers: int | None = None, on_tick: Callable[[dict], None] | None = None,
          on_transfer: Callable[[Any], None] | None = None):
    def measure(G_ema, device) -> dict:
        # Metrics are curator's business: the trainer only calls back with each snapshot's generator (and only
        # when metrics are asked for: the evaluation code, Inception and torchvision, loads then).
        from curator.evaluate.run import evaluate_snapshot

        return evaluate_snapshot(G_ema, Path(opts.data), opts.metrics, opts.metrics_num_gen, ws.cache_dir("metrics"),
                                 device, ws.config.eval)

    try:
        return trainer_of_options(opts).train(opts, run_dir, on_tick,
                                              ws.config.train.workers if workers is None else workers, measure,
                                              on_transfer=on_transfer)
    except (ValueError, FileNotFoundError) as exc:
        raise CuratorError(str(exc)) from None


def resume_options(run_dir: Path, overrides: dict[str, Any], model: str | None = None):
    """The run's own config.json, with only the schedule and outputs allowed to change."""
    from trainers.stylegan2.checkpoint import RESUME_NAME

    if not (run_dir / "config.json").is_file() or not (run_dir / RESUME_NAME).is_file():
        raise CuratorError(f"{run_dir}: not a run folder with a resume state (config.json and {RESUME_NAME})")
    from trainers.stylegan2.safe_load import read_json

    data = read_json(run_dir / "config.json", "run configuration")
    trainer = trainer_of_config(data)
    if model is not None and model != trainer.name:
        raise CuratorError(f"--model {model}: {run_dir} is a {trainer.name} run")
    data.update({k: v for k, v in overrides.items() if k in RESUMABLE})
    try:
        return trainer.resume_options(data)
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise CuratorError(f"{run_dir / 'config.json'}: {where}: {msg}; not a run this version can continue") from None
