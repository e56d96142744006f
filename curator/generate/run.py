"""`curator generate`: the pictures asked for, written into one folder with the options as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from commons.atomic import write_text
from commons.device import resolve_device
from curator.evaluate.snapshots import load_snapshot_generator, resolve_snapshot
from curator.generate.config import GenerateConfig
from curator.generate.layouts import grid, interpolation_frames, save_gif, save_png, style_mix_table, to_pil
from curator.generate.sampling import map_seeds, parse_layers, synthesize
from curator.software import software_versions


def run_generate(checkpoint: Path, opts: GenerateConfig, out: Path, device: str) -> tuple[Path, list[Path]]:
    """(the snapshot used, the files written) for a run folder, snapshot or official pickle."""
    snapshot = resolve_snapshot(checkpoint)
    dev = resolve_device(device)
    return snapshot, generate(load_snapshot_generator(snapshot, dev), opts, out, dev, checkpoint=str(snapshot))


def generate(G: torch.nn.Module, opts: GenerateConfig, out: Path, device: torch.device,
             checkpoint: str | None = None) -> list[Path]:
    """Write seed images (and the optional grid, interpolation, style mix) to `out`; return the paths."""
    out.mkdir(parents=True, exist_ok=True)
    ws = map_seeds(G, opts.seeds, opts.class_idx, opts.truncation_psi, opts.truncation_cutoff, device)
    images = to_pil(synthesize(G, ws, opts.noise_mode))
    written = [save_png(img, out / f"seed{seed:04d}.png") for seed, img in zip(opts.seeds, images)]
    if opts.grid:
        written.append(save_png(grid(images), out / "grid.png"))
    if opts.interpolate:
        written += _interpolation(G, ws, opts, out)
    if opts.style_mix:
        layers = parse_layers(opts.mix_layers, G.num_ws)
        written.append(save_png(style_mix_table(G, ws, ws, layers, opts.noise_mode), out / "style-mix.png"))
    record = {"checkpoint": checkpoint, "options": opts.model_dump(), "files": [p.name for p in written],
              "software": software_versions()}
    write_text(out / "generate.json", json.dumps(record, indent=1) + "\n")
    return written


def _interpolation(G: torch.nn.Module, ws: torch.Tensor, opts: GenerateConfig, out: Path) -> list[Path]:
    frames = [frame for leg in interpolation_frames(G, ws, opts.frames, opts.noise_mode) for frame in to_pil(leg)]
    paths = [save_png(grid(frames, cols=opts.frames), out / "interpolation.png")]
    if opts.gif:
        paths.append(save_gif(frames, out / "interpolation.gif"))
    return paths
