"""Bounds on what a checkpoint file can make this process do: read, allocate, nest or construct.

Checkpoints come from other people. None of the loaders runs code from a file (the official
pickle reader refuses every global it does not know), but a file can still ask for a lot: a
"billion laughs" of shared lists, a 40 GiB bytearray, a safetensors header claiming 2^62
bytes, a snapshot whose JSON asks for 100,000 mapping layers. Every such request is checked
here before it is honoured, and refused with one line (a TrainerError) naming the file.
"""

from __future__ import annotations

import json
import math
import pickletools
import struct
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from trainers.errors import TrainerError

# Official pickles: FFHQ 1024 with G, D and G_ema is about 380 MB; room for bigger, not for absurd.
MAX_PICKLE_BYTES = 2 << 30
# Opcodes of a pickle: each creates at most one object (an official pickle has tens of thousands).
MAX_PICKLE_OPS = 2_000_000
# Unfinished containers on the unpickler's stack, and marks (a normal pickle needs a few dozen).
MAX_PICKLE_STACK = 20_000
MAX_PICKLE_MARKS = 1_000
# Containers visited when a loaded pickle is turned into plain values, and how deep they nest.
MAX_NODES = 100_000
MAX_DEPTH = 64
# The JSON beside a snapshot, and a safetensors header (safetensors' own limit is 100 MB).
MAX_JSON_BYTES = 16 << 20
MAX_HEADER_BYTES = 100 << 20
# A resume state: optimiser moments of G and D plus the networks, for a 1024 px run.
MAX_RESUME_BYTES = 16 << 30

_DTYPE_BYTES = {"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
                "I32": 4, "U32": 4, "F32": 4, "I64": 8, "U64": 8, "F64": 8}


def _size_of(path: Path, limit: int, what: str) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise TrainerError(f"{path}: cannot read ({exc.strerror})") from None
    if size > limit:
        raise TrainerError(f"{path}: {size:,} bytes is more than any {what} needs (limit {limit:,}); refusing to read it")
    return size


# ---------------------------------------------------------------------------------------------
# Pickles


def scan_pickle(path: Path) -> int:
    """Walk the opcodes without building anything; refuse a pickle too big, too long or too deep.

    Returns the file size, which also bounds every honest allocation the pickle can ask for
    (its tensors' bytes are inside it).
    """
    size = _size_of(path, MAX_PICKLE_BYTES, "network pickle")
    ops = height = 0
    marks: list[int] = []
    try:
        with path.open("rb") as fh:
            for op, _arg, _pos in pickletools.genops(fh):
                ops += 1
                if ops > MAX_PICKLE_OPS:
                    raise TrainerError(f"{path}: more than {MAX_PICKLE_OPS:,} pickle operations; not a network pickle")
                before, after = op.stack_before, op.stack_after
                if op.name == "MARK":
                    marks.append(height)
                    if len(marks) > MAX_PICKLE_MARKS:
                        raise TrainerError(f"{path}: pickle nested more than {MAX_PICKLE_MARKS} deep; refusing it")
                elif pickletools.markobject in before:
                    if not marks:
                        raise TrainerError(f"{path}: damaged pickle (a container without its mark)")
                    height = marks.pop() - before.index(pickletools.markobject) + len(after)
                else:
                    height += len(after) - len(before)
                if height > MAX_PICKLE_STACK:
                    raise TrainerError(f"{path}: pickle holds more than {MAX_PICKLE_STACK:,} unfinished objects; refusing it")
                if op.name == "STOP":
                    break
    except TrainerError:
        raise
    except (ValueError, EOFError, OSError) as exc:  # genops on a truncated or foreign file
        raise TrainerError(f"{path}: not a pickle, or a damaged one ({exc})") from None
    return size


class Budget:
    """Limits for turning unpickled objects into plain values; shared across one file's walk."""

    def __init__(self, source: Path, max_bytes: int) -> None:
        self.source, self.max_bytes = source, max_bytes
        self.nodes = 0

    def visit(self, depth: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise TrainerError(f"{self.source}: more than {MAX_NODES:,} objects once unpacked (a pickle bomb?); refusing it")
        if depth > MAX_DEPTH:
            raise TrainerError(f"{self.source}: objects nested more than {MAX_DEPTH} deep (or a cycle); refusing it")

    def allocation(self, nbytes: int, what: str) -> None:
        if nbytes > self.max_bytes:
            raise TrainerError(f"{self.source}: {what} of {nbytes:,} bytes is larger than the file itself; refusing it")


def bounded_bytearray(budget: Budget):
    """`bytearray` for the unpickler: bytearray(n) may not ask for more than the file holds."""

    def make(*args: Any) -> bytearray:
        if args and isinstance(args[0], int):
            budget.allocation(args[0], "a bytearray")
        if args and isinstance(args[0], (list, tuple)):
            budget.allocation(len(args[0]), "a bytearray")
        return bytearray(*args)

    return make


def bounded_reconstruct(budget: Budget, reconstruct):
    """numpy's `_reconstruct(subtype, shape, dtype)` for the unpickler, refusing absurd shapes."""

    def make(subtype: Any, shape: Any, dtype: Any) -> Any:
        import numpy as np

        dims = shape if isinstance(shape, (tuple, list)) else (shape,)
        if not all(isinstance(d, int) and d >= 0 for d in dims):
            raise TrainerError(f"{budget.source}: numpy array with shape {shape!r}; refusing it")
        budget.allocation(math.prod(dims) * np.dtype(dtype).itemsize, "a numpy array")
        return reconstruct(subtype, shape, dtype)

    return make


def bounded_tensor_rebuild(budget: Budget, rebuild):
    """torch's `_rebuild_tensor*` for the unpickler: the view must lie inside its storage."""

    def make(storage: Any, offset: Any, size: Any, stride: Any, *rest: Any) -> Any:
        dims, steps = tuple(size), tuple(stride)
        if (not all(isinstance(d, int) and d >= 0 for d in dims + steps + (offset,)) or len(dims) != len(steps)
                or len(dims) > 8):
            raise TrainerError(f"{budget.source}: tensor with size {size!r}, stride {stride!r}; refusing it")
        try:
            item = int(storage.element_size())
        except Exception:  # not a typed storage: torch's own checks decide
            item = 1
        budget.allocation(math.prod(dims) * item, "a tensor")
        return rebuild(storage, offset, size, stride, *rest)

    return make


# ---------------------------------------------------------------------------------------------
# safetensors and the snapshot JSON


def check_safetensors(path: Path) -> None:
    """Refuse a safetensors file whose header is too big, too deep, or whose tensors do not fit the file."""
    size = _size_of(path, 1 << 40, "snapshot")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
            if len(head) < 8:
                raise TrainerError(f"{path}: too short for a safetensors file")
            (n,) = struct.unpack("<Q", head)
            if n > min(MAX_HEADER_BYTES, size - 8):
                raise TrainerError(f"{path}: safetensors header of {n:,} bytes (limit {MAX_HEADER_BYTES:,}, file "
                                   f"{size:,}); not a snapshot, or a damaged one")
            raw = fh.read(n)
    except OSError as exc:
        raise TrainerError(f"{path}: cannot read ({exc.strerror})") from None
    header = _json(raw, path, "safetensors header")
    if not isinstance(header, dict):
        raise TrainerError(f"{path}: safetensors header is not a JSON object")
    data_bytes = size - 8 - n
    for name, entry in header.items():
        if name == "__metadata__":
            if not isinstance(entry, dict) or not all(isinstance(v, str) for v in entry.values()):
                raise TrainerError(f"{path}: safetensors metadata must map names to strings")
            continue
        problem = _tensor_entry_problem(entry, data_bytes)
        if problem:
            raise TrainerError(f"{path}: tensor {str(name)[:80]!r}: {problem}")


def _tensor_entry_problem(entry: Any, data_bytes: int) -> str | None:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        return "not a tensor entry (dtype, shape, data_offsets)"
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in _DTYPE_BYTES:
        return f"unknown dtype {str(dtype)[:20]!r}"
    if not (isinstance(shape, list) and len(shape) <= 8 and all(isinstance(d, int) and 0 <= d < 1 << 40 for d in shape)):
        return f"shape {str(shape)[:80]} is not a list of at most 8 sizes"
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(isinstance(o, int) for o in offsets)
            and 0 <= offsets[0] <= offsets[1] <= data_bytes):
        return f"data offsets {str(offsets)[:80]} lie outside the file's {data_bytes:,} data bytes"
    need = math.prod(shape) * _DTYPE_BYTES[dtype]
    if need != offsets[1] - offsets[0]:
        return f"shape {shape} of {dtype} needs {need:,} bytes, the offsets give {offsets[1] - offsets[0]:,}"
    return None


def _json(raw: bytes | str, path: Path, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrainerError(f"{path}: {what} is not valid JSON ({str(exc)[:100]})") from None
    except RecursionError:
        raise TrainerError(f"{path}: {what} nests too deeply; refusing it") from None


def read_json(path: Path, what: str = "snapshot description") -> dict:
    """A small JSON object from a file (a snapshot's .json, a run's config.json), or one line why not."""
    _size_of(path, MAX_JSON_BYTES, what)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TrainerError(f"{path}: missing (every snapshot .safetensors has a .json beside it)") from None
    except OSError as exc:
        raise TrainerError(f"{path}: cannot read ({exc.strerror})") from None
    data = _json(raw, path, what)
    if not isinstance(data, dict):
        raise TrainerError(f"{path}: {what} must be a JSON object")
    return data


# ---------------------------------------------------------------------------------------------
# Network constructor arguments: what a snapshot or pickle may ask the constructors to build


class _Kwargs(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class MappingKwargs(_Kwargs):
    num_layers: int = Field(8, ge=1, le=16)
    embed_features: int | None = Field(None, ge=1, le=4096)
    layer_features: int | None = Field(None, ge=1, le=4096)
    activation: Literal["lrelu", "linear", "relu"] = "lrelu"
    lr_multiplier: float = Field(0.01, gt=0, le=100)
    w_avg_beta: float | None = Field(0.995, ge=0, le=1)


class SynthesisKwargs(_Kwargs):
    channel_base: int = Field(32768, ge=1, le=1 << 20)
    channel_max: int = Field(512, ge=1, le=4096)
    num_fp16_res: int = Field(0, ge=0, le=10)
    conv_clamp: float | None = Field(None, ge=0)
    architecture: Literal["skip"] = "skip"
    resample_filter: list[int] | None = Field(None, max_length=16)
    kernel_size: int | None = Field(None, ge=1, le=7)
    use_noise: bool | None = None


def _power_of_two(value: int) -> int:
    if value & (value - 1):
        raise ValueError(f"must be a power of two from 4 to 1024, not {value}")
    return value


Resolution = Annotated[int, Field(ge=4, le=1024), AfterValidator(_power_of_two)]  # G's and D's img_resolution


class GeneratorKwargs(_Kwargs):
    z_dim: int = Field(ge=0, le=4096)
    c_dim: int = Field(ge=0, le=100_000)
    w_dim: int = Field(ge=1, le=4096)
    img_resolution: Resolution
    img_channels: int = Field(ge=1, le=4)
    mapping_kwargs: MappingKwargs | None = None
    synthesis_kwargs: SynthesisKwargs | None = None


class DiscriminatorBlockKwargs(_Kwargs):
    resample_filter: list[int] | None = Field(None, max_length=16)


class EpilogueKwargs(_Kwargs):
    mbstd_group_size: int | None = Field(4, ge=1, le=1024)
    mbstd_num_channels: int = Field(1, ge=0, le=64)


class DiscriminatorKwargs(_Kwargs):
    c_dim: int = Field(ge=0, le=100_000)
    img_resolution: Resolution
    img_channels: int = Field(ge=1, le=4)
    architecture: Literal["resnet", "orig"] = "resnet"
    channel_base: int = Field(32768, ge=1, le=1 << 20)
    channel_max: int = Field(512, ge=1, le=4096)
    num_fp16_res: int = Field(0, ge=0, le=10)
    conv_clamp: float | None = Field(None, ge=0)
    cmap_dim: int | None = Field(None, ge=1, le=4096)
    block_kwargs: DiscriminatorBlockKwargs | None = None
    mapping_kwargs: MappingKwargs | None = None
    epilogue_kwargs: EpilogueKwargs | None = None


def check_kwargs(name: str, kwargs: Any, source: Path | str) -> dict:
    """`kwargs` for network `name` ('G', 'G_ema' or 'D'), checked against the constructor's schema and ranges."""
    return check_with_schema(DiscriminatorKwargs if name == "D" else GeneratorKwargs, name, kwargs, source,
                             "not a network this trainer can build")


def check_with_schema(schema: type[BaseModel], name: str, kwargs: Any, source: Path | str, otherwise: str) -> dict:
    """`kwargs` validated by `schema` (fields set by the file only); the first problem in one line ending in `otherwise`."""
    if not isinstance(kwargs, dict):
        raise TrainerError(f"{source}: {name} constructor arguments must be a JSON object, not {type(kwargs).__name__}")
    try:
        return schema.model_validate(kwargs).model_dump(exclude_unset=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise TrainerError(f"{source}: {name} constructor argument {where}: {first['msg'].removeprefix('Value error, ')}"
                           f" ({exc.error_count()} problem(s)); {otherwise}") from None


def load_state(module: Any, state: dict, name: str, source: Path | str) -> None:
    """`module.load_state_dict(state)`, with a mismatch said in one line instead of torch's list."""
    own = module.state_dict()
    missing = [k for k in own if k not in state]
    unexpected = [k for k in state if k not in own]
    wrong = [k for k in own if k in state and tuple(state[k].shape) != tuple(own[k].shape)]
    if missing or unexpected or wrong:
        example = (f"{wrong[0]} is {tuple(state[wrong[0]].shape)}, the network has {tuple(own[wrong[0]].shape)}" if wrong
                   else f"{(missing or unexpected)[0]} {'missing' if missing else 'unexpected'}")
        raise TrainerError(f"{source}: the {name} weights do not fit the network its arguments describe "
                           f"({len(missing)} missing, {len(unexpected)} unexpected, {len(wrong)} of the wrong shape; "
                           f"e.g. {example})")
    module.load_state_dict(state)


# ---------------------------------------------------------------------------------------------
# The resume state

RESUME_KEYS = {"counters": dict, "G": dict, "D": dict, "G_ema": dict, "opt": dict, "rng": dict}


def damaged_resume(path: Path, why: str) -> TrainerError:
    snapshots = sorted(path.parent.glob("network-snapshot-*.safetensors"))
    advice = (f"start a new run from the last snapshot with --transfer {snapshots[-1]}" if snapshots
              else "start the run again")
    return TrainerError(f"{path}: damaged resume state ({why}); it cannot be continued: move it away and {advice}")


def load_resume(path: Path) -> dict:
    """The resume state, loaded with torch's weights-only unpickler, checked for the keys a resume needs."""
    import torch

    size = _size_of(path, MAX_RESUME_BYTES, "resume state")
    if size == 0:
        raise damaged_resume(path, "empty file")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except MemoryError:
        raise damaged_resume(path, "it asks for more memory than there is") from None
    except Exception as exc:  # torch raises many types for a damaged file; its advice to unpickle unsafely is not given
        reason = str(exc).split("\n")[0].split(". ")[0][:160] or type(exc).__name__
        if "weights_only" in reason or "Weights only" in reason:
            reason = "it holds something other than tensors and numbers"
        raise damaged_resume(path, f"{type(exc).__name__}: {reason}") from None
    if not isinstance(state, dict):
        raise damaged_resume(path, f"a {type(state).__name__}, not a dict")
    for key, kind in RESUME_KEYS.items():
        if not isinstance(state.get(key), kind):
            raise damaged_resume(path, f"no {key!r} entry")
    return state

