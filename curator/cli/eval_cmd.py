"""`curator eval RUN_OR_CHECKPOINT`: FID, IS, KID, precision/recall and SWD of a trained generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def _real_images(ws: Any, data: Optional[str], snapshot: Path, resolution: int) -> Any:
    """--data (a ZIP, or a manifest reference), else the training set recorded with the run."""
    from curator.errors import CuratorError
    from curator.evaluate.snapshots import training_data
    from curator.evaluate.sources import ManifestImages, ZipImages

    if data is None:
        recorded = training_data(snapshot)
        if recorded is None:
            raise CuratorError("no training set recorded with this checkpoint (or it moved): give --data ZIP_OR_MANIFEST")
        return ZipImages(recorded)
    if data.lower().endswith(".zip") and Path(data).is_file():
        return ZipImages(Path(data))
    manifest = ws.manifests.load(data)
    objects = [it.object for it in manifest.kept() if it.object]
    if not objects:
        raise CuratorError(f"manifest {manifest.id[:12]} has no kept images")
    return ManifestImages(ws.root, manifest.id, objects, resolution)


def _with_overrides(config: Any, **options: Any) -> Any:
    """The [eval] section with the options given on the command line, validated like the file."""
    from pydantic import ValidationError

    from commons.validation import first_error
    from curator.errors import CuratorError

    given = {k: v for k, v in options.items() if v is not None}
    try:
        return config.model_validate({**config.model_dump(), **given})
    except ValidationError as exc:
        where, msg = first_error(exc)
        raise CuratorError(f"bad option {where}: {msg}") from None


def eval_(
    checkpoint: Path = typer.Argument(..., help="Run folder (its latest snapshot), snapshot .safetensors, or official .pkl."),
    metrics: Optional[str] = typer.Option(None, "--metrics", "-m", help="Comma-separated: fid, is, kid, pr, swd (default: eval.metrics in curator.toml)."),
    num: Optional[int] = typer.Option(None, "--num", "-n", help="Generated images (default: eval.num in curator.toml)."),
    data: Optional[str] = typer.Option(None, "--data", help="Real images: a dataset ZIP or a manifest (default: the run's training set)."),
    protocol: Optional[str] = typer.Option(None, "--protocol", help="Inception resize protocol: legacy-tf or clean."),
    batch: Optional[int] = typer.Option(None, "--batch", help="Images per batch."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the latents and sampling."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda or cuda:N."),
    as_json: bool = JsonOption,
) -> None:
    """Compute metrics for a snapshot against real images; results go to <snapshot>.eval.json."""
    import json

    from commons.atomic import write_text
    from curator.evaluate.run import evaluate, resolve_device
    from curator.evaluate.snapshots import load_snapshot_generator, resolve_snapshot
    from curator.evaluate.stats_cache import StatsCache
    from curator.software import software_versions

    ws = workspace()
    config = _with_overrides(ws.config.eval, metrics=[m.strip() for m in metrics.split(",")] if metrics else None,
                             num=num, protocol=protocol, batch=batch, seed=seed, device=device)
    snapshot = resolve_snapshot(checkpoint)
    dev = resolve_device(config.device)
    G = load_snapshot_generator(snapshot, dev)
    real = _real_images(ws, data, snapshot, G.img_resolution)
    with progress("evaluating") as advance:
        results = evaluate(G, real, config.metrics, config.num, config,
                           StatsCache(ws.cache_dir("metrics")), dev, advance)
    record = {"checkpoint": str(snapshot), "real": real.identity, "real_images": real.count,
              "config": config.model_dump(mode="json"), "results": results, "software": software_versions()}
    out = snapshot.with_name(snapshot.name.rsplit(".", 1)[0] + ".eval.json")
    write_text(out, json.dumps(record, indent=1, sort_keys=True) + "\n")
    if as_json:
        print_json({**record, "file": str(out)})
        return
    for name, value in results.items():
        console.print(f"{name:>12}  {value:.4f}")
    console.print(f"written to {out}")


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_)
