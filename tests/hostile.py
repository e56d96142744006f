"""Hostile inputs for the hardening tests: tiny snapshots to tamper with and pickles built like
NVIDIA's that ask for too much."""

from __future__ import annotations

import pickle
import sys
import types
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import pytest

G_KWARGS = dict(z_dim=8, c_dim=0, w_dim=8, img_resolution=8, img_channels=3, mapping_kwargs={"num_layers": 1},
                synthesis_kwargs={"channel_base": 64, "channel_max": 8})
D_KWARGS = dict(c_dim=0, img_resolution=8, img_channels=3, channel_base=64, channel_max=8)


def tiny_snapshot(folder: Path) -> Path:
    """A run folder with one valid 8 px snapshot (random weights); returns the .safetensors path."""
    import torch

    from trainers.stylegan2.checkpoint import save_snapshot
    from trainers.stylegan2.networks import Discriminator, Generator

    torch.manual_seed(0)
    G, D = Generator(**G_KWARGS).eval(), Discriminator(**D_KWARGS)
    folder.mkdir(parents=True, exist_ok=True)
    return save_snapshot(folder / "network-snapshot-000000", {"G": G, "D": D, "G_ema": G},
                         {"G": G_KWARGS, "D": D_KWARGS}, {"cur_nimg": 0, "options": {"data": "none.zip"}})


def _reconstruct(meta):  # pragma: no cover - stands for NVIDIA's function; never called on load
    raise AssertionError("never called")


class _Call:
    """Pickles as `func(*args)` without calling it when dumped."""

    def __init__(self, func: Any, *args: Any) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


@contextmanager
def official_names() -> Iterator[None]:
    """`torch_utils.persistence._reconstruct_persistent_obj` importable while a pickle is dumped."""
    persistence = types.ModuleType("torch_utils.persistence")
    _reconstruct.__module__ = "torch_utils.persistence"
    _reconstruct.__qualname__ = _reconstruct.__name__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _reconstruct
    saved = {k: sys.modules.get(k) for k in ("torch_utils", "torch_utils.persistence")}
    sys.modules["torch_utils"] = types.ModuleType("torch_utils")
    sys.modules["torch_utils.persistence"] = persistence
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def network_pickle(path: Path, init_kwargs: Any, extra: dict | None = None) -> Path:
    """An official-looking pickle whose G_ema has `init_kwargs` (anything: a bomb, a cycle, a bytearray call)."""
    state = {"_init_args": (), "_init_kwargs": init_kwargs, "_parameters": {}, "_buffers": {}, "_modules": {}}
    meta = {"type": "class", "version": 6, "module_src": "", "class_name": "Generator", "state": state}
    with official_names():
        data = pickle.dumps({"G_ema": _Call(_reconstruct, meta), **(extra or {})}, protocol=4)
    path.write_bytes(data)
    return path


def billion_laughs(levels: int = 30, width: int = 10) -> list:
    """A list of lists whose expansion has width**levels leaves; it pickles to a few hundred bytes."""
    node: list = []
    for _ in range(levels):
        node = [node] * width
    return node


def self_referencing() -> list:
    node: list = []
    node.append(node)
    return node


def huge_bytearray(n: int = 40 << 30) -> _Call:
    return _Call(bytearray, n)


def one_line_error(code: int, err: str) -> str:
    """Assert the CLI's promise for a user mistake; return the line."""
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:"), err
    assert "weights_only" not in err, err
    return lines[0]


skip_unless_root = pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() != 0,
                                      reason="mounting a tmpfs needs root")
