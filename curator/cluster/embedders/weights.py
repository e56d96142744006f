"""Finding pretrained weights without ever hanging: the cache first, then a quick network probe.

Libraries retry downloads for tens of seconds when offline. Curator checks the cache file
itself and probes the host once; with neither it stops at once and says which file to put where.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from urllib.parse import urlparse

from commons.hashing import sha256_file
from curator.errors import CuratorError, MissingWeightsError


def host_reachable(url: str, timeout: float = 3.0) -> bool:
    host = urlparse(url).hostname or url
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def missing_weights(filename: str, folder: Path | str, source: str) -> MissingWeightsError:
    return MissingWeightsError(
        f"weights file {filename} is not in {folder} and {source} cannot be reached: "
        f"copy the file there, or pass a local file with --checkpoint (or [cluster] checkpoint)"
    )


def local_checkpoint(path: str) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise CuratorError(f"checkpoint {p}: no such file")
    return p


def file_digest(path: Path) -> str:
    """Short content id of a checkpoint, so the cache key changes when the file does."""
    return sha256_file(path)[:16]


def hf_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")
