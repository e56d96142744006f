"""The embedder registry, in the style of timm's model registry.

A plug-in module declares its `[cluster.<name>]` section and registers a builder with
`@register_embedder("name", SectionClass)`; the builder takes that validated section.
`create_embedder("torchvision:mobilenet_v2", ...)` passes the part after the colon as the
section's `arch`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commons.registry import Registry
from commons.weights import MissingWeightsError, local_file
from curator.cluster.embedders.base import Embedder
from curator.errors import CuratorError
from curator.section import Section, option_error

Builder = Callable[[Any], Embedder]

# Imported on first use; the modules themselves import torch only when a builder runs.
EMBEDDERS: Registry[tuple[type[Section], Builder]] = Registry(modules=(
    "curator.cluster.embedders.clip", "curator.cluster.embedders.torchvision_cnn", "curator.cluster.embedders.pixels"))


def checkpoint_setting(name: str) -> str:
    """Where a user names a weights file for embedder `name`, for error messages."""
    return f"--checkpoint (or [cluster.{name}] checkpoint)"


def checkpoint_file(path: str) -> Path:
    """The weights file a user named with --checkpoint: a wrong path is a wrong option, like the other settings."""
    try:
        return local_file(path, "checkpoint")
    except MissingWeightsError as exc:
        raise CuratorError(str(exc)) from None


def register_embedder(name: str, section: type[Section]) -> Callable[[Builder], Builder]:
    def deco(builder: Builder) -> Builder:
        EMBEDDERS.register(name)((section, builder))
        return builder

    return deco


def list_embedders() -> list[str]:
    return EMBEDDERS.names()


def create_embedder(name: str, section: Section | None = None, **fields: Any) -> Embedder:
    """Build embedder `name` ('clip', 'torchvision:<arch>', ...) from its section (default: the defaults) with `fields` over it."""
    base, _, arch = name.partition(":")
    entry = EMBEDDERS.get(base)
    if entry is None:
        raise CuratorError(f"unknown embedder {name!r}; known: {', '.join(list_embedders())} (and 'torchvision:<classifier>')")
    section_cls, builder = entry
    values = {**(section or section_cls()).model_dump(), **fields, **({"arch": arch} if arch else {})}
    try:  # not Section.override: None is a value here (CLIP's pretrained=None is a random network)
        cfg = section_cls.model_validate(values)
    except ValidationError as exc:
        raise CuratorError(f"embedder {name!r}: {option_error(exc)}") from None
    return builder(cfg)
