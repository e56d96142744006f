"""Content hashes: of bytes, of a file, and of a set of settings (the key a cache is filed under)."""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    # Read in blocks: weights and checkpoints can be larger than memory wants to hold twice.
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def settings_key(settings: Any, length: int = 64) -> str:
    """sha256 of the settings as canonical JSON: equal settings, equal key, whatever the key order."""
    text = json.dumps(settings, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:length]
