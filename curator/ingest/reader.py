"""Expand the user's paths into the entries to import, in a stable order.

Nothing here opens a file: the worker decides what a path is from the descriptor it opens (a
name can change between listing and reading). A folder that cannot be listed, or a name that
cannot be resolved (a symlink loop), is an entry with its problem, so the batch goes on and the
manifest says why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from curator.errors import CuratorError


@dataclass(frozen=True)
class Entry:
    path: str  # absolute; non-UTF-8 bytes of a name are kept as surrogates (os.fsencode gets them back)
    problem: tuple[str, str] | None = None  # (reject code, detail) when the path cannot even be listed or resolved


def _absolute(path: Path) -> Entry:
    try:
        return Entry(str(path.resolve(strict=False)))
    except (OSError, RuntimeError) as exc:  # RuntimeError: "Symlink loop" (Python 3.11)
        return Entry(os.path.abspath(path), ("symlink_loop", f"cannot resolve: {exc}"))


def _walk(top: Path) -> Iterator[Entry]:
    """Files of each folder (sorted), then its subfolders: os.walk's order, without recursion
    (a tree thousands of folders deep must not end in RecursionError)."""
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            with os.scandir(folder) as it:
                children = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            yield Entry(os.path.abspath(folder), ("unreadable_folder", f"cannot list: {exc.strerror or exc}"))
            continue
        subfolders = []
        for child in children:
            if child.name.startswith("."):
                continue
            try:
                # Symlinks to folders are not followed (os.walk's default): no cycles, nothing outside.
                is_dir = child.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                subfolders.append(Path(child.path))
            else:
                yield _absolute(Path(child.path))
        stack.extend(reversed(subfolders))


def scan(paths: list[Path]) -> list[Entry]:
    """Every file under `paths` (recursively), sorted; hidden files and folders skipped."""
    for path in paths:
        if not os.path.lexists(path):
            raise CuratorError(f"{path}: no such file or folder")
    entries: list[Entry] = []
    for path in paths:
        if os.path.isdir(path):
            entries.extend(_walk(path))  # a folder given by the user is followed even when it is a link
        else:
            entries.append(_absolute(path))
    return entries


def iter_files(paths: list[Path]) -> Iterator[Path]:
    """The paths of `scan` that could be listed (for callers that only want names)."""
    for entry in scan(paths):
        if entry.problem is None:
            yield Path(entry.path)
