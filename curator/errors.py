"""The errors that mean "the user asked for something that can't be done".

The CLI prints their message as a single line and exits with code 2; anything else is a bug and
keeps its traceback. The libraries (manifests, detectors, trainers, commons) raise their own
error types, since they know nothing of curator; `USER_ERRORS` is where curator adopts them.
"""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path

from commons.device import DeviceError
from commons.weights import MissingWeightsError
from detectors.errors import DetectorError
from manifests.errors import ManifestError
from trainers.errors import TrainerError


class CuratorError(Exception):
    """A user-facing failure: bad input, missing file, wrong configuration."""

    exit_code = 2


USER_ERRORS = (CuratorError, ManifestError, DetectorError, TrainerError, MissingWeightsError, DeviceError)
__all__ = ["USER_ERRORS", "CuratorError", "MissingWeightsError", "describe_os_error", "free_bytes", "human_bytes"]

# The disk itself failed or is full: worth one line whatever file the OS names (or none).
DISK_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS}
# Answers about a path the user gave: one line when the OS names the file.
PATH_ERRNOS = {errno.ENOENT, errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.EEXIST, errno.ENAMETOOLONG,
               errno.ELOOP, errno.ENXIO, errno.ENODEV, errno.ETXTBSY, errno.EBUSY, errno.EXDEV, errno.EMLINK}


def human_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def free_bytes(path: str | os.PathLike[str]) -> int | None:
    """Free space on the filesystem holding `path` (or its nearest existing parent)."""
    p = Path(path).absolute()
    for candidate in (p, *p.parents):
        try:
            return shutil.disk_usage(candidate).free
        except OSError:
            continue
    return None


def describe_os_error(exc: OSError) -> str | None:
    """One line for an OSError that is about the user's files or disk; None for anything else (a bug)."""
    where = exc.filename if exc.filename is not None else None
    if isinstance(where, bytes):
        where = os.fsdecode(where)
    reason = exc.strerror or str(exc)
    if exc.errno in DISK_ERRNOS:
        place = where or os.getcwd()
        free = free_bytes(place)
        free_text = f", {human_bytes(free)} free there" if free is not None else ""
        if exc.errno == errno.EIO:
            return f"{place}: input/output error (a failing disk or a lost network mount?); nothing was recorded for the failed step"
        if exc.errno == errno.EROFS:
            return f"{place}: read-only filesystem; choose a writable place"
        return (f"{place}: no space left ({reason}{free_text}); free some space (or choose another place) "
                "and run the same command again")
    if exc.errno in PATH_ERRNOS and where is not None:
        if exc.errno in (errno.EEXIST, errno.ENOTDIR) and os.path.isfile(where):
            return f"{where}: a file is in the way; give a folder"
        return f"{where}: {reason}"
    return None
