"""One review in the App, start to finish: build the dataset, serve it, wait for the reviewer, sync."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from curator.review.app import app_url, check_port_free, exposure_warning, open_in_browser, serve_app, wait_until_left
from curator.review.config import ReviewConfig
from curator.review.database import review_database
from curator.review.dataset import build_dataset, media_roots
from curator.review.sync import SyncResult, reviewer_name, sync_dataset
from curator.workspace import Workspace
from manifests import Manifest

Say = Callable[[str], object]


def check_before_start(cfg: ReviewConfig, warn: Say) -> None:
    """Warn about a public address and refuse a busy port before the database starts."""
    warning = exposure_warning(cfg.address)
    if warning:
        warn(warning)
    check_port_free(cfg.address, cfg.port)


def serve_until_left(ws: Workspace, ds: Any, cfg: ReviewConfig, open_browser: bool, say: Say, warn: Say,
                     then: str = "sync") -> None:
    """Serve `ds` behind the token guard, print the token URL, and return once the reviewer has left."""
    log = ws.root / "cache" / "review-server.log"
    with serve_app(cfg.address, cfg.port, media_roots(ws), log, exit_when_closed=open_browser) as server:
        url = server.url(ds.name)
        say(f"App: {url}")
        if open_browser:
            open_in_browser(url)
        else:
            say(f"from another machine: ssh -N -L {cfg.port}:127.0.0.1:{cfg.port} USER@THIS-HOST, then open "
                f"{app_url('localhost', cfg.port, ds.name, server.token)}")
        say("tag samples 'reject', 'accept' or 'label:<name>'; "
            + ("close the App tabs" if open_browser else "press Ctrl-C") + f" to finish and {then}")
        ended = wait_until_left(server)
    if ended:
        warn(ended)


def review_in_app(ws: Workspace, manifest: Manifest, open_browser: bool = True,
                  say: Say = print) -> SyncResult:
    """Open `manifest` in the App (on [review] address and port); when the reviewer leaves, sync the tags."""
    cfg = ws.config.review
    check_before_start(cfg, say)
    with review_database(ws.root, cfg):
        ds = build_dataset(ws, manifest)
        say(f"reviewing {len(ds)} samples of {manifest.id[:12]} in the App")
        serve_until_left(ws, ds, cfg, open_browser, say, say, then="continue")
        return sync_dataset(ws, ds, reviewer_name(cfg.reviewer))
