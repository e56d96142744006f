"""Networks to start from by name (`--transfer ffhq256`): fetched once into a per-user cache.

A download streams into `<name>.part` beside its final place and continues from there with an
HTTP Range request when it was cut off, so a 360 MB pickle on a flaky link is fetched once.
The finished file is checked against the size and sha256 recorded here when they are known;
otherwise the first complete download records them in the cache's `known.json` and every later
use is checked against that record (trust on first use), so a file swapped behind the same URL
is noticed. $CURATOR_WEIGHTS_MIRROR serves every file by its file name from another place (an
internal mirror, or the local test server), with the same checks.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from commons.atomic import write_text
from commons.hashing import sha256_file
from commons.registry import Registry
from commons.weights import WeightsFile, cache_dir, source_url
from trainers.errors import TrainerError

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes done, total bytes or None when the server does not say)."""

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PretrainedNetwork:
    name: str
    url: str
    description: str
    size: int | None = None  # bytes, when recorded
    sha256: str | None = None

    @property
    def file_name(self) -> str:
        return self.url.rsplit("/", 1)[-1]


PRETRAINED: Registry[PretrainedNetwork] = Registry(modules=("trainers.stylegan2.pretrained_names",))


def networks_dir() -> Path:
    """Beside the other pretrained files: $CURATOR_CACHE/networks (default ~/.cache/curator/networks)."""
    return cache_dir().parent / "networks"


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def resolve_source(source: str, progress: Progress | None = None, timeout: float = 60.0) -> Path:
    """A local file or folder as given; a registered name or an http(s) URL fetched into the cache."""
    entry = PRETRAINED.get(source)
    if entry is not None:
        return fetch(entry, progress, timeout)
    if is_url(source):
        name = source.rsplit("/", 1)[-1] or "network.pkl"
        return fetch(PretrainedNetwork(name=name, url=source, description=source), progress, timeout)
    path = Path(source).expanduser()
    if not path.exists():
        names = ", ".join(PRETRAINED.names())
        raise TrainerError(f"--transfer {source}: no such file or folder, and not a known network ({names})")
    return path


def download_url(entry: PretrainedNetwork) -> str:
    return source_url(WeightsFile(entry.file_name, entry.url, ""))


def fetch(entry: PretrainedNetwork, progress: Progress | None = None, timeout: float = 60.0) -> Path:
    """The verified cached file, downloading (or finishing a partial download) when needed."""
    target = networks_dir() / entry.file_name
    if target.is_file():
        _verify(entry, target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    url = download_url(entry)
    try:
        _download(url, part, progress, timeout)
    except (OSError, urllib.error.URLError) as exc:
        raise TrainerError(f"--transfer {entry.name}: download from {url} failed ({exc}); run the command again to "
                           f"continue it, or fetch {entry.url} yourself and pass its path") from None
    try:
        _verify(entry, part)
    except TrainerError:
        part.unlink(missing_ok=True)  # a wrong file must not be continued by the next try
        raise
    os.replace(part, target)
    return target


def _download(url: str, part: Path, progress: Progress | None, timeout: float) -> None:
    have = part.stat().st_size if part.is_file() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as err:
        if err.code == 416 and have:  # the part is already whole
            return
        raise
    with response:
        if have and response.status != 206:
            have = 0  # the server ignored the Range header: start again
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        with open(part, "ab" if have else "wb") as fh:
            done = have
            if progress:
                progress(done, total)
            while block := response.read(_CHUNK):
                fh.write(block)
                done += len(block)
                if progress:
                    progress(done, total)
            fh.flush()
            os.fsync(fh.fileno())
    if total is not None and done < total:
        raise OSError(f"connection closed after {done} of {total} bytes")


def _known_path() -> Path:
    return networks_dir() / "known.json"


def _known() -> dict[str, dict]:
    try:
        return json.loads(_known_path().read_text())
    except (OSError, ValueError):
        return {}


def _verify(entry: PretrainedNetwork, path: Path) -> None:
    """Size and sha256 against the repository's record, else the first download's record."""
    size = path.stat().st_size
    expected_size, expected_sha = entry.size, entry.sha256
    if expected_sha is None:
        recorded = _known().get(entry.url)
        if recorded is None:
            known = _known()
            known[entry.url] = {"size": size, "sha256": sha256_file(path)}
            write_text(_known_path(), json.dumps(known, indent=1, sort_keys=True))
            return
        expected_size, expected_sha = recorded["size"], recorded["sha256"]
    if expected_size is not None and size != expected_size:
        raise TrainerError(f"{entry.name}: {path} has {size} bytes, expected {expected_size}; delete it and retry")
    digest = sha256_file(path)
    if digest != expected_sha:
        raise TrainerError(f"{entry.name}: {path} has sha256 {digest[:16]}..., expected {expected_sha[:16]}...; "
                           f"delete it and retry")
