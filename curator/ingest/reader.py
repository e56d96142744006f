"""Expand the user's paths into the files to import, in a stable order."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from curator.errors import CuratorError


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """Every regular file under `paths` (recursively), sorted; hidden files and folders skipped."""
    for path in paths:
        if not path.exists():
            raise CuratorError(f"{path}: no such file or folder")
    for path in paths:
        if path.is_file():
            yield path.resolve()
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.startswith("."):
                    yield (Path(dirpath) / name).resolve()
