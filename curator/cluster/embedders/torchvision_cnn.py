"""torchvision classifiers as embedders: ResNet-50 (YuruGAN's feature), Sobel edges into a CNN, any classifier by name.

The classifier's last linear layer is replaced by identity, so the embedding is the pooled
feature the ImageNet head would have read (2048-d for ResNet-50, 1280-d for MobileNetV2).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field

from commons.hashing import sha256_file
from commons.weights import WeightsFile, resolve
from curator.cluster.embedders.base import Embedder, ImagePrep
from curator.cluster.embedders.registry import checkpoint_file, checkpoint_setting, register_embedder
from curator.errors import CuratorError
from curator.section import Section

if TYPE_CHECKING:
    import torch


class ClassifierSection(Section):
    """[cluster.resnet50], and what [cluster.sobel] and [cluster.torchvision] have too."""

    pretrained: bool = Field(True, description="ImageNet weights; false: random initialisation (seeded), for tests.")
    checkpoint: str | None = Field(None, description="Local weights file (the classifier's state_dict) instead of torchvision's download.")
    image_size: int = Field(224, ge=8, description="Input size (shorter side resized, then centre-cropped).")


class SobelSection(ClassifierSection):
    backbone: str = Field("resnet50", description="torchvision classifier the Sobel edge images are fed to.")


class TorchvisionSection(ClassifierSection):
    arch: str = Field("mobilenet_v2", description="torchvision classifier; embedder = 'torchvision:<arch>' names it too.")


@register_embedder("torchvision", TorchvisionSection)
def build_torchvision(cfg: TorchvisionSection) -> Embedder:
    model, identity = load_classifier(cfg.arch, cfg, "torchvision")
    return Embedder(f"torchvision:{cfg.arch}", identity, model, ImagePrep(cfg.image_size))


@register_embedder("resnet50", ClassifierSection)
def build_resnet50(cfg: ClassifierSection) -> Embedder:
    model, identity = load_classifier("resnet50", cfg, "resnet50")
    return Embedder("resnet50", identity, model, ImagePrep(cfg.image_size))


@register_embedder("sobel", SobelSection)
def build_sobel(cfg: SobelSection) -> Embedder:
    model, identity = load_classifier(cfg.backbone, cfg, "sobel")
    return Embedder("sobel", f"sobel|{identity}", model, ImagePrep(cfg.image_size, edges=True))


def load_classifier(arch: str, cfg: ClassifierSection, embedder: str) -> tuple[torch.nn.Module, str]:
    """The classifier without its last linear layer, and a string naming the exact weights."""
    import torch
    from torchvision import models

    if arch not in models.list_models(module=models):
        raise CuratorError(f"{arch!r} is not a torchvision classifier (e.g. resnet50, mobilenet_v2, efficientnet_b0, convnext_tiny)")
    if cfg.checkpoint:
        path = checkpoint_file(cfg.checkpoint)
        model = models.get_model(arch, weights=None)
        model.load_state_dict(_state_dict(path))
        identity = f"torchvision:{arch}:ckpt-{sha256_file(path)[:16]}"
    elif cfg.pretrained:
        weights = _pick_weights(models.get_model_weights(arch), embedder)
        model = models.get_model(arch, weights=weights)
        identity = f"torchvision:{arch}:{weights}"
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            model = models.get_model(arch, weights=None)
        identity = f"torchvision:{arch}:random0"
    _drop_head(model, arch)
    return model, identity


def _state_dict(path: Path) -> dict:
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CuratorError(f"checkpoint {path}: cannot be read as PyTorch weights ({exc})") from None
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return state


def _pick_weights(enum, embedder: str):
    """The default ImageNet weights, else any other release of them already in torch's cache; fetched if neither."""
    import torch

    folder = Path(torch.hub.get_dir()) / "checkpoints"
    candidates = [enum.DEFAULT, *(w for w in enum if w != enum.DEFAULT)]
    for weights in candidates:
        if (folder / _filename(weights.url)).is_file():
            return weights
    # Fetched here, not by torchvision, so that offline it fails at once naming the file and the folder.
    name = _filename(enum.DEFAULT.url)
    prefix = re.search(r"-([a-f0-9]*)\.", name)  # torch.hub's convention: 'name-<sha256 prefix>.pth'
    resolve(WeightsFile(name, enum.DEFAULT.url, prefix.group(1) if prefix else "", setting=checkpoint_setting(embedder)), folder=folder, timeout=60.0)
    return enum.DEFAULT


def _filename(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _drop_head(model: torch.nn.Module, arch: str) -> None:
    import torch

    linears = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    if not linears:
        raise CuratorError(f"{arch!r} has no linear classification head to take features before")
    parent_name, _, child = linears[-1].rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, torch.nn.Identity())
