"""Read, hash, decode-check and store one file. Runs in a worker process.

Only regular files are read: the path is opened without blocking (a FIFO would otherwise wait
forever for a writer) and the open descriptor, not the name, is checked. Reads stop at the
configured maximum whatever size the file reports (a device reports 0 and never ends).
A file that cannot be read becomes a rejection; a store that cannot be written (full disk,
I/O error) is not the file's fault and stops the import (`StoreWriteError`).
"""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from curator.imageio import ImageInfo, ImageRejected, probe
from curator.ingest.reader import Entry
from curator.store import ObjectStore

_CHUNK = 1 << 20
# Open flags: never block on a FIFO, never make a terminal ours, never leak into children.
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class FileResult:
    path: str
    oid: str
    size: int
    stored: bool
    info: ImageInfo | None = None
    reject_code: str | None = None
    reject_detail: str | None = None
    path_only: bool = False  # the id names the path, not bytes: nothing could be read


class StoreWriteError(Exception):
    """Writing the store failed (ENOSPC, EIO, ...): the import stops; picklable across the pool."""

    def __init__(self, errno_: int, strerror: str, filename: str, needed: int) -> None:
        super().__init__(errno_, strerror, filename, needed)
        self.errno, self.strerror, self.filename, self.needed = errno_, strerror, filename, needed


@dataclass(frozen=True)
class IngestSettings:
    """What every import worker needs: where to store, the limits, and the ids to skip."""

    store_root: str
    max_file_bytes: int
    max_pixels: int
    known: frozenset[str]  # ids already in the parent manifest: hash only, no decode
    journal_dir: str | None = None  # each process lists the objects it creates here, until the manifest is written


def path_id(path: str) -> str:
    """The id of a rejection for a path whose bytes could not be read: stable across runs, so
    a rerun finds the same entry instead of adding another (the next successful read replaces it)."""
    return hashlib.sha256(b"curator-unreadable-path\0" + os.fsencode(path)).hexdigest()


def _rejected_path(path: str, code: str, detail: str) -> FileResult:
    return FileResult(path, path_id(path), 0, False, None, code, detail, path_only=True)


def _read_bounded(fd: int, limit: int) -> tuple[bytes | None, str, int]:
    """(the bytes, or None past `limit`; sha256; size). Memory stays within `limit` + one chunk."""
    digest, chunks, size = hashlib.sha256(), [], 0
    while True:
        chunk = os.read(fd, _CHUNK)
        if not chunk:
            break
        digest.update(chunk)
        size += len(chunk)
        if chunks is not None:
            chunks.append(chunk)
            if size > limit:
                chunks = None  # keep hashing (a regular file ends), keep nothing
    return (b"".join(chunks) if chunks is not None else None), digest.hexdigest(), size


def _journal(settings: IngestSettings, oid: str) -> None:
    if settings.journal_dir is None:
        return
    with open(os.path.join(settings.journal_dir, f"import-{os.getpid()}.journal"), "a", encoding="ascii") as fh:
        fh.write(oid + "\n")


def ingest_file(path: str | Path, settings: IngestSettings) -> FileResult:
    path = str(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return _rejected_path(path, "symlink_loop", "too many levels of symbolic links")
        if exc.errno in (errno.ENXIO, errno.EOPNOTSUPP):  # a socket
            return _rejected_path(path, "not_a_file", "a socket, not a regular file")
        return _rejected_path(path, "unreadable", f"cannot open: {exc.strerror or exc}")
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = ("a folder" if stat.S_ISDIR(st.st_mode) else "a FIFO" if stat.S_ISFIFO(st.st_mode)
                    else "a device" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "not a regular file")
            return _rejected_path(path, "not_a_file", f"{kind}, not a regular file")
        try:
            data, oid, size = _read_bounded(fd, settings.max_file_bytes)
        except OSError as exc:
            return _rejected_path(path, "unreadable", f"cannot read: {exc.strerror or exc}")
    finally:
        os.close(fd)
    if data is None:
        return FileResult(path, oid, size, False, None, "too_large",
                          f"{size:,} bytes exceeds the {settings.max_file_bytes:,}-byte limit")
    if oid in settings.known:
        return FileResult(path, oid, size, True)
    store = ObjectStore(settings.store_root)
    try:
        if oid not in store:
            _journal(settings, oid)  # listed before it exists: a failed import can take it back
            store.put_bytes(data, oid, durable=False)  # synced once by run.py
    except OSError as exc:
        raise StoreWriteError(exc.errno or 0, exc.strerror or str(exc), str(store.path(oid)), size) from None
    try:
        info = probe(data, settings.max_pixels)
    except ImageRejected as exc:
        return FileResult(path, oid, size, True, None, exc.code, exc.detail)
    return FileResult(path, oid, size, True, info)


_settings: IngestSettings | None = None


def init_worker(settings: IngestSettings) -> None:
    """Pool initializer: settings (with the set of known ids) are sent once per process, not per file."""
    global _settings
    _settings = settings


def ingest_file_safe(entry: Entry | Path) -> FileResult:
    """Pool entry point: an unreadable file becomes a rejection, never a crashed batch."""
    assert _settings is not None, "init_worker was not called"
    if isinstance(entry, Entry):
        if entry.problem is not None:
            return _rejected_path(entry.path, *entry.problem)
        entry = entry.path
    return ingest_file(entry, _settings)
