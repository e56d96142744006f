"""`curator generate CHECKPOINT`: images, grids, interpolations and style mixes from a trained generator."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curator.cli.common import JsonOption, console, print_json


def generate(
    checkpoint: Path = typer.Argument(..., help="Run folder (its latest snapshot), snapshot .safetensors, or official .pkl."),
    seeds: str = typer.Option("0-15", "--seeds", help="Seeds, e.g. 0-15 or 1,5,9."),
    trunc: float = typer.Option(1.0, "--trunc", help="Truncation psi: 1 = no truncation; lower trades variety for typicality (0.5-0.7 is common)."),
    trunc_cutoff: Optional[int] = typer.Option(None, "--trunc-cutoff", help="Truncate only the first N layers' latents."),
    class_idx: Optional[int] = typer.Option(None, "--class", help="Class index for a conditional generator."),
    grid: bool = typer.Option(False, "--grid", help="Also write grid.png with every seed."),
    interpolate: bool = typer.Option(False, "--interpolate", help="Write interpolation.png: W-space walks between consecutive seeds."),
    frames: int = typer.Option(16, "--frames", min=2, help="Frames per interpolation leg."),
    gif: bool = typer.Option(False, "--gif", help="With --interpolate, also write interpolation.gif (looping)."),
    style_mix: bool = typer.Option(False, "--style-mix", help="Write style-mix.png: every seed's coarse styles on every other seed."),
    mix_layers: str = typer.Option("0-6", "--mix-layers", help="Latent layers taken from the column seed in --style-mix."),
    noise_mode: str = typer.Option("const", "--noise-mode", help="Per-pixel noise: const, random or none."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    as_json: bool = JsonOption,
) -> None:
    """Generate images from a snapshot: seed images, and optionally a grid, interpolations (PNG/GIF), style mixing."""
    from curator.generate.config import GenerateConfig
    from curator.generate.run import run_generate
    from curator.generate.sampling import parse_seeds

    opts = GenerateConfig().override(seeds=parse_seeds(seeds), truncation_psi=trunc, truncation_cutoff=trunc_cutoff,
                                     class_idx=class_idx, noise_mode=noise_mode, grid=grid, interpolate=interpolate,
                                     frames=frames, gif=gif, style_mix=style_mix, mix_layers=mix_layers)
    snapshot, paths = run_generate(checkpoint, opts, out, device)
    if as_json:
        print_json({"checkpoint": str(snapshot), "out": str(out), "files": [str(p) for p in paths]})
        return
    console.print(f"{len(paths)} files from {snapshot.name} in {out}")
