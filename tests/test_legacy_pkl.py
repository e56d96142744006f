"""The official-pickle reader: recovers state dicts from a pickle built like NVIDIA's, runs no code."""

from __future__ import annotations

import io
import os
import pickle
import sys
import types

import numpy as np
import pytest
import torch
from torch import nn

from trainers.errors import TrainerError
from trainers.stylegan2.legacy_pkl import load_official_pkl

# What the official loader would exec; if it ran, the sentinel file would appear.
SENTINEL_SRC = "import pathlib\npathlib.Path({path!r}).write_text('executed')\n"


def _never_called(meta):  # pragma: no cover - the stand-in for NVIDIA's reconstruct function
    raise AssertionError("the real reconstruct function must never run")


class _EasyDict(dict):
    """Shaped like dnnlib's EasyDict for pickling: a plain dict subclass."""


@pytest.fixture
def fake_official_modules(monkeypatch):
    """Make `torch_utils.persistence` and `dnnlib.util` importable only while a pickle is dumped."""
    persistence = types.ModuleType("torch_utils.persistence")
    _never_called.__module__ = "torch_utils.persistence"
    _never_called.__qualname__ = _never_called.__name__ = "_reconstruct_persistent_obj"
    persistence._reconstruct_persistent_obj = _never_called
    util = types.ModuleType("dnnlib.util")
    _EasyDict.__module__, _EasyDict.__qualname__ = "dnnlib.util", "EasyDict"
    util.EasyDict = _EasyDict
    for name, module in {
        "torch_utils": types.ModuleType("torch_utils"),
        "torch_utils.persistence": persistence,
        "dnnlib": types.ModuleType("dnnlib"),
        "dnnlib.util": util,
    }.items():
        monkeypatch.setitem(sys.modules, name, module)
    yield


class Persistent(nn.Module):
    """Pickles itself the way the official persistence decorator does."""

    def __init__(self, class_name: str, module_src: str, **init_kwargs):
        super().__init__()
        self._class_name, self._module_src = class_name, module_src
        self._init_args, self._init_kwargs = (), init_kwargs

    def __reduce__(self):
        state = dict(self.__dict__)
        meta = dict(type="class", version=6, module_src=self._module_src, class_name=self._class_name, state=state)
        return (_never_called, (meta,), None)


def _generator(src: str) -> Persistent:
    kwargs = dict(z_dim=8, c_dim=0, img_resolution=np.int64(32), mapping_kwargs=_EasyDict(num_layers=2))
    g = Persistent("Generator", src, **kwargs)
    g.mapping = Persistent("MappingNetwork", src)
    g.mapping.fc0 = Persistent("FullyConnectedLayer", src)
    g.mapping.fc0.weight = nn.Parameter(torch.randn(8, 8), requires_grad=False)
    g.mapping.fc0.bias = nn.Parameter(torch.randn(8), requires_grad=False)
    g.mapping.register_buffer("w_avg", torch.randn(8))
    g.mapping.embed = nn.Linear(3, 8)  # a plain torch module inside a persistent one
    g.synthesis = Persistent("SynthesisNetwork", src)
    g.synthesis.b4 = Persistent("SynthesisBlock", src)
    g.synthesis.b4.const = nn.Parameter(torch.randn(4, 4, 4), requires_grad=False)
    g.synthesis.b4.register_buffer("resample_filter", torch.randn(4, 4))
    g.synthesis.b4.register_buffer("scratch", torch.ones(1), persistent=False)
    return g


def test_recovers_state_dicts_without_running_the_embedded_source(tmp_path, fake_official_modules):
    sentinel = tmp_path / "sentinel"
    src = SENTINEL_SRC.format(path=str(sentinel))
    G = _generator(src)
    D = Persistent("Discriminator", src, c_dim=0, img_resolution=32)
    D.b32 = Persistent("DiscriminatorBlock", src)
    D.b32.fromrgb = Persistent("Conv2dLayer", src)
    D.b32.fromrgb.weight = nn.Parameter(torch.randn(4, 3, 1, 1), requires_grad=False)
    pkl = tmp_path / "network-snapshot-000000.pkl"
    pkl.write_bytes(pickle.dumps({"G": G, "D": D, "G_ema": G, "augment_pipe": None,
                                  "training_set_kwargs": _EasyDict(resolution=32)}))
    for name in ("torch_utils", "torch_utils.persistence", "dnnlib", "dnnlib.util"):
        sys.modules.pop(name)  # the loader must not need them

    loaded = load_official_pkl(pkl)

    assert not sentinel.exists()
    assert set(loaded) == {"G", "D", "G_ema", "training_set_kwargs"}
    expected = G.state_dict()
    got = loaded["G_ema"]["state_dict"]
    assert sorted(got) == sorted(expected)
    assert "synthesis.b4.scratch" not in got  # non-persistent buffers stay out, as in state_dict()
    for key, tensor in expected.items():
        assert torch.equal(got[key], tensor), key
        assert type(got[key]) is torch.Tensor
    expected_kwargs = {"z_dim": 8, "c_dim": 0, "img_resolution": 32, "mapping_kwargs": {"num_layers": 2}}
    assert loaded["G"]["init_kwargs"] == expected_kwargs
    assert type(loaded["G"]["init_kwargs"]["mapping_kwargs"]) is dict
    assert type(loaded["G"]["init_kwargs"]["img_resolution"]) is int
    assert loaded["G"]["class_name"] == "Generator"
    assert list(loaded["D"]["state_dict"]) == ["b32.fromrgb.weight"]
    assert loaded["training_set_kwargs"] == {"resolution": 32}


class _Evil:
    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return (os.system, (self.command,))


class _EvalEvil:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (eval, (f"open({str(self.path)!r}, 'w').write('executed')",))


class _EvilStorage:
    """A storage blob (the nested torch.save inside every pickled tensor) that carries os.system."""

    def __init__(self, sentinel):
        buf = io.BytesIO()
        torch.save(_Evil(f"touch {sentinel}"), buf, _use_new_zipfile_serialization=False)
        self.blob = buf.getvalue()

    def __reduce__(self):
        return (torch.storage._load_from_bytes, (self.blob,))


@pytest.mark.parametrize("make", [lambda s: _Evil(f"touch {s}"), _EvalEvil, _EvilStorage],
                         ids=["os.system", "eval", "hidden in a tensor storage"])
def test_refuses_a_pickle_that_calls_code(tmp_path, make):
    sentinel = tmp_path / "sentinel"
    pkl = tmp_path / "evil.pkl"
    pkl.write_bytes(pickle.dumps({"G_ema": make(sentinel)}))
    with pytest.raises(TrainerError, match="refuse to run"):
        load_official_pkl(pkl)
    assert not sentinel.exists()


def test_plain_state_dict_pickle_is_not_a_network_pickle(tmp_path):
    pkl = tmp_path / "plain.pkl"
    pkl.write_bytes(pickle.dumps({"G_ema": {"w": torch.ones(2)}}))
    with pytest.raises(TrainerError, match="not a StyleGAN2-ADA pickle"):
        load_official_pkl(pkl)
    with pytest.raises(TrainerError, match="no such network pickle"):
        load_official_pkl(tmp_path / "missing.pkl")
