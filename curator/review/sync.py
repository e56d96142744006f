"""The review dataset's tags -> a new manifest version (stage 'review'), or none if nothing changed."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from curator.errors import CuratorError
from curator.review.dataset import INFO_BASE, INFO_MANIFEST, REVIEW_STAGE, refresh_fields
from curator.review.decisions import ACCEPT, LABEL_PREFIX, REJECT, apply_decisions, decisions_from_tags, review_counts
from curator.workspace import Workspace
from manifests.diff import ManifestDiff, diff
from manifests.io import now_iso
from manifests.model import Manifest


@dataclass
class SyncResult:
    previous: Manifest
    manifest: Manifest | None  # None: the tags change nothing, no version written
    path: Path | None
    diff: ManifestDiff | None
    counts: dict[str, int]


def reviewer_name(configured: str | None) -> str | None:
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _check_current(ws: Workspace, shown_id: str) -> None:
    """Refuse to sync onto a version the workspace has moved past since the review began."""
    latest = ws.manifests.load("latest")
    if latest.id != shown_id:
        raise CuratorError(
            f"the workspace changed since this review started: the review shows {shown_id[:12]} but the latest version "
            f"is {latest.id[:12]} ({latest.stage}); run 'curator review {latest.id[:12]}' to update the review to it "
            "(tags are kept), then sync again"
        )


def sync_dataset(ws: Workspace, ds: Any, reviewer: str | None) -> SyncResult:
    """Write the version the tags describe; the dataset then shows it. Syncing again writes nothing."""
    with ws.writing("review --sync"):  # the "latest version" check and the commit, with no writer in between
        return _sync_dataset(ws, ds, reviewer)


def _sync_dataset(ws: Workspace, ds: Any, reviewer: str | None) -> SyncResult:
    shown_id = ds.info.get(INFO_MANIFEST)
    base_id = ds.info.get(INFO_BASE)
    if not shown_id or not base_id:
        raise CuratorError(f"FiftyOne dataset {ds.name} was not made by 'curator review'")
    _check_current(ws, shown_id)
    previous = ws.manifests.load(shown_id)
    base = ws.manifests.load(base_id)
    item_ids, tags = ds.values("item_id"), ds.values("tags")
    decisions = decisions_from_tags(dict(zip(item_ids, tags)))
    items = apply_decisions(base, decisions, previous, reviewer, now_iso())
    counts = review_counts(items)
    path, is_new, manifest = ws.manifests.commit(
        previous, REVIEW_STAGE, {"dataset": ds.name, "base": base.id, "reviewer": reviewer,
                                 "tags": {"reject": REJECT, "accept": ACCEPT, "relabel_prefix": LABEL_PREFIX}},
        items, {"review": counts})
    if not is_new:
        return SyncResult(previous, None, None, None, counts)
    refresh_fields(ds, ws, manifest)
    return SyncResult(previous, manifest, path, diff(previous, manifest), counts)
