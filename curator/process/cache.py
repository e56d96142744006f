"""The incremental cache: per source image, what a worker computed under given parameters.

Two layers, each keyed by (source id, hash of exactly the parameters that shaped it):
detections (detector chain settings) and finished results (detection + crop settings).
Thresholds are in neither key, so changing one re-judges cached scores and recomputes
nothing; changing a crop setting re-crops but reuses detections.
Entries are small JSON files written atomically, so an interrupted run leaves only whole entries.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from curator.atomic import write_text

CACHE_VERSION = 1  # bump when worker output changes meaning, to orphan old entries


def params_key(params: dict[str, Any]) -> str:
    text = json.dumps({"cache_version": CACHE_VERSION, **params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


class ResultCache:
    """JSON entries under `root/<name>-<key16>/<id[:2]>/<id>.json`."""

    def __init__(self, root: Path, name: str, key: str) -> None:
        self.folder = Path(root) / f"{name}-{key[:16]}"

    def _path(self, source_id: str) -> Path:
        return self.folder / source_id[:2] / f"{source_id}.json"

    def get(self, source_id: str) -> dict | None:
        try:
            return json.loads(self._path(source_id).read_text(encoding="utf-8"))
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    def put(self, source_id: str, data: dict) -> None:
        write_text(self._path(source_id), json.dumps(data, sort_keys=True))
