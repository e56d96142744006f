"""Manifest -> persistent FiftyOne dataset, with saved views for the usual review passes.

One dataset per workspace and manifest lineage (the first version of the chain), so reviewing a
newer version of the same data updates the dataset in place and keeps the reviewer's tags.
Samples are keyed by the `item_id` field. The dataset's `info` remembers which version it shows
(`curator_manifest`) and which version decisions apply to (`curator_base`, see `sync`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from curator.errors import CuratorError
from curator.review.fields import FIELDS, SCORE_PREFIX, sample_fields
from curator.review.media import media_path
from curator.workspace import Workspace
from manifests.model import Item, Manifest

INFO_MANIFEST = "curator_manifest"
INFO_BASE = "curator_base"
INFO_WORKSPACE = "curator_workspace"
REVIEW_STAGE = "review"
FIXED_VIEWS = ("flagged", "near duplicates", "outliers", "rejected")
CLUSTER_VIEW = "cluster {}"
MEDIA_CACHE = "review-media"


def media_roots(ws: Workspace) -> list[Path]:
    """The folders the App may send files from: the store, and the named links `media` makes."""
    return [ws.store.root, ws.cache_dir(MEDIA_CACHE)]


def lineage_root(ws: Workspace, manifest: Manifest) -> str:
    """Id of the oldest version in `manifest`'s chain that this workspace holds."""
    chain = ws.manifests.log(manifest.id)
    return [m.id for _, m, _ in chain if m is not None][-1]


def review_base(ws: Workspace, manifest: Manifest) -> Manifest:
    """The nearest version at or before `manifest` that review did not make: decisions apply to it.

    Applying the current tags to the pre-review version (rather than stacking on the last sync)
    is what lets a reviewer remove a tag and have the next sync undo that decision.
    """
    current = manifest
    while current.stage == REVIEW_STAGE and current.parent:
        path = ws.manifests.find_by_id(current.parent)
        if path is None:
            break
        current = ws.manifests.load(path)
    return current


def dataset_name(ws: Workspace, manifest: Manifest) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", ws.root.name.lower()).strip("-")[:24] or "ws"
    where = hashlib.sha256(str(ws.root).encode()).hexdigest()[:6]
    return f"curator-{slug}-{where}-{lineage_root(ws, manifest)[:8]}"


def reviewable(ws: Workspace, manifest: Manifest) -> list[Item]:
    """Items with stored bytes; a recorded object that is not on disk is an error, not a gap."""
    missing = [it.object for it in manifest.items if it.object is not None and not (ws.root / it.object).is_file()]
    if missing:
        raise CuratorError(f"{len(missing)} object(s) of manifest {manifest.id[:12]} are missing from the store "
                           f"(first: {missing[0]}); run 'curator manifest verify' and re-import or re-collect them")
    return [it for it in manifest.items if it.object is not None]


def _field_type(kind: str) -> tuple[Any, Any]:
    import fiftyone as fo

    return {
        "string": (fo.StringField, None),
        "strings": (fo.ListField, fo.StringField),
        "int": (fo.IntField, None),
        "float": (fo.FloatField, None),
        "bool": (fo.BooleanField, None),
    }[kind]


def _declare_fields(ds: Any, names: dict[str, str]) -> None:
    # Declared up front so a field that is None on every sample still has a type in the App.
    schema = ds.get_field_schema()
    for name, kind in names.items():
        if name not in schema:
            ftype, sub = _field_type(kind)
            ds.add_sample_field(name, ftype, **({"subfield": sub} if sub else {}))


def _rows(ws: Workspace, manifest: Manifest, items: list[Item]) -> dict[str, dict[str, Any]]:
    by_id = manifest.by_id()

    def source_image(item: Item) -> str | None:
        parent = by_id.get(item.derived_from) if item.derived_from else None
        if parent is not None and parent.object:
            return str(ws.root / parent.object)
        return str(ws.store.path(item.derived_from)) if item.derived_from else None

    return {it.id: sample_fields(it, source_image(it)) for it in items}


def _new_samples(ws: Workspace, items: list[Item], on_progress: Callable[[int, int], None] | None) -> list[Any]:
    import fiftyone as fo

    media_dir = ws.cache_dir(MEDIA_CACHE)
    samples = []
    for n, it in enumerate(items, 1):
        path = media_path(it, ws.root / it.object, media_dir)
        meta = fo.ImageMetadata(width=it.width, height=it.height, size_bytes=it.bytes) if it.width else None
        samples.append(fo.Sample(filepath=str(path), item_id=it.id, metadata=meta))
        if on_progress:
            on_progress(n, len(items))
    return samples


def refresh_fields(ds: Any, ws: Workspace, manifest: Manifest) -> None:
    """Set every sample's fields from `manifest`; tags are left alone."""
    items = [it for it in manifest.items if it.object is not None]
    rows = _rows(ws, manifest, items)
    scores = sorted({k for row in rows.values() for k in row if k.startswith(SCORE_PREFIX)})
    _declare_fields(ds, FIELDS | {name: "float" for name in scores})
    for name in [*FIELDS, *scores]:
        if name != "item_id":
            ds.set_values(name, {iid: row.get(name) for iid, row in rows.items()}, key_field="item_id")
    ds.info[INFO_MANIFEST] = manifest.id
    ds.save()


def build_dataset(ws: Workspace, manifest: Manifest, on_progress: Callable[[int, int], None] | None = None) -> Any:
    """Create or update the review dataset for `manifest`; returns the fiftyone.Dataset."""
    import fiftyone as fo
    from fiftyone import ViewField as F

    items = reviewable(ws, manifest)
    name = dataset_name(ws, manifest)
    ds = fo.load_dataset(name) if fo.dataset_exists(name) else fo.Dataset(name, persistent=True)
    _declare_fields(ds, FIELDS)
    wanted = {it.id for it in items}
    if len(ds):
        ds.delete_samples(ds.match(~F("item_id").is_in(sorted(wanted))))
    have = set(ds.values("item_id"))
    ds.add_samples(_new_samples(ws, [it for it in items if it.id not in have], on_progress))
    ds.info[INFO_BASE] = review_base(ws, manifest).id
    ds.info[INFO_WORKSPACE] = str(ws.root)
    refresh_fields(ds, ws, manifest)
    save_views(ds)
    return ds


def _outlier_view(ds: Any) -> Any:
    from fiftyone import ViewField as F

    has_code = F("flags").filter(F().contains_str("outlier")).length() + F("reasons").filter(F().contains_str("outlier")).length()
    view = ds.match(has_code > 0)
    score = next((f for f in ds.get_field_schema() if f.startswith(SCORE_PREFIX) and "outlier" in f), None)
    return view.sort_by(score, reverse=True) if score else view


def save_views(ds: Any) -> None:
    """Saved views: flagged, near duplicates, outliers, rejected, and one per cluster."""
    from fiftyone import ViewField as F

    views = {
        "flagged": ds.match(F("flags").length() > 0),
        "near duplicates": ds.match(F("duplicate_group") != None).sort_by("duplicate_group"),  # noqa: E711 (a query)
        "outliers": _outlier_view(ds),
        "rejected": ds.match(F("status") == "rejected"),
    }
    for cluster in sorted(c for c in ds.distinct("cluster") if c is not None):
        views[CLUSTER_VIEW.format(cluster)] = ds.match(F("cluster") == cluster)
    for stale in set(ds.list_saved_views()) - set(views):
        if stale.startswith(CLUSTER_VIEW.format("")):
            ds.delete_saved_view(stale)
    for name, view in views.items():
        ds.save_view(name, view, overwrite=True)


def load_dataset(ws: Workspace, manifest: Manifest) -> Any:
    """The review dataset of `manifest`'s lineage; a clear error when review never started."""
    import fiftyone as fo

    name = dataset_name(ws, manifest)
    if not fo.dataset_exists(name):
        raise CuratorError(f"no review dataset for manifest {manifest.id[:12]} yet: run 'curator review {manifest.id[:12]}' first")
    return fo.load_dataset(name)
