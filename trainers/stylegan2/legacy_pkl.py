"""Read an official StyleGAN2-ADA network pickle (`network-snapshot-*.pkl`) without running its code.

The official pickles store each network as `torch_utils.persistence._reconstruct_persistent_obj(meta)`
where `meta` carries the class's whole module source, which the official loader `exec`s. Here
a restricted unpickler resolves only a short list of harmless globals: that reconstruct
function is replaced by one that merely keeps `meta` (the source text is never run), tensors
are rebuilt by torch's own functions with nested storages loaded `weights_only`, and anything
else (os.system, eval, getattr, arbitrary classes) stops the load with a TrainerError. Nothing
from NVIDIA's code needs to be importable.
"""

from __future__ import annotations

import builtins
import collections
import functools
import importlib
import io
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from trainers.errors import TrainerError
from trainers.stylegan2 import safe_load

_REFUSAL = "not a StyleGAN2-ADA pickle, or it contains code we refuse to run"
_NETWORK_KEYS = ("G", "D", "G_ema", "augment_pipe")
# What unpickling a truncated, foreign or hostile file raises (refusals are UnpicklingErrors).
_BROKEN_PICKLE = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, RuntimeError, IndexError, KeyError)


@dataclass
class PersistentObject:
    """What the official loader would have turned into a module: its class name and state, inert."""

    class_name: str
    module_src: str = field(repr=False)  # kept as text; never executed
    state: dict


class _PlainModule:
    """Stand-in for a plain torch.nn module (pickled normally, not through persistence)."""

    def __setstate__(self, state: dict) -> None:
        self.state = state


class _AttrDict(dict):
    """Stand-in for dnnlib's EasyDict, a dict subclass that appears inside init kwargs."""


class _Refused(pickle.UnpicklingError):
    pass


def _capture_persistent(meta: Any) -> PersistentObject:
    if not isinstance(meta, dict) or meta.get("type") != "class" or not isinstance(meta.get("state"), dict):
        raise _Refused("unexpected persistent-object metadata")
    return PersistentObject(
        class_name=str(meta.get("class_name")), module_src=str(meta.get("module_src", "")), state=meta["state"]
    )


def _load_storage(data: bytes) -> Any:
    """torch's pickled storages are nested torch.save blobs: load them with torch's safe loader."""
    return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


_ALLOWED: dict[tuple[str, str], Any] = {
    ("torch_utils.persistence", "_reconstruct_persistent_obj"): _capture_persistent,
    ("torch.storage", "_load_from_bytes"): _load_storage,
    ("torch._utils", "_rebuild_tensor"): torch._utils._rebuild_tensor,
    ("torch._utils", "_rebuild_tensor_v2"): torch._utils._rebuild_tensor_v2,
    ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): torch._utils._rebuild_parameter_with_state,
    ("torch._tensor", "_rebuild_from_type_v2"): torch._tensor._rebuild_from_type_v2,
    ("torch", "Tensor"): torch.Tensor,
    ("torch.nn.parameter", "Parameter"): torch.nn.Parameter,
    ("torch", "Size"): torch.Size,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("dnnlib.util", "EasyDict"): _AttrDict,
    ("dnnlib", "EasyDict"): _AttrDict,
    **{
        ("builtins", name): getattr(builtins, name)
        for name in ("dict", "list", "tuple", "set", "frozenset", "bytearray", "complex", "slice")
    },
}


def _numpy_global(module: str, name: str) -> Any:
    """numpy arrays, scalars and dtypes (numpy 1 says `numpy.core`, numpy 2 `numpy._core`)."""
    import numpy as np

    if module in ("numpy.core.multiarray", "numpy._core.multiarray") and name in ("_reconstruct", "scalar"):
        for candidate in ("numpy._core.multiarray", "numpy.core.multiarray"):
            try:
                return getattr(importlib.import_module(candidate), name)
            except ImportError:
                continue
    if module == "numpy" and name in ("ndarray", "dtype"):
        return getattr(np, name)
    return None


@functools.lru_cache(maxsize=None)
def _plain_module_class(name: str) -> type:
    return type(name, (_PlainModule,), {})


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, file: Any, budget: safe_load.Budget) -> None:
        super().__init__(file)
        self.budget = budget

    def find_class(self, module: str, name: str) -> Any:
        # Whatever can allocate by a number in the file is wrapped to check that number first.
        if (module, name) == ("builtins", "bytearray"):
            return safe_load.bounded_bytearray(self.budget)
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return safe_load.bounded_tensor_rebuild(self.budget, _ALLOWED[(module, name)])
        if (module, name) in _ALLOWED:
            return _ALLOWED[(module, name)]
        if module == "torch" and isinstance(getattr(torch, name, None), torch.dtype):
            return getattr(torch, name)
        if module.startswith("torch.nn.modules."):
            return _plain_module_class(name)
        if module.split(".")[0] == "numpy" and (found := _numpy_global(module, name)) is not None:
            if name == "_reconstruct":
                return safe_load.bounded_reconstruct(self.budget, found)
            return found
        raise _Refused(f"refused global {module}.{name}")


def _module_state(obj: Any) -> dict:
    if isinstance(obj, (PersistentObject, _PlainModule)):
        return obj.state
    raise _Refused(f"expected a module, found {type(obj).__name__}")


def flat_state_dict(obj: Any, budget: safe_load.Budget, prefix: str = "", depth: int = 0) -> dict[str, torch.Tensor]:
    """Parameters and persistent buffers of a captured module tree, keyed like `Module.state_dict()`."""
    budget.visit(depth)
    state = _module_state(obj)
    skip = set(state.get("_non_persistent_buffers_set") or ())
    out: dict[str, torch.Tensor] = {}
    for group in ("_parameters", "_buffers"):
        for name, tensor in (state.get(group) or {}).items():
            if tensor is None or name in skip:
                continue
            if not isinstance(tensor, torch.Tensor):
                raise _Refused(f"{prefix}{name} is not a tensor")
            # Its bytes came from the file: a tensor larger than the file is a view made to blow up on copy.
            budget.allocation(tensor.numel() * tensor.element_size(), f"tensor {prefix}{name}")
            # detach + clone drops anything the pickle attached to the tensor (hooks, attributes).
            out[prefix + name] = tensor.detach().clone()
    for name, child in (state.get("_modules") or {}).items():
        if child is not None:
            out.update(flat_state_dict(child, budget, f"{prefix}{name}.", depth + 1))
    return out


def _plain(value: Any, budget: safe_load.Budget, depth: int = 0) -> Any:
    """EasyDicts, OrderedDicts and numpy scalars -> plain Python containers and numbers.

    Shared references are copied, so a small pickle of lists of lists can stand for an
    astronomically big tree: the budget stops the walk (and any cycle) long before memory does.
    """
    budget.visit(depth)
    if isinstance(value, dict):
        return {k: _plain(v, budget, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v, budget, depth + 1) for v in value)
    if hasattr(value, "item") and not isinstance(value, torch.Tensor) and getattr(value, "ndim", None) == 0:
        return value.item()
    return value


def _network(obj: PersistentObject, budget: safe_load.Budget) -> dict:
    return {
        "class_name": obj.class_name,
        "init_args": list(_plain(obj.state.get("_init_args") or (), budget)),
        "init_kwargs": _plain(dict(obj.state.get("_init_kwargs") or {}), budget),
        "state_dict": flat_state_dict(obj, budget),
    }


def load_official_pkl(path: str | Path) -> dict:
    """{'G', 'D', 'G_ema'[, 'augment_pipe']: {'init_kwargs', 'state_dict', ...}} plus the pickle's plain keys."""
    path = Path(path)
    if not path.is_file():
        raise TrainerError(f"no such network pickle: {path}")
    budget = safe_load.Budget(path, safe_load.scan_pickle(path))  # size, length and depth, before anything is built
    try:
        with path.open("rb") as f:
            data = _RestrictedUnpickler(f, budget).load()
        if not isinstance(data, dict) or not isinstance(data.get("G_ema"), PersistentObject):
            raise TrainerError(f"{path}: {_REFUSAL} (no G_ema network in it)")
        return {key: _entry(key, value, budget) for key, value in data.items() if not (key in _NETWORK_KEYS and value is None)}
    except TrainerError:
        raise
    except _BROKEN_PICKLE as err:  # refusals included
        raise TrainerError(f"{path}: {_REFUSAL} ({_short(err)})") from None
    except (MemoryError, RecursionError) as err:
        raise TrainerError(f"{path}: {_REFUSAL} (it asks for {'too much memory' if isinstance(err, MemoryError) else 'too deep a nesting'})") from None


def _short(err: BaseException) -> str:
    """The first sentence of an error: torch's loaders append advice to unpickle unsafely, never given here."""
    text = str(err).split("\n")[0]
    if "weights_only" in text or "Weights only" in text:
        return "a tensor in it holds something other than tensor data"
    return text.split(" Please file an issue")[0].split("(1) ")[0].strip()[:200] or type(err).__name__


def _entry(key: str, value: Any, budget: safe_load.Budget) -> Any:
    if key not in _NETWORK_KEYS:
        return _plain(value, budget)
    if not isinstance(value, PersistentObject):
        raise _Refused(f"{key} is not a persistent network")
    return _network(value, budget)
