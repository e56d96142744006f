"""Pretrained files fetched on first use into a cache folder, checked against a known sha256.

Every weights file goes through `resolve`: the detectors' cascade, Inception for FID, the
torchvision classifiers the embedders use. CLIP's come through the Hugging Face cache, which
is not a plain folder; it uses `host_reachable` and `unavailable` from here, so that it fails
as fast and in the same words. Nothing is committed to the repository; a user who is offline
downloads the file once by hand and either drops it into the cache folder or gives its path.
$CURATOR_WEIGHTS_MIRROR fetches every file by name from another place (a mirror inside a
network that cannot reach the public homes, or a local test server); the checksum is the same.
"""

from __future__ import annotations

import hashlib
import os
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from commons.atomic import atomic_open
from commons.hashing import sha256_file


class MissingWeightsError(FileNotFoundError):
    """A pretrained weights file is needed and could not be found or fetched (a user error)."""


@dataclass(frozen=True)
class WeightsFile:
    name: str
    url: str
    sha256: str  # the whole digest, or its first hex digits (torch.hub names files by a prefix); '' checks nothing
    setting: str = "curator.toml"  # where a user gives the path of a copy fetched by hand


def cache_dir() -> Path:
    """$CURATOR_CACHE, else $XDG_CACHE_HOME/curator, else ~/.cache/curator; weights go in its weights/."""
    root = os.environ.get("CURATOR_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "curator"
    return Path(root) / "weights"


def source_url(spec: WeightsFile) -> str:
    """$CURATOR_WEIGHTS_MIRROR/<name> when that is set, else the file's public home."""
    mirror = os.environ.get("CURATOR_WEIGHTS_MIRROR")
    return f"{mirror.rstrip('/')}/{spec.name}" if mirror else spec.url


def host_reachable(url: str, timeout: float = 3.0) -> bool:
    """One connection to the URL's host. Offline, downloaders retry for tens of seconds; this knows in a few."""
    parts = urlparse(url)
    port = parts.port or (80 if parts.scheme == "http" else 443)
    try:
        with socket.create_connection((parts.hostname or url, port), timeout=timeout):
            return True
    except OSError:
        return False


def local_file(path: str | os.PathLike[str], what: str) -> Path:
    """A path the user gave, which must be a file."""
    given = Path(path).expanduser()
    if not given.is_file():
        raise MissingWeightsError(f"{what} not found: {given}: no such file")
    return given


def unavailable(spec: WeightsFile, source: str, reason: str, target: Path | None) -> MissingWeightsError:
    """The one offline message: which file, from where, and where to put it (or give its path)."""
    home = "" if source == spec.url else f" from {spec.url}"
    put = f"put it at {target}, or " if target is not None else ""
    return MissingWeightsError(f"{spec.name} is needed and could not be downloaded from {source} ({reason}); "
                               f"fetch it{home} by hand and {put}give its path in {spec.setting}")


def resolve(spec: WeightsFile, path: str | os.PathLike[str] | None = None, folder: str | os.PathLike[str] | None = None,
            timeout: float = 30.0) -> Path:
    """The verified local file: `path` if given, else the copy in `folder` (default: the cache), else downloaded there."""
    if path is not None:
        return local_file(path, f"{spec.name} (given in {spec.setting})")
    target = Path(folder if folder is not None else cache_dir()) / spec.name
    if target.is_file() and sha256_file(target).startswith(spec.sha256):
        return target
    url = source_url(spec)
    if not host_reachable(url, min(timeout, 3.0)):
        raise unavailable(spec, url, "the host cannot be reached", target)
    try:
        _download(url, target, spec.sha256, timeout)
    except MissingWeightsError:
        raise
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise unavailable(spec, url, str(exc), target) from None
    return target


def _download(url: str, target: Path, sha256: str, timeout: float) -> None:
    """Stream into a temporary file beside `target`; it takes the name only when the checksum agrees."""
    import urllib.request  # here: every command imports this module (for its error), few download

    digest = hashlib.sha256()
    with urllib.request.urlopen(url, timeout=timeout) as response, atomic_open(target) as out:
        while block := response.read(1 << 20):
            digest.update(block)
            out.write(block)
        if not digest.hexdigest().startswith(sha256):
            raise MissingWeightsError(f"{url}: downloaded file has sha256 {digest.hexdigest()[:16]}..., expected {sha256[:16]}...")
