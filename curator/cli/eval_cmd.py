"""`curator eval RUN_OR_CHECKPOINT`: FID, IS, KID, precision/recall, SWD and the Geometry Score of a trained generator."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def eval_(
    checkpoint: Path = typer.Argument(..., help="Run folder (its latest snapshot), snapshot .safetensors, or official .pkl."),
    metrics: Optional[str] = typer.Option(None, "--metrics", "-m", help="Comma-separated: fid, is, kid, pr, swd, gs (default: eval.metrics in curator.toml)."),
    num: Optional[int] = typer.Option(None, "--num", "-n", help="Generated images (default: eval.num in curator.toml)."),
    data: Optional[str] = typer.Option(None, "--data", help="Real images: a dataset ZIP or a manifest (default: the run's training set)."),
    protocol: Optional[str] = typer.Option(None, "--protocol", help="Inception resize protocol: legacy-tf or clean."),
    batch: Optional[int] = typer.Option(None, "--batch", help="Images per batch."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the latents and sampling."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or cuda:N."),
    as_json: bool = JsonOption,
) -> None:
    """Compute metrics for a snapshot against real images; results go to <snapshot>.eval.json."""
    from curator.evaluate.run import run_eval

    ws = workspace()
    cfg = ws.config.eval.override(metrics=[m.strip() for m in metrics.split(",")] if metrics else None,
                                  num=num, protocol=protocol, batch=batch, seed=seed, device=device)
    with progress("evaluating") as advance:
        result = run_eval(ws, checkpoint, data, cfg, advance)
    results = result.record["results"]
    if as_json:
        print_json({**result.record, "file": str(result.path)})
        return
    for name, value in results.items():
        console.print(f"{name:>12}  {value:.4f}")
    console.print(f"written to {result.path}")
