"""Atomic file writes: a reader never sees a half-written file, a crash never leaves one."""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", durable: bool = True) -> Iterator[IO]:
    """Open a temporary file next to `path`; on success (fsync and) rename it over `path`.

    The rename alone already means no reader ever sees a partial file. `durable=False` skips
    the per-file fsync (often dearer than the write) for bulk writers that call `sync_all()` once
    per batch, before anything that refers to the files (a manifest, a journal) is written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:  # name the file the caller asked for, not the temporary one
        raise type(exc)(exc.errno, exc.strerror, str(path)) from None
    try:
        # mkstemp creates 0600; a file the user gets is 0666 less the umask, as open() would make it.
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, mode) as fh:
            yield fh
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def current_umask() -> int:
    """The process umask, read without changing it where Linux allows (os.umask can only swap it)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    with atomic_open(path, "wb", durable) as fh:
        fh.write(data)


_has_tmpfile = hasattr(os, "O_TMPFILE") and os.path.isdir("/proc/self/fd")


def create_bytes(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> bool:
    """Create `path` holding `data`, atomically, unless it already exists; False when it did.

    For write-once files whose name says their content (the object store). On Linux the data
    goes into an unnamed file (O_TMPFILE) that is linked into place once written: one directory
    entry instead of a temporary name created and renamed, about halving a small write on ext4.
    Elsewhere, or on a filesystem without
    O_TMPFILE, it is `write_bytes` (whose rename may replace an equal file: harmless here).
    """
    path = Path(path)
    if _has_tmpfile:
        for _ in range(2):
            try:
                _link_new(path, data, durable)
                return True
            except FileExistsError:
                return False
            except FileNotFoundError:  # the first object under a new prefix: make its folder, try again
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError:  # no O_TMPFILE on this filesystem
                break
    write_bytes(path, data, durable)
    return True


def _link_new(path: Path, data: bytes, durable: bool) -> None:
    fd = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        if durable:
            os.fsync(fd)
        # linkat(AT_SYMLINK_FOLLOW) on the descriptor's /proc entry names the unnamed file. A
        # dir fd argument makes Python call linkat rather than link, which would not follow it;
        # the absolute source path ignores which directory that is.
        os.link(f"/proc/self/fd/{fd}", path, src_dir_fd=fd, follow_symlinks=True)
    finally:
        os.close(fd)


def sync_all() -> None:
    """Flush every written file to disk: one call for a whole batch of `durable=False` writes."""
    os.sync()


def write_text(path: str | os.PathLike[str], text: str) -> None:
    with atomic_open(path, "w") as fh:
        fh.write(text)
