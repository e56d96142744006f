"""Re-hash every object a manifest references and name each missing or changed one."""

from __future__ import annotations

from pathlib import Path

from commons.hashing import sha256_file
from manifests.model import Manifest, object_path


def verify(manifest: Manifest, workspace_root: str | Path) -> list[tuple[str, str, str]]:
    """Return (item id, object path, 'missing' | 'changed') for every bad object."""
    root = Path(workspace_root)
    problems = []
    for item in manifest.items:
        if item.object is None:
            continue
        # The store's own path for the id, never the manifest's text (a loaded Item guarantees they agree).
        path = root / object_path(item.id)
        if not path.is_file():
            problems.append((item.id, item.object, "missing"))
        elif sha256_file(path) != item.id:
            problems.append((item.id, item.object, "changed"))
    return problems
