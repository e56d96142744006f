"""What every command shares: the workspace option, the console, JSON output, progress bars.

Commands import heavy libraries (torch, fiftyone, ...) inside their function bodies so that
`curator --help` and light commands start fast.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from curator.workspace import Workspace

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

_workspace_root: Path | None = None


def set_workspace_root(root: Path | None) -> None:
    global _workspace_root
    _workspace_root = root


def workspace() -> Workspace:
    """The workspace chosen by --workspace, $CURATOR_WORKSPACE or the current directory."""
    return Workspace.locate(_workspace_root)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")


@contextmanager
def progress(description: str, total: int | None = None) -> Iterator[Any]:
    """A Rich progress bar on stderr; yields `advance(done, total)`. Silent when not a terminal."""
    if not err_console.is_terminal:
        # Not even the bookkeeping: a stage calls `advance` once per file.
        yield lambda done, total_now=None: None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), TimeRemainingColumn(), console=err_console, transient=True,
    )
    with bar:
        task = bar.add_task(description, total=total)

        def advance(done: int, total_now: int | None = None) -> None:
            bar.update(task, completed=done, total=total_now if total_now is not None else total)

        yield advance


JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of tables.")
