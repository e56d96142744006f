"""Pretrained files fetched on first use into a per-user cache, checked against a known sha256.

Nothing is committed to the repository; a user who is offline downloads the file once by hand
and either drops it into the cache folder or names it in curator.toml. $CURATOR_WEIGHTS_MIRROR
fetches every file by name from another place (a mirror inside a network that cannot reach the
public homes, or a local test server); the checksum is the same either way.
"""

from __future__ import annotations

import hashlib
import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from commons.atomic import write_bytes
from commons.hashing import sha256_file


class MissingWeightsError(FileNotFoundError):
    """A pretrained weights file is needed and could not be found or fetched (a user error)."""


@dataclass(frozen=True)
class WeightsFile:
    name: str
    url: str
    sha256: str


def cache_dir() -> Path:
    """$CURATOR_CACHE, else $XDG_CACHE_HOME/curator, else ~/.cache/curator; weights go in its weights/."""
    root = os.environ.get("CURATOR_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "curator"
    return Path(root) / "weights"


def source_url(spec: WeightsFile) -> str:
    """$CURATOR_WEIGHTS_MIRROR/<name> when that is set, else the file's public home."""
    mirror = os.environ.get("CURATOR_WEIGHTS_MIRROR")
    return f"{mirror.rstrip('/')}/{spec.name}" if mirror else spec.url


def resolve(spec: WeightsFile, path: str | os.PathLike[str] | None = None, timeout: float = 30.0) -> Path:
    """The verified local file: `path` if given, else the cached copy, else downloaded into the cache."""
    if path is not None:
        given = Path(path).expanduser()
        if not given.is_file():
            raise MissingWeightsError(f"{given}: no such file (expected {spec.name}, from {spec.url})")
        return given
    target = cache_dir() / spec.name
    if target.is_file() and sha256_file(target) == spec.sha256:
        return target
    url = source_url(spec)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read()
    except OSError as exc:
        raise MissingWeightsError(
            f"{spec.name} is needed and could not be downloaded from {url} ({exc}); fetch {spec.url} and put it at {target}, "
            f"or set its path in curator.toml"
        ) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != spec.sha256:
        raise MissingWeightsError(f"{url}: downloaded file has sha256 {digest[:16]}..., expected {spec.sha256[:16]}...")
    write_bytes(target, data)
    return target
