"""Versioned, immutable dataset manifests: schema, canonical JSON, history, diff and verification.

The names below are imported on first use (PEP 562), so that `manifests.errors` alone does not
build the pydantic models: process workers import curator's errors and never a manifest.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from manifests.model import SCHEMA_VERSION, Candidate, Crop, Detection, Item, Manifest, Provenance, Reason, Review
    from manifests.repo import ManifestRepo

_WHERE = {name: "manifests.model" for name in
          ("SCHEMA_VERSION", "Candidate", "Crop", "Detection", "Item", "Manifest", "Provenance", "Reason", "Review")}
_WHERE["ManifestRepo"] = "manifests.repo"
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'manifests' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value
