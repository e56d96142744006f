"""Read a TensorFlow-era StyleGAN2 / StyleGAN2-ADA pickle without TensorFlow and without running its code.

Those pickles hold a tuple (G, D, Gs) of `dnnlib.tflib.network.Network` objects. A Network's
pickled state is a plain dict: `static_kwargs` (constructor arguments), `components` (sub-networks,
e.g. G's `mapping` and `synthesis`), `variables` (a list of (name, numpy array)) and the source
of its build function, which is kept as text and never executed. The restricted unpickler of
legacy_pkl accepts the Network class as an inert stand-in here, nothing else is added; the
arrays are then renamed and reshaped into curator's (= the official PyTorch) tensor layout:
TF dense weights are [in, out], convolutions [kh, kw, in, out], the upsampling convolution
stores its kernel flipped, and modulation biases are kept minus one.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from trainers.errors import TrainerError
from trainers.stylegan2 import legacy_pkl, safe_load
from trainers.stylegan2.networks import Discriminator, Generator

_TF_NETWORK = ("dnnlib.tflib.network", "Network")
_REFUSAL = "not a TensorFlow StyleGAN2 pickle, or it contains code we refuse to run"


class TFNetwork:
    """Stand-in for dnnlib.tflib.network.Network: keeps the pickled state dict, runs nothing."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, dict):
            raise legacy_pkl._Refused("TF network state is not a dict")
        self.state = state

    @property
    def static_kwargs(self) -> dict:
        return dict(self.state.get("static_kwargs") or {})

    def params(self, prefix: str = "") -> dict[str, np.ndarray]:
        """Every variable of this network and its components, keyed 'component/.../name'."""
        out: dict[str, np.ndarray] = {}
        for name, value in self.state.get("variables") or ():
            # 0-d variables (noise strengths) come back from a TF session as numpy scalars.
            if not isinstance(value, (np.ndarray, np.generic)):
                raise legacy_pkl._Refused(f"variable {prefix}{name} is not an array")
            out[prefix + str(name)] = np.asarray(value)
        for name, comp in (self.state.get("components") or {}).items():
            if not isinstance(comp, TFNetwork):
                raise legacy_pkl._Refused(f"component {prefix}{name} is not a network")
            out.update(comp.params(f"{prefix}{name}/"))
        return out


class _TFUnpickler(legacy_pkl._RestrictedUnpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == _TF_NETWORK:
            return TFNetwork
        return super().find_class(module, name)


def is_tf_pickle(path: str | Path) -> bool:
    """Cheap check: the TF Network class name appears among the pickle's first bytes."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    return b"dnnlib.tflib.network" in head


def load_tf_pkl(path: str | Path) -> dict:
    """{'G', 'D', 'G_ema': {'init_kwargs', 'state_dict'}} in curator's layout, from a TF-era pickle."""
    path = Path(path)
    budget = safe_load.Budget(path, safe_load.scan_pickle(path))  # the same caps as for PyTorch pickles
    try:
        with path.open("rb") as fh:
            data = _TFUnpickler(fh, budget).load()
    except legacy_pkl._BROKEN_PICKLE as err:
        raise TrainerError(f"{path}: {_REFUSAL} ({legacy_pkl._short(err)})") from None
    except (MemoryError, RecursionError):
        raise TrainerError(f"{path}: {_REFUSAL} (it asks for too much memory or too deep a nesting)") from None
    if not (isinstance(data, tuple) and len(data) == 3 and all(isinstance(n, TFNetwork) for n in data)):
        raise TrainerError(f"{path}: {_REFUSAL} (expected a tuple (G, D, Gs) of networks)")
    tf_G, tf_D, tf_Gs = data
    try:
        return {"G": convert_generator(tf_G), "D": convert_discriminator(tf_D), "G_ema": convert_generator(tf_Gs)}
    except (legacy_pkl._Refused, KeyError, ValueError) as err:
        raise TrainerError(f"{path}: cannot convert this TF network ({err})") from None


def _kwargs(net: TFNetwork, known: dict[str, Any]) -> dict[str, Any]:
    """The static kwargs with defaults (of a version 4+ network); an unknown argument is refused, not ignored."""
    _require(int(net.state.get("version", 0)) >= 4, "TF pickle version below 4 (StyleGAN1?)")
    given = net.static_kwargs
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise ValueError(f"unknown TF argument {unknown[0]!r}")
    return {k: (given[k] if given.get(k) is not None else default) for k, default in known.items()}


_G_ARGS = {
    "latent_size": 512, "label_size": 0, "dlatent_size": 512, "resolution": 1024, "num_channels": 3,
    "mapping_layers": 8, "label_fmaps": None, "mapping_fmaps": None, "mapping_nonlinearity": "lrelu",
    "mapping_lrmul": 0.01, "w_avg_beta": 0.995, "fmap_base": 16384, "fmap_max": 512, "num_fp16_res": 0,
    "conv_clamp": None, "architecture": "skip", "resample_kernel": [1, 3, 3, 1], "use_noise": True,
    "nonlinearity": "lrelu",
    # Sampling-time arguments that do not change the weights.
    "truncation_psi": None, "truncation_cutoff": None, "style_mixing_prob": None, "structure": None,
}

_D_ARGS = {
    "label_size": 0, "resolution": 1024, "num_channels": 3, "architecture": "resnet", "fmap_base": 16384,
    "fmap_max": 512, "num_fp16_res": 0, "conv_clamp": None, "mapping_fmaps": None, "nonlinearity": "lrelu",
    "resample_kernel": [1, 3, 3, 1], "freeze_layers": 0, "mapping_layers": 0, "mapping_lrmul": 0.1,
    "mbstd_group_size": 4, "mbstd_num_features": 1, "structure": None,
}


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _dense(a: np.ndarray) -> np.ndarray:
    return a.T


def _conv(a: np.ndarray) -> np.ndarray:
    return a.transpose(3, 2, 0, 1)


def _conv_flipped(a: np.ndarray) -> np.ndarray:
    return a[::-1, ::-1].transpose(3, 2, 0, 1)


def _plus_one(a: np.ndarray) -> np.ndarray:
    return a + 1


def _same(a: np.ndarray) -> np.ndarray:
    return a


# curator name pattern -> (TF name template, transform). Groups: r = block resolution, i = layer index.
Rule = tuple[str, str, Callable[[np.ndarray], np.ndarray]]
_G_RULES: list[Rule] = [
    (r"mapping\.w_avg", "dlatent_avg", _same),
    (r"mapping\.embed\.weight", "mapping/LabelEmbed/weight", _dense),
    (r"mapping\.embed\.bias", "mapping/LabelEmbed/bias", _same),
    (r"mapping\.fc(?P<i>\d+)\.weight", "mapping/Dense{i}/weight", _dense),
    (r"mapping\.fc(?P<i>\d+)\.bias", "mapping/Dense{i}/bias", _same),
    (r"synthesis\.b4\.const", "synthesis/4x4/Const/const", lambda a: a[0]),
    (r"synthesis\.b(?P<r>\d+)\.conv0\.weight", "synthesis/{r}x{r}/Conv0_up/weight", _conv_flipped),
    (r"synthesis\.b(?P<r>4)\.conv1\.(?P<p>weight|bias|noise_strength|affine\.weight|affine\.bias)", "synthesis/4x4/Conv/{p}", None),
    (r"synthesis\.b(?P<r>\d+)\.conv0\.(?P<p>bias|noise_strength|affine\.weight|affine\.bias)", "synthesis/{r}x{r}/Conv0_up/{p}", None),
    (r"synthesis\.b(?P<r>\d+)\.conv1\.(?P<p>weight|bias|noise_strength|affine\.weight|affine\.bias)", "synthesis/{r}x{r}/Conv1/{p}", None),
    (r"synthesis\.b(?P<r>\d+)\.torgb\.(?P<p>weight|bias|affine\.weight|affine\.bias)", "synthesis/{r}x{r}/ToRGB/{p}", None),
    (r"synthesis\.b(?P<r>\d+)\.conv(?P<c>[01])\.noise_const", "synthesis/noise{n}", lambda a: a[0, 0]),
]
_D_RULES: list[Rule] = [
    (r"b(?P<r>\d+)\.fromrgb\.(?P<p>weight|bias)", "{r}x{r}/FromRGB/{p}", None),
    (r"b(?P<r>\d+)\.conv0\.(?P<p>weight|bias)", "{r}x{r}/Conv0/{p}", None),
    (r"b(?P<r>\d+)\.conv1\.(?P<p>weight|bias)", "{r}x{r}/Conv1_down/{p}", None),
    (r"b(?P<r>\d+)\.skip\.weight", "{r}x{r}/Skip/weight", _conv),
    (r"mapping\.embed\.weight", "LabelEmbed/weight", _dense),
    (r"mapping\.embed\.bias", "LabelEmbed/bias", _same),
    (r"mapping\.fc(?P<i>\d+)\.weight", "Mapping{i}/weight", _dense),
    (r"mapping\.fc(?P<i>\d+)\.bias", "Mapping{i}/bias", _same),
    (r"b4\.conv\.(?P<p>weight|bias)", "4x4/Conv/{p}", None),
    (r"b4\.fc\.weight", "4x4/Dense0/weight", _dense),
    (r"b4\.fc\.bias", "4x4/Dense0/bias", _same),
    (r"b4\.out\.weight", "Output/weight", _dense),
    (r"b4\.out\.bias", "Output/bias", _same),
]
# Per-parameter conversion for rules whose last part varies ('p'); names as TF spells them.
_PART = {"weight": ("weight", _conv), "bias": ("bias", _same), "noise_strength": ("noise_strength", _same),
         "affine.weight": ("mod_weight", _dense), "affine.bias": ("mod_bias", _plus_one)}


def _lookup(rules: list[Rule], name: str, tf: dict[str, np.ndarray]) -> np.ndarray | None:
    """The TF array for a curator tensor name; None for buffers recomputed from kwargs (filters)."""
    if name.endswith("resample_filter"):
        return None
    for pattern, template, transform in rules:
        m = re.fullmatch(pattern, name)
        if m is None:
            continue
        groups = m.groupdict()
        if "p" in groups:
            tf_part, transform = _PART[groups["p"]]
            groups["p"] = tf_part
        if "c" in groups:  # noise inputs are numbered over all layers: 4x4's conv is 0, then two per block
            groups["n"] = 2 * int(math.log2(int(groups["r"]))) - 5 + int(groups["c"])
        key = template.format(**groups)
        if key not in tf:
            raise KeyError(f"{key} (for {name}) missing")
        return np.array(transform(tf[key]), dtype=np.float32, order="C")  # ascontiguousarray would make 0-d arrays 1-d
    raise KeyError(f"no TF variable is known for {name}")


def _fill(module: torch.nn.Module, rules: list[Rule], tf: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    state = module.state_dict()
    out = {}
    for name, tensor in state.items():
        value = _lookup(rules, name, tf)
        if value is None:
            out[name] = tensor.clone()
            continue
        converted = torch.from_numpy(value.astype(np.float32))
        if tuple(converted.shape) != tuple(tensor.shape):
            raise ValueError(f"{name}: TF array has shape {list(converted.shape)}, expected {list(tensor.shape)}")
        out[name] = converted
    return out


def convert_generator(net: TFNetwork) -> dict:
    a = _kwargs(net, _G_ARGS)
    tf = net.params()
    _require(not any(k.startswith("ToRGB_lod") for k in tf), "progressive-growing ('orig') generators are not supported")
    _require(a["architecture"] == "skip", f"generator architecture {a['architecture']!r} (only 'skip')")
    _require(a["nonlinearity"] == "lrelu", f"activation {a['nonlinearity']!r} (only lrelu)")
    kwargs = dict(
        z_dim=a["latent_size"], c_dim=a["label_size"], w_dim=a["dlatent_size"], img_resolution=a["resolution"],
        img_channels=a["num_channels"],
        mapping_kwargs=dict(num_layers=a["mapping_layers"], embed_features=a["label_fmaps"],
                            layer_features=a["mapping_fmaps"], activation=a["mapping_nonlinearity"],
                            lr_multiplier=a["mapping_lrmul"], w_avg_beta=a["w_avg_beta"]),
        synthesis_kwargs=dict(channel_base=a["fmap_base"] * 2, channel_max=a["fmap_max"],
                              num_fp16_res=a["num_fp16_res"], conv_clamp=a["conv_clamp"],
                              resample_filter=list(a["resample_kernel"]), use_noise=bool(a["use_noise"])),
    )
    G = Generator(**kwargs)
    return {"init_kwargs": kwargs, "state_dict": _fill(G, _G_RULES, tf)}


def convert_discriminator(net: TFNetwork) -> dict:
    a = _kwargs(net, _D_ARGS)
    tf = net.params()
    architecture = "orig" if any(k.startswith("FromRGB_lod") for k in tf) else a["architecture"]
    if architecture == "orig":
        # Progressive-growing D: the top-resolution FromRGB is the only one curator's 'orig' D has.
        top = "FromRGB_lod0/"
        for k in [k for k in tf if k.startswith(top)]:
            tf[f"{a['resolution']}x{a['resolution']}/FromRGB/{k[len(top):]}"] = tf[k]
    _require(a["nonlinearity"] == "lrelu", f"activation {a['nonlinearity']!r} (only lrelu)")
    kwargs = dict(
        c_dim=a["label_size"], img_resolution=a["resolution"], img_channels=a["num_channels"], architecture=architecture,
        channel_base=a["fmap_base"] * 2, channel_max=a["fmap_max"], num_fp16_res=a["num_fp16_res"],
        conv_clamp=a["conv_clamp"], cmap_dim=a["mapping_fmaps"],
        block_kwargs=dict(resample_filter=list(a["resample_kernel"])),
        epilogue_kwargs=dict(mbstd_group_size=a["mbstd_group_size"], mbstd_num_channels=a["mbstd_num_features"]),
    )
    if a["label_size"]:  # D's label mapping exists only for a conditional D
        kwargs["mapping_kwargs"] = dict(num_layers=a["mapping_layers"], embed_features=a["mapping_fmaps"],
                                        layer_features=a["mapping_fmaps"], lr_multiplier=a["mapping_lrmul"])
    D = Discriminator(**kwargs)
    return {"init_kwargs": kwargs, "state_dict": _fill(D, _D_RULES, tf)}


def load_any_pkl(path: str | Path) -> dict:
    """A PyTorch StyleGAN2-ADA pickle through legacy_pkl, a TF-era one through this module."""
    if is_tf_pickle(path):
        return load_tf_pkl(path)
    return legacy_pkl.load_official_pkl(path)
