"""The embedder registry, in the style of timm's model registry.

A plug-in module registers a builder with `@register_embedder("name", ConfigClass)`; the
builder takes that plain typed config. `create_embedder("torchvision:mobilenet_v2", ...)`
passes the part after the colon as the config's `arch`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from commons.registry import Registry
from commons.weights import MissingWeightsError, local_file
from curator.cluster.embedders.base import Embedder
from curator.errors import CuratorError

Builder = Callable[[Any], Embedder]

# Imported on first use so that the registry fills without importing torch at CLI start.
EMBEDDERS: Registry[tuple[type, Builder]] = Registry(modules=(
    "curator.cluster.embedders.clip", "curator.cluster.embedders.torchvision_cnn", "curator.cluster.embedders.pixels"))


CHECKPOINT_SETTING = "--checkpoint (or [cluster] checkpoint)"


def checkpoint_file(path: str) -> Path:
    """The weights file a user named with --checkpoint: a wrong path is a wrong option, like the other settings."""
    try:
        return local_file(path, "checkpoint")
    except MissingWeightsError as exc:
        raise CuratorError(str(exc)) from None


def register_embedder(name: str, config_cls: type) -> Callable[[Builder], Builder]:
    def deco(builder: Builder) -> Builder:
        EMBEDDERS.register(name)((config_cls, builder))
        return builder

    return deco


def _entry(name: str) -> tuple[type, Builder, dict[str, Any]]:
    base, _, arg = name.partition(":")
    entry = EMBEDDERS.get(base)
    if entry is None:
        raise CuratorError(f"unknown embedder {name!r}; known: {', '.join(list_embedders())} (and 'torchvision:<classifier>')")
    config_cls, builder = entry
    return config_cls, builder, ({"arch": arg} if arg else {})


def list_embedders() -> list[str]:
    return EMBEDDERS.names()


def create_embedder(name: str, **cfg: Any) -> Embedder:
    """Build the embedder `name` ('clip', 'resnet50', 'torchvision:<arch>', ...) from its config fields."""
    config_cls, builder, implied = _entry(name)
    try:
        config = config_cls(**{**cfg, **implied})
    except TypeError as exc:
        raise CuratorError(f"embedder {name!r}: {exc}") from None
    return builder(config)


def create_embedder_from(name: str, options: dict[str, Any]) -> Embedder:
    """Like `create_embedder`, taking from `options` only the fields this embedder's config has."""
    config_cls, _, _ = _entry(name)
    fields = {f.name for f in dataclasses.fields(config_cls)}
    return create_embedder(name, **{k: v for k, v in options.items() if k in fields})
