"""`curator process [MANIFEST]`: detect, crop, filter and dedupe into a new manifest version."""

from __future__ import annotations

from typing import Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def process(
    manifest: Optional[str] = typer.Argument(None, help="Input version: path, id prefix or stage (default: latest import/collect)."),
    workers: Optional[int] = typer.Option(None, "--workers", "-j", help="Worker processes (default: config, then one per core)."),
    as_json: bool = JsonOption,
) -> None:
    """Crop every image around its face or subject, reject junk and duplicates with reasons, write a new version."""
    from curator.process.run import process_manifest

    ws = workspace()
    with progress("processing") as advance:
        result = process_manifest(ws, manifest, on_progress=advance, workers=workers)
    stats = result.manifest.stats
    out = {
        "manifest": str(result.manifest_path), "new_version": result.new_version, "computed": result.computed,
        "cached": result.cached, "detectors": result.detectors, **stats,
    }
    if as_json:
        print_json(out)
        return
    reasons = ", ".join(f"{k} {v}" for k, v in stats["reasons"].items()) or "none"
    fired = ", ".join(f"{k} {v}" for k, v in sorted(result.detectors.items())) or "none"
    console.print(
        f"{stats['crops']} crops ({fired}); {stats['kept']} kept, {stats['rejected']} rejected: {reasons}\n"
        f"{result.computed} images processed, {result.cached} from cache; {stats['duplicate_groups']} duplicate groups\n"
        f"manifest: {result.manifest_path}" + ("" if result.new_version else " (unchanged, no new version)")
    )
