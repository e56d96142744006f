"""Versioned, immutable dataset manifests: schema, canonical JSON, history, diff and verification."""

from manifests.model import SCHEMA_VERSION, Candidate, Crop, Detection, Item, Manifest, Provenance, Reason, Review
from manifests.repo import ManifestRepo

__all__ = ["SCHEMA_VERSION", "Candidate", "Crop", "Detection", "Item", "Manifest", "ManifestRepo", "Provenance", "Reason", "Review"]
