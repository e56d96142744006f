"""Checkpoints without code: safetensors weights + a JSON description, and a resume state.

- `network-snapshot-<kimg>.safetensors`: tensors "G.*", "D.*", "G_ema.*" (official names).
- `network-snapshot-<kimg>.json`: constructor arguments of G and D, counters, the run's options.
- `resume.pt`: everything else a resumed run needs (optimisers, ADA, RNG states, counters),
  as plain tensors and numbers; read with `torch.load(weights_only=True)`, which runs no code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import torch
from torch import nn

from commons.atomic import atomic_open, write_text
from trainers.errors import TrainerError
from trainers.stylegan2 import safe_load
from trainers.stylegan2.networks import Discriminator, Generator
from trainers.stylegan2.safe_load import load_resume as load_resume_state  # noqa: F401 (the resume state's reader)

FORMAT = "curator-stylegan2/1"
NETWORK_NAMES = ("G", "D", "G_ema")
RESUME_NAME = "resume.pt"
# Official constructor arguments that only affect speed or training (not the weights).
_PERFORMANCE_ONLY = {"fp16_channels_last", "channels_last", "freeze_layers"}


def snapshot_stem(run_dir: Path, cur_nimg: int) -> Path:
    return run_dir / f"network-snapshot-{cur_nimg // 1000:06d}"


def save_snapshot(stem: Path, nets: dict[str, nn.Module], kwargs: dict[str, dict], meta: dict[str, Any],
                  fmt: str = FORMAT) -> Path:
    """Write `<stem>.safetensors` and `<stem>.json`; return the weights path. `fmt` names the
    networks' code (another trainer writing this layout gives its own), so loaders can tell them apart."""
    from safetensors.torch import save

    tensors = {f"{name}.{k}": v.detach().to("cpu").contiguous().clone()
               for name in NETWORK_NAMES for k, v in nets[name].state_dict().items()}
    weights = stem.with_suffix(".safetensors")
    with atomic_open(weights, "wb") as fh:
        fh.write(save(tensors))
    write_text(stem.with_suffix(".json"), json.dumps({"format": fmt, **meta, "G_kwargs": kwargs["G"],
                                                       "D_kwargs": kwargs["D"]}, indent=1))
    return weights


def _sanitize(kwargs: dict) -> dict:
    return {k: _sanitize(v) if isinstance(v, dict) else v for k, v in kwargs.items() if k not in _PERFORMANCE_ONLY}


def load_networks(path: str | Path, check_kwargs: Callable[[str, Any, Path], dict] = safe_load.check_kwargs
                  ) -> dict[str, dict]:
    """{'G'|'D'|'G_ema': {'init_kwargs', 'state_dict'}} from a curator snapshot, run folder or official .pkl.

    `check_kwargs(name, kwargs, source)` validates each network's constructor arguments (another
    trainer using this file layout passes its own)."""
    path = snapshot_path(Path(path))
    if path.suffix == ".pkl":
        from trainers.stylegan2.tf_pkl import load_any_pkl

        loaded = load_any_pkl(path)  # PyTorch StyleGAN2-ADA or TF-era StyleGAN2 pickle
        return {name: {"init_kwargs": safe_load.check_kwargs(name, _sanitize(dict(loaded[name]["init_kwargs"])), path),
                       "state_dict": loaded[name]["state_dict"]} for name in NETWORK_NAMES if name in loaded}
    from safetensors.torch import load_file

    # The JSON and the header are checked before anything is built: no constructor runs with
    # arguments nobody validated, no tensor is read from offsets outside the file.
    meta = safe_load.read_json(path.with_suffix(".json"))
    safe_load.check_safetensors(path)
    try:
        tensors = load_file(str(path))
    except Exception as exc:  # SafetensorError is not an OSError or ValueError
        raise TrainerError(f"{path}: not a readable safetensors snapshot ({str(exc).splitlines()[0][:160]})") from None
    out = {}
    for name in NETWORK_NAMES:
        prefix = name + "."
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        key = "D_kwargs" if name == "D" else "G_kwargs"
        if key not in meta:
            raise TrainerError(f"{path.with_suffix('.json')}: no {key}; not a curator snapshot description")
        out[name] = {"init_kwargs": check_kwargs(name, meta[key], path.with_suffix(".json")), "state_dict": sd}
    return out


def snapshot_path(path: Path) -> Path:
    """A run folder means its latest snapshot; a snapshot's .json means its weights; .pkl passes through."""
    if path.is_dir():
        snaps = sorted(path.glob("network-snapshot-*.safetensors"))
        if not snaps:
            raise FileNotFoundError(f"{path}: no network-snapshot-*.safetensors in this run folder")
        return snaps[-1]
    if path.suffix == ".json":
        path = path.with_suffix(".safetensors")
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such checkpoint")
    return path


def load_generator(path: str | Path, device: str | torch.device = "cpu", check_kwargs=safe_load.check_kwargs,
                   generator: type[nn.Module] = Generator) -> nn.Module:
    """G_ema, in eval mode, from a curator snapshot (or its run folder) or an official .pkl. Another trainer in
    this file layout passes its own `check_kwargs` (see `load_networks`) and generator class."""
    entry = load_networks(path, check_kwargs)["G_ema"]
    G = generator(**entry["init_kwargs"])
    safe_load.load_state(G, entry["state_dict"], "G_ema", path)
    return G.eval().requires_grad_(False).to(device)


def load_run_config(path: str | Path) -> dict:
    """The run's full options: from a run folder's config.json or a snapshot's JSON."""
    path = Path(path)
    if path.is_dir():
        return safe_load.read_json(path / "config.json", "run configuration")
    options = safe_load.read_json(snapshot_path(path).with_suffix(".json")).get("options")
    if not isinstance(options, dict):
        raise TrainerError(f"{snapshot_path(path).with_suffix('.json')}: no run options in it")
    return options


def build_network(name: str, kwargs: dict) -> nn.Module:
    return Discriminator(**kwargs) if name == "D" else Generator(**kwargs)


def save_resume_state(path: Path, state: dict[str, Any]) -> None:
    with atomic_open(path, "wb") as fh:
        torch.save(state, fh)
