"""`curator review [MANIFEST]`: review in the FiftyOne App; tags become a new manifest version."""

from __future__ import annotations

from functools import partial
from typing import Optional

import typer

from curator.cli.common import JsonOption, console, err_console, print_json, progress, workspace


def _report(result, as_json: bool) -> None:
    from curator.cli.manifest_cmd import print_diff

    if as_json:
        print_json({
            "manifest": str(result.path) if result.path else None,
            "id": result.manifest.id if result.manifest else None,
            "parent": result.previous.id,
            "review": result.counts,
            "diff": result.diff.to_dict() if result.diff else None,
        })
        return
    if result.manifest is None:
        console.print(f"review tags match version {result.previous.id[:12]}: nothing to sync, no new version")
        return
    c = result.counts
    console.print(f"review: {c['reject']} rejected, {c['accept']} accepted, {c['relabel']} relabelled\nmanifest: {result.path}")
    print_diff(result.diff)


def review(
    manifest: Optional[str] = typer.Argument(None, help="Manifest file, id prefix, stage name or 'latest' (default)."),
    sync: bool = typer.Option(False, "--sync", help="Only turn the App's tags into a new manifest version and print the diff."),
    remote: bool = typer.Option(False, "--remote", help="Serve the App for a browser elsewhere instead of opening one here."),
    address: Optional[str] = typer.Option(None, "--address", help="Address to listen on (default: review.address in curator.toml, 127.0.0.1)."),
    port: Optional[int] = typer.Option(None, "--port", help="Port to listen on (default: review.port in curator.toml, 5151)."),
    no_browser: bool = typer.Option(False, "--no-browser", help="Do not open a browser; same as --remote."),
    as_json: bool = JsonOption,
) -> None:
    """Review MANIFEST in the FiftyOne App. Tag samples 'reject', 'accept' or 'label:<name>';
    leaving (close the App tabs, or Ctrl-C) syncs the tags into a new version and prints the diff."""
    from curator.review.database import review_database
    from curator.review.dataset import build_dataset, load_dataset
    from curator.review.session import check_before_start, serve_until_left
    from curator.review.sync import reviewer_name, sync_dataset

    ws = workspace()
    cfg = ws.config.review.override(address=address, port=port)
    m = ws.manifests.load(manifest)
    reviewer = reviewer_name(cfg.reviewer)
    say = partial(console.print, highlight=False)
    warn = partial(err_console.print, highlight=False)

    if not sync:
        check_before_start(cfg, warn)  # before the database starts and the dataset is built
    with review_database(ws.root, cfg):
        if sync:
            _report(sync_dataset(ws, load_dataset(ws, m), reviewer), as_json)
            return
        with progress("building review dataset", total=len(m.items)) as advance:
            ds = build_dataset(ws, m, on_progress=advance)
        say(f"reviewing {len(ds)} samples of {m.id[:12]} ({m.stage}) in dataset {ds.name}")
        serve_until_left(ws, ds, cfg, not (remote or no_browser), say, warn)
        _report(sync_dataset(ws, ds, reviewer), as_json)
