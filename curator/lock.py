"""One writer at a time per workspace: an advisory lock on `<workspace>/.curator.lock`.

Every command that writes a manifest version or the object store holds it from reading its
parent version to committing its own, so no version is ever made from a stale parent and two
imports cannot both start from the same parent. A second writer waits, saying which command
holds the lock. The kernel drops the lock when its holder dies (even by kill -9): a lock file
left behind never blocks anyone. Re-entrant within a process (a command that runs stages in turn).
"""

from __future__ import annotations

import fcntl
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".curator.lock"
_held: dict[str, tuple[int, int]] = {}  # lock path -> (descriptor, depth)


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or "another curator command"


@contextmanager
def workspace_lock(root: Path, command: str, wait_message: bool = True) -> Iterator[None]:
    """Hold the workspace's writer lock for the body; wait (with one line on stderr) while another has it."""
    path = str(Path(root) / LOCK_NAME)
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield
        finally:
            _held[path] = (fd, _held[path][1] - 1)
        return
    Path(root).mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait_message:
                sys.stderr.write(f"waiting for {_holder(fd)} to finish (workspace {root} is locked: one writer at a time)\n")
                sys.stderr.flush()
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            if wait_message:
                sys.stderr.write(f"lock acquired after {time.monotonic() - started:.0f} s; continuing\n")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"curator {command} (pid {os.getpid()})\n".encode(), 0)
        _held[path] = (fd, 1)
        try:
            yield
        finally:
            del _held[path]
            try:
                os.ftruncate(fd, 0)
            except OSError:
                pass
    finally:
        os.close(fd)  # closing the descriptor releases the lock
