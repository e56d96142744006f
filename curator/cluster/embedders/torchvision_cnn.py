"""torchvision classifiers as embedders: ResNet-50 (YuruGAN's feature), Sobel edges into a CNN, any classifier by name.

The classifier's last linear layer is replaced by identity, so the embedding is the pooled
feature the ImageNet head would have read (2048-d for ResNet-50, 1280-d for MobileNetV2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import torch

from curator.cluster.embedders.base import Embedder, ImagePrep
from commons.hashing import sha256_file
from commons.weights import WeightsFile, resolve
from curator.cluster.embedders.registry import CHECKPOINT_SETTING, checkpoint_file, register_embedder
from curator.errors import CuratorError


@dataclass(frozen=True)
class TorchvisionConfig:
    arch: str = "mobilenet_v2"
    pretrained: bool = True  # False: random initialisation (seeded), for tests
    checkpoint: str | None = None
    image_size: int = 224


@dataclass(frozen=True)
class ResNet50Config:
    pretrained: bool = True
    checkpoint: str | None = None
    image_size: int = 224


@dataclass(frozen=True)
class SobelConfig:
    sobel_backbone: str = "resnet50"
    pretrained: bool = True
    checkpoint: str | None = None
    image_size: int = 224


@register_embedder("torchvision", TorchvisionConfig)
def build_torchvision(cfg: TorchvisionConfig) -> Embedder:
    model, identity = load_classifier(cfg.arch, cfg.pretrained, cfg.checkpoint)
    return Embedder(f"torchvision:{cfg.arch}", identity, model, ImagePrep(cfg.image_size))


@register_embedder("resnet50", ResNet50Config)
def build_resnet50(cfg: ResNet50Config) -> Embedder:
    model, identity = load_classifier("resnet50", cfg.pretrained, cfg.checkpoint)
    return Embedder("resnet50", identity, model, ImagePrep(cfg.image_size))


@register_embedder("sobel", SobelConfig)
def build_sobel(cfg: SobelConfig) -> Embedder:
    model, identity = load_classifier(cfg.sobel_backbone, cfg.pretrained, cfg.checkpoint)
    return Embedder("sobel", f"sobel|{identity}", model, ImagePrep(cfg.image_size, edges=True))


def load_classifier(arch: str, pretrained: bool, checkpoint: str | None) -> tuple[torch.nn.Module, str]:
    """The classifier without its last linear layer, and a string naming the exact weights."""
    from torchvision import models

    if arch not in models.list_models(module=models):
        raise CuratorError(f"{arch!r} is not a torchvision classifier (e.g. resnet50, mobilenet_v2, efficientnet_b0, convnext_tiny)")
    if checkpoint:
        path = checkpoint_file(checkpoint)
        model = models.get_model(arch, weights=None)
        model.load_state_dict(_state_dict(path))
        identity = f"torchvision:{arch}:ckpt-{sha256_file(path)[:16]}"
    elif pretrained:
        weights = _pick_weights(models.get_model_weights(arch))
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
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise CuratorError(f"checkpoint {path}: cannot be read as PyTorch weights ({exc})") from None
    for key in ("state_dict", "model"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
    return state


def _pick_weights(enum):
    """The default ImageNet weights, else any other release of them already in torch's cache; fetched if neither."""
    folder = Path(torch.hub.get_dir()) / "checkpoints"
    candidates = [enum.DEFAULT, *(w for w in enum if w != enum.DEFAULT)]
    for weights in candidates:
        if (folder / _filename(weights.url)).is_file():
            return weights
    # Fetched here, not by torchvision, so that offline it fails at once naming the file and the folder.
    name = _filename(enum.DEFAULT.url)
    prefix = re.search(r"-([a-f0-9]*)\.", name)  # torch.hub's convention: 'name-<sha256 prefix>.pth'
    resolve(WeightsFile(name, enum.DEFAULT.url, prefix.group(1) if prefix else "", setting=CHECKPOINT_SETTING), folder=folder, timeout=60.0)
    return enum.DEFAULT


def _filename(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _drop_head(model: torch.nn.Module, arch: str) -> None:
    linears = [name for name, m in model.named_modules() if isinstance(m, torch.nn.Linear)]
    if not linears:
        raise CuratorError(f"{arch!r} has no linear classification head to take features before")
    parent_name, _, child = linears[-1].rpartition(".")
    parent = model.get_submodule(parent_name) if parent_name else model
    setattr(parent, child, torch.nn.Identity())
