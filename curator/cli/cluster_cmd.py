"""`curator cluster [MANIFEST]`: embeddings -> pseudo-class clusters, outliers, near-duplicates, zero-shot flags."""

from __future__ import annotations

from typing import Optional

import typer

from curator.cli.common import JsonOption, console, print_json, progress, workspace


def cluster(
    manifest: Optional[str] = typer.Argument(None, help="Manifest to cluster: path, id prefix, stage name or 'latest' (default)."),
    embedder: Optional[str] = typer.Option(
        None, "--embedder", "-e", help="clip, resnet50, pixels, sobel or torchvision:<classifier> (default: [cluster] embedder)."
    ),
    k: Optional[int] = typer.Option(None, "--k", min=1, help="Fixed number of clusters (default: chosen by --k-method)."),
    k_method: Optional[str] = typer.Option(None, "--k-method", help="How to choose k: eigengap, xmeans or silhouette."),
    second_level: Optional[bool] = typer.Option(None, "--second-level/--no-second-level", help="Re-cluster inside each cluster."),
    checkpoint: Optional[str] = typer.Option(None, "--checkpoint", help="Local weights file for the embedder."),
    device: Optional[str] = typer.Option(None, "--device", help="auto, cpu, cuda, cuda:1, ..."),
    as_json: bool = JsonOption,
) -> None:
    """Label kept items with clusters (the classes for conditional training) and flag outliers and near-duplicates for review."""
    from curator.cluster.run import run_cluster

    ws = workspace()
    cfg = ws.config.cluster.override(embedder=embedder, k=k, k_method=k_method, second_level=second_level,
                                     checkpoint=checkpoint, device=device)
    with progress("embedding") as advance:
        result = run_cluster(ws, manifest, cfg, on_progress=advance)
    s = result.stats
    out = {"manifest": str(result.manifest_path), "new_version": result.new_version, "report": str(result.report_dir),
           **{k: s[k] for k in ("k", "k_method", "clusters", "outliers", "embedding_duplicate_groups", "zeroshot",
                                "no_embedding")}}
    if as_json:
        print_json(out)
        return
    sizes = ", ".join(f"{label}: {n}" for label, n in s["clusters"].items())
    zs = s["zeroshot"]
    zs_line = f"zero-shot: {zs['skipped']}" if "skipped" in zs else f"zero-shot: flagged {zs['flagged'] or 'none'}, rejected {zs['rejected'] or 'none'}"
    console.print(
        f"{s['k']} clusters ({s['k_method']}): {sizes}\n"
        f"outliers flagged: {s['outliers']}; embedding near-duplicate groups: {s['embedding_duplicate_groups']}; {zs_line}\n"
        f"manifest: {result.manifest_path}" + ("" if result.new_version else " (unchanged, no new version)")
        + f"\nreport: {result.report_dir}"
    )
