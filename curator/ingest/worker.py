"""Read, hash, decode-check and store one file. Runs in a worker process."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from curator.imageio import ImageInfo, ImageRejected, probe
from commons.hashing import sha256_bytes
from curator.store import ObjectStore


@dataclass(frozen=True)
class FileResult:
    path: str
    oid: str
    size: int
    stored: bool
    info: ImageInfo | None = None
    reject_code: str | None = None
    reject_detail: str | None = None


@dataclass(frozen=True)
class WorkerSettings:
    store_root: str
    max_file_bytes: int
    max_pixels: int
    known: frozenset[str]  # ids already in the parent manifest: hash only, no decode


def ingest_file(path: Path, settings: WorkerSettings) -> FileResult:
    size = os.path.getsize(path)
    if size > settings.max_file_bytes:
        # Hash without holding the file in memory; the bytes are not kept.
        from commons.hashing import sha256_file

        return FileResult(str(path), sha256_file(path), size, False, None, "too_large",
                          f"{size:,} bytes exceeds the {settings.max_file_bytes:,}-byte limit")
    data = path.read_bytes()
    oid = sha256_bytes(data)
    if oid in settings.known:
        return FileResult(str(path), oid, size, True)
    ObjectStore(settings.store_root).put_bytes(data, oid, durable=False)  # synced once by run.py
    try:
        info = probe(data, settings.max_pixels)
    except ImageRejected as exc:
        return FileResult(str(path), oid, size, True, None, exc.code, exc.detail)
    return FileResult(str(path), oid, size, True, info)


_settings: WorkerSettings | None = None


def init_worker(settings: WorkerSettings) -> None:
    """Pool initializer: settings (with the set of known ids) are sent once per process, not per file."""
    global _settings
    _settings = settings


def ingest_file_safe(path: Path) -> FileResult:
    """Pool entry point: an unreadable file becomes a rejection, never a crashed batch."""
    assert _settings is not None, "init_worker was not called"
    try:
        return ingest_file(path, _settings)
    except OSError as exc:
        return FileResult(str(path), sha256_bytes(str(path).encode()), 0, False, None, "unreadable", f"cannot read: {exc.strerror or exc}")
