"""`curator export [MANIFEST] --out DIR|ZIP`: kept items -> a training set for StyleGAN2-ADA."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def export(
    manifest: Optional[str] = typer.Argument(None, help="Manifest file, id prefix, stage name or 'latest' (default)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="A .zip file or a folder (default: WORKSPACE/exports/<manifest>-<res>.zip)."),
    resolution: Optional[int] = typer.Option(None, min=1, help="Side of the square images (power of two); default: config, else the items' own size."),
    fit: Optional[str] = typer.Option(None, help="Non-square items: error, crop or pad (default: config, 'error')."),
    xflip: Optional[bool] = typer.Option(None, "--xflip/--no-xflip", help="Add a mirrored copy of every image."),
    augment: Optional[int] = typer.Option(None, help="Add N rotated/shifted/zoomed copies of every image."),
    seed: Optional[int] = typer.Option(None, help="Seed of the offline augmentation."),
    cond: bool = typer.Option(False, "--cond", help="Write class labels (item label, else cluster) to dataset.json."),
    as_json: bool = JsonOption,
) -> None:
    """Write the kept items as PNGs in an uncompressed ZIP with dataset.json, as the official trainer reads them."""
    from curator.export.writer import export_manifest

    ws = workspace()
    cfg = ws.config.export.override(resolution=resolution, fit=fit, xflip=xflip, augment=augment, seed=seed)
    m = ws.manifests.load(manifest)
    if out is None:
        out = ws.root / "exports" / f"{m.id[:12]}{'-cond' if cond else ''}.zip"
    with progress("exporting") as advance:
        result = export_manifest(m, ws.store, out, cfg, cond=cond, on_progress=advance)
    if as_json:
        print_json({**asdict(result), "manifest": m.id})
        return
    classes = f", {len(result.classes)} classes" if result.classes else ""
    console.print(f"{result.images} images at {result.resolution}px from {result.items} kept items{classes} "
                  f"({result.resized} resized, {result.squared} squared by {cfg.fit})\n{result.path}")
