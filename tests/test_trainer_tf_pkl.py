"""TF-era StyleGAN2 pickles (tuple of dnnlib.tflib.network.Network) read without TF and without running code.

The pickle is built here, from random arrays, with the class and key layout the TF code wrote:
variables as (name, array) lists in TF's [in, out] / [kh, kw, in, out] layout, G's mapping and
synthesis as components, the build function's source as text.
"""

from __future__ import annotations

import pickle
import sys
import types

import numpy as np
import pytest
import torch

from trainers.errors import TrainerError
from trainers.stylegan2.checkpoint import load_generator, load_networks
from trainers.stylegan2.networks import Discriminator, Generator
from trainers.stylegan2.tf_pkl import load_tf_pkl

RES, C_BASE, C_MAX, Z, W, MAP = 16, 256, 32, 16, 16, 3


class Network:
    """Pickles like dnnlib.tflib.network.Network: a plain object whose state is a dict."""

    def __init__(self, name: str, static_kwargs: dict, variables: list, components: dict | None = None):
        self._state = dict(version=4, name=name, static_kwargs=static_kwargs, components=components or {},
                           build_module_src="import os\nos.system('touch /tmp/pwned')\n", build_func_name="G_main",
                           variables=variables)

    def __getstate__(self):
        return self._state


@pytest.fixture
def tf_module(monkeypatch):
    mod = types.ModuleType("dnnlib.tflib.network")
    Network.__module__ = "dnnlib.tflib.network"
    mod.Network = Network
    for name, m in (("dnnlib", types.ModuleType("dnnlib")), ("dnnlib.tflib", types.ModuleType("dnnlib.tflib")),
                    ("dnnlib.tflib.network", mod)):
        monkeypatch.setitem(sys.modules, name, m)
    yield
    Network.__module__ = __name__


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().astype(np.float32).copy()


def _tf_conv(t: torch.Tensor, flip: bool = False) -> np.ndarray:
    a = _np(t).transpose(2, 3, 1, 0)  # [out, in, kh, kw] -> TF [kh, kw, in, out]
    return np.ascontiguousarray(a[::-1, ::-1] if flip else a)


def _randomised(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if t.is_floating_point() and not name.endswith("resample_filter"):
                t.copy_(torch.randn(t.shape, generator=gen))
    return module


def tf_generator(G: Generator) -> Network:
    sd = G.state_dict()
    mapping = []
    for i in range(MAP):
        mapping += [(f"Dense{i}/weight", _np(sd[f"mapping.fc{i}.weight"]).T.copy()), (f"Dense{i}/bias", _np(sd[f"mapping.fc{i}.bias"]))]
    synth = [("4x4/Const/const", _np(sd["synthesis.b4.const"])[None])]
    noise_index = 0

    def layer(prefix: str, key: str, flip: bool = False):
        nonlocal noise_index
        out = [(f"{prefix}/weight", _tf_conv(sd[f"{key}.weight"], flip)), (f"{prefix}/bias", _np(sd[f"{key}.bias"])),
               (f"{prefix}/mod_weight", _np(sd[f"{key}.affine.weight"]).T.copy()),
               (f"{prefix}/mod_bias", _np(sd[f"{key}.affine.bias"]) - 1)]
        if f"{key}.noise_strength" in sd:
            out += [(f"{prefix}/noise_strength", np.float32(sd[f"{key}.noise_strength"].item())),  # a numpy scalar
                    (f"noise{noise_index}", _np(sd[f"{key}.noise_const"])[None, None])]
            noise_index += 1
        return out

    synth += layer("4x4/Conv", "synthesis.b4.conv1") + layer("4x4/ToRGB", "synthesis.b4.torgb")
    for r in (8, 16):
        synth += layer(f"{r}x{r}/Conv0_up", f"synthesis.b{r}.conv0", flip=True)
        synth += layer(f"{r}x{r}/Conv1", f"synthesis.b{r}.conv1") + layer(f"{r}x{r}/ToRGB", f"synthesis.b{r}.torgb")
    synth.append(("lod", np.zeros([], np.float32)))  # TF bookkeeping the converter ignores
    kwargs = dict(latent_size=Z, dlatent_size=W, resolution=RES, num_channels=3, label_size=0, fmap_base=C_BASE // 2,
                  fmap_max=C_MAX, mapping_layers=MAP, truncation_psi=0.5)
    return Network("G", kwargs, [("dlatent_avg", _np(sd["mapping.w_avg"]))],
                   {"mapping": Network("G_mapping", {}, mapping), "synthesis": Network("G_synthesis", {}, synth)})


def tf_discriminator(D: Discriminator) -> Network:
    sd = D.state_dict()
    var = [(f"{RES}x{RES}/FromRGB/weight", _tf_conv(sd[f"b{RES}.fromrgb.weight"])),
           (f"{RES}x{RES}/FromRGB/bias", _np(sd[f"b{RES}.fromrgb.bias"]))]
    for r in (16, 8):
        var += [(f"{r}x{r}/Conv0/weight", _tf_conv(sd[f"b{r}.conv0.weight"])), (f"{r}x{r}/Conv0/bias", _np(sd[f"b{r}.conv0.bias"])),
                (f"{r}x{r}/Conv1_down/weight", _tf_conv(sd[f"b{r}.conv1.weight"])),
                (f"{r}x{r}/Conv1_down/bias", _np(sd[f"b{r}.conv1.bias"])),
                (f"{r}x{r}/Skip/weight", _tf_conv(sd[f"b{r}.skip.weight"]))]
    var += [("4x4/Conv/weight", _tf_conv(sd["b4.conv.weight"])), ("4x4/Conv/bias", _np(sd["b4.conv.bias"])),
            ("4x4/Dense0/weight", _np(sd["b4.fc.weight"]).T.copy()), ("4x4/Dense0/bias", _np(sd["b4.fc.bias"])),
            ("Output/weight", _np(sd["b4.out.weight"]).T.copy()), ("Output/bias", _np(sd["b4.out.bias"]))]
    return Network("D", dict(resolution=RES, num_channels=3, label_size=0, fmap_base=C_BASE // 2, fmap_max=C_MAX), var)


def _nets():
    G = _randomised(Generator(Z, 0, W, RES, 3, mapping_kwargs=dict(num_layers=MAP),
                              synthesis_kwargs=dict(channel_base=C_BASE, channel_max=C_MAX)), 1)
    Gs = _randomised(Generator(Z, 0, W, RES, 3, mapping_kwargs=dict(num_layers=MAP),
                               synthesis_kwargs=dict(channel_base=C_BASE, channel_max=C_MAX)), 2)
    D = _randomised(Discriminator(0, RES, 3, channel_base=C_BASE, channel_max=C_MAX), 3)
    return G, D, Gs


@pytest.fixture
def tf_pickle(tmp_path, tf_module):
    G, D, Gs = _nets()
    path = tmp_path / "stylegan2-test-config-f.pkl"
    path.write_bytes(pickle.dumps((tf_generator(G), tf_discriminator(D), tf_generator(Gs)), protocol=3))
    return path, (G, D, Gs)


def test_tf_pickle_converts_to_the_same_networks_without_running_code(tf_pickle, monkeypatch):
    path, (G, D, Gs) = tf_pickle
    for name in ("dnnlib", "dnnlib.tflib", "dnnlib.tflib.network"):
        monkeypatch.delitem(sys.modules, name)  # nothing of the TF code is importable while loading
    nets = load_networks(path)
    assert nets["G_ema"]["init_kwargs"]["synthesis_kwargs"]["channel_base"] == C_BASE
    assert nets["G_ema"]["init_kwargs"]["mapping_kwargs"]["num_layers"] == MAP
    for key, ref in (("G", G), ("D", D), ("G_ema", Gs)):
        got = nets[key]["state_dict"]
        want = ref.state_dict()
        assert got.keys() == want.keys()
        for k in want:
            assert torch.allclose(got[k], want[k]), (key, k)
    # The converted G_ema computes the same images as the network the TF arrays came from.
    G_loaded = load_generator(path)
    z = torch.randn(2, Z)
    assert torch.allclose(G_loaded(z, None, noise_mode="const"), Gs.eval()(z, None, noise_mode="const"), atol=1e-5)


def test_tf_pickle_with_code_in_it_is_refused(tmp_path, tf_module):
    class Evil:
        def __reduce__(self):
            return (eval, ("1+1",))

    G, D, Gs = _nets()
    g = tf_generator(Gs)
    g._state["static_kwargs"]["evil"] = Evil()
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps((g, tf_discriminator(D), g), protocol=3))
    with pytest.raises(TrainerError, match="refused global builtins.eval"):
        load_tf_pkl(path)


def test_tf_pickle_with_an_unknown_argument_or_missing_array_says_which(tmp_path, tf_module):
    G, D, Gs = _nets()
    g = tf_generator(Gs)
    g._state["static_kwargs"]["fancy_new_option"] = 1
    path = tmp_path / "unknown.pkl"
    path.write_bytes(pickle.dumps((g, tf_discriminator(D), g), protocol=3))
    with pytest.raises(TrainerError, match="fancy_new_option"):
        load_tf_pkl(path)
    g = tf_generator(Gs)
    g._state["components"]["synthesis"]._state["variables"].pop(3)
    path.write_bytes(pickle.dumps((g, tf_discriminator(D), g), protocol=3))
    with pytest.raises(TrainerError, match="missing"):
        load_tf_pkl(path)
