"""`curator review [MANIFEST]`: review in the FiftyOne App; tags become a new manifest version."""

from __future__ import annotations

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
    from curator.review.app import app_url, check_port_free, exposure_warning, open_in_browser, serve_app, wait_until_left
    from curator.review.database import review_database
    from curator.review.dataset import build_dataset, load_dataset, media_roots
    from curator.review.sync import reviewer_name, sync_dataset

    ws = workspace()
    cfg = ws.config.review.override(address=address, port=port)
    m = ws.manifests.load(manifest)
    reviewer = reviewer_name(cfg.reviewer)
    if not sync:
        warning = exposure_warning(cfg.address)
        if warning:
            err_console.print(warning, highlight=False)
        check_port_free(cfg.address, cfg.port)  # before the database starts and the dataset is built
    with review_database(ws.root, cfg):
        if sync:
            _report(sync_dataset(ws, load_dataset(ws, m), reviewer), as_json)
            return
        with progress("building review dataset", total=len(m.items)) as advance:
            ds = build_dataset(ws, m, on_progress=advance)
        open_browser = not (remote or no_browser)
        log = ws.root / "cache" / "review-server.log"
        with serve_app(cfg.address, cfg.port, media_roots(ws), log, exit_when_closed=open_browser) as server:
            url = server.url(ds.name)
            console.print(f"reviewing {len(ds)} samples of {m.id[:12]} ({m.stage}) in dataset {ds.name}", highlight=False)
            console.print(f"App: {url}", highlight=False)
            if not open_browser:
                console.print(f"from another machine: ssh -N -L {cfg.port}:127.0.0.1:{cfg.port} USER@THIS-HOST, then open "
                              f"{app_url('localhost', cfg.port, ds.name, server.token)}", highlight=False)
            else:
                open_in_browser(url)
            console.print("tag samples 'reject', 'accept' or 'label:<name>'; "
                          + ("close the App tabs" if open_browser else "press Ctrl-C") + " to finish and sync", highlight=False)
            ended = wait_until_left(server)
        if ended:
            err_console.print(ended, highlight=False)
        _report(sync_dataset(ws, ds, reviewer), as_json)
