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
        "yield": result.yields, "report": str(result.report_dir),
    }
    if as_json:
        print_json(out)
        return
    reasons = ", ".join(f"{k} {v}" for k, v in stats["reasons"].items()) or "none"
    fired = ", ".join(f"{k} {v}" for k, v in sorted(result.detectors.items())) or "none"
    _print_yield(result.yields)
    console.print(
        f"{stats['crops']} crops ({fired}); {stats['kept']} kept, {stats['rejected']} rejected: {reasons}\n"
        f"{result.computed} images processed, {result.cached} from cache; {stats['duplicate_groups']} duplicate groups\n"
        f"manifest: {result.manifest_path}" + ("" if result.new_version else " (unchanged, no new version)") + "\n"
        f"contact sheets (rejections per reason, crops per detector): {result.report_dir}"
    )


def _print_yield(y: dict) -> None:
    """Sources -> face crops per detector, subject crops per kind, rejections per reason."""
    from rich.table import Table

    table = Table(title="yield", show_header=True, header_style="bold")
    table.add_column("")
    table.add_column("count", justify="right")
    table.add_row("sources", str(y["sources"]))
    for name, n in y["face_crops"].items():
        table.add_row(f"  face crops: {name}", str(n))
    for kind, n in y["subject_crops"].items():
        table.add_row(f"  subject crops: {kind}", str(n))
    table.add_row("crops kept", str(y["kept_crops"]))
    for code, n in y["rejected"].items():
        table.add_row(f"  rejected: {code}", str(n))
    console.print(table)
