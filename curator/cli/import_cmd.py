"""`curator import PATH...`: local files and folders into the store and a new manifest."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def import_(
    paths: List[Path] = typer.Argument(..., help="Files and folders (searched recursively)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Decode processes (default: config, then one per core)."),
    as_json: bool = JsonOption,
) -> None:
    """Import images; broken files are recorded as rejected with their reason, and re-importing adds nothing."""
    from curator.ingest.run import import_paths

    ws = workspace()
    ws.init()
    with progress("importing") as advance:
        result = import_paths(ws, paths, on_progress=advance, workers=workers)
    out = {
        "files": result.files,
        "new_items": result.new_items,
        "new_sources": result.new_sources,
        "rejected": result.rejected,
        "manifest": str(result.manifest_path) if result.manifest_path else None,
    }
    if as_json:
        print_json(out)
        return
    if result.manifest_path is None:
        console.print(f"{result.files} files read; nothing new, no new manifest version")
        return
    rej = ", ".join(f"{k} {v}" for k, v in sorted(result.rejected.items())) or "none"
    console.print(
        f"{result.files} files read: {result.new_items} new items, {result.new_sources} extra copies of known ones; "
        f"rejected: {rej}\nmanifest: {result.manifest_path}"
    )
