"""Statistics of real image sets, cached per (data identity, statistics kind, settings, weights).

Real statistics only change when the data or the protocol change, so each kind is computed once
per dataset and reused by every later evaluation (and every training snapshot). Files are plain
``.npz`` arrays (read with ``allow_pickle=False``) named by the sha256 of their key, with the key
itself beside them as JSON for a human to read.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from commons.atomic import write_bytes, write_text


class StatsCache:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.npz"

    def load(self, key: str) -> dict[str, np.ndarray] | None:
        path = self._path(key)
        if not path.is_file():
            return None
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}

    def save(self, key: str, arrays: dict[str, np.ndarray], description: dict[str, Any]) -> None:
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_bytes(self._path(key), buf.getvalue())
        write_text(self.root / f"{key}.json", json.dumps(description, indent=1, sort_keys=True) + "\n")
