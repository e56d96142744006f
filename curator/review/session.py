"""One review in the App, start to finish: build the dataset, serve it, wait for the reviewer, sync."""

from __future__ import annotations

from collections.abc import Callable

from curator.review.app import app_url, serve_app, wait_until_left
from curator.review.database import review_database
from curator.review.dataset import build_dataset
from curator.review.sync import SyncResult, reviewer_name, sync_dataset
from curator.workspace import Workspace
from manifests import Manifest


def review_in_app(ws: Workspace, manifest: Manifest, open_browser: bool = True,
                  say: Callable[[str], object] = print) -> SyncResult:
    """Open `manifest` in the App (on [review] address and port); when the reviewer leaves, sync the tags."""
    cfg = ws.config.review
    with review_database(ws.root, cfg):
        ds = build_dataset(ws, manifest)
        with serve_app(ds, cfg.address, cfg.port, open_browser) as session:
            say(f"reviewing {len(ds)} samples of {manifest.id[:12]} in the App: {app_url(cfg.address, cfg.port, ds.name)}\n"
                "tag samples 'reject', 'accept' or 'label:<name>'; "
                + ("close the App tabs" if open_browser else "press Ctrl-C") + " to finish and continue")
            wait_until_left(session, open_browser)
        return sync_dataset(ws, ds, reviewer_name(cfg.reviewer))
