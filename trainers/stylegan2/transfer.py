"""Transfer learning: the source network's architecture, the copy, and an account of what was copied.

Official issue #279: starting `--cfg auto` (2 mapping layers) from an 8-layer source silently
left six mapping layers at their random init. Here the architecture comes from the source's own
constructor arguments unless the user overrides it, and a copy that leaves any synthesis or
mapping tensor fresh is refused with one line naming the mismatch, unless the user asks for a
partial transfer. The only expected fresh tensors are the ones a different class count changes
(G's label embedding and first mapping layer, D's conditioning mapping and output).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from trainers.errors import TrainerError


@functools.lru_cache(maxsize=1)
def _load(path: str, mtime: float) -> dict:
    from trainers.stylegan2 import checkpoint

    return checkpoint.load_networks(path)


def source_networks(source: str | Path) -> dict:
    """{'G_ema', 'D'?, ...: {'init_kwargs', 'state_dict'}} of a snapshot, run folder, official or TF pickle.

    Kept for the one source in use, so reading the architecture and copying the weights load it once.
    """
    from trainers.stylegan2 import checkpoint

    path = checkpoint.snapshot_path(Path(source))
    return _load(str(path), path.stat().st_mtime)


def source_architecture(nets: dict) -> dict:
    """The TrainOptions fields that make curator's networks the same shape as the source's."""
    g = nets["G_ema"]["init_kwargs"]
    mapping, synthesis = g.get("mapping_kwargs") or {}, g.get("synthesis_kwargs") or {}
    arch = {"z_dim": g["z_dim"], "w_dim": g["w_dim"], "img_channels": g["img_channels"],
            "map_layers": mapping.get("num_layers", 8),
            "channel_base": synthesis.get("channel_base", 32768), "channel_max": synthesis.get("channel_max", 512)}
    if "D" in nets:
        arch["d_architecture"] = nets["D"]["init_kwargs"].get("architecture", "resnet")
    return arch


@dataclass
class NetCopy:
    copied: int
    total: int
    fresh: list[str] = field(default_factory=list)        # names left at their init
    mismatches: list[str] = field(default_factory=list)   # 'name: source [..] here [..]' or 'name: not in the source'


@dataclass
class TransferReport:
    G: NetCopy
    D: NetCopy | None

    def summary(self) -> str:
        d = f"{self.D.copied} of {self.D.total} D tensors" if self.D else "no D in the source (D starts fresh)"
        return f"transfer: copied {self.G.copied} of {self.G.total} G tensors, {d}"


def _copy(dst: nn.Module, src: dict[str, torch.Tensor], expected_fresh: tuple[str, ...]) -> NetCopy:
    own = dst.state_dict()
    out = NetCopy(copied=0, total=len(own))
    with torch.no_grad():
        for key, tensor in own.items():
            theirs = src.get(key)
            if theirs is not None and tuple(theirs.shape) == tuple(tensor.shape):
                tensor.copy_(theirs)
                out.copied += 1
                continue
            out.fresh.append(key)
            if key.startswith(expected_fresh):
                continue
            out.mismatches.append(f"{key}: not in the source" if theirs is None else
                                  f"{key}: source {list(theirs.shape)}, here {list(tensor.shape)}")
    return out


def copy_weights(G: nn.Module, D: nn.Module, nets: dict) -> TransferReport:
    """Copy every tensor whose name and shape match (G from the source's G_ema, as the official code does)."""
    g_src = nets["G_ema"]
    classes_differ = int(g_src["init_kwargs"].get("c_dim", 0)) != int(G.c_dim)
    g_fresh = ("mapping.embed.", "mapping.fc0.") if classes_differ else ()
    d_fresh = ("mapping.", "b4.out.") if classes_differ else ()
    g = _copy(G, g_src["state_dict"], g_fresh)
    d = _copy(D, nets["D"]["state_dict"], d_fresh) if "D" in nets else None
    return TransferReport(g, d)


def check(report: TransferReport, source: str, partial: bool) -> None:
    """Refuse (one line) when synthesis, mapping or D layers stayed fresh, unless a partial transfer is wanted."""
    problems = report.G.mismatches + ([f"D.{m}" for m in report.D.mismatches] if report.D else [])
    if problems and not partial:
        raise TrainerError(
            f"--transfer {source}: {len(problems)} tensors would stay untrained because the networks differ "
            f"(first: {problems[0]}); drop the architecture options that differ, or pass --transfer-partial")


def start_from(source: str, G: nn.Module, D: nn.Module, partial: bool = False) -> TransferReport:
    report = copy_weights(G, D, source_networks(source))
    _load.cache_clear()  # the copy is made: do not hold a second set of weights for the whole run
    check(report, source, partial)
    return report
