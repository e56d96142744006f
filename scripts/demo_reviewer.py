"""Stand in for the person at the FiftyOne App in the offline demo.

Builds the review dataset from the latest manifest, then tags samples the way the App's tag
button does (`tag_samples` on a selection): the three most outlying crops 'reject', and the
first kept crop 'accept'. `curator review --sync` then turns the tags into a new version.
"""

from __future__ import annotations

from curator.review.database import review_database
from curator.review.dataset import build_dataset
from curator.workspace import Workspace


def main() -> None:
    ws = Workspace.locate()
    manifest = ws.manifests.load("latest")
    kept = manifest.kept()
    outliers = sorted(kept, key=lambda it: it.scores.get("outlier", 0.0), reverse=True)[:3]
    with review_database(ws.root, ws.config.review):
        ds = build_dataset(ws, manifest)
        ds.select_by("item_id", [it.id for it in outliers]).tag_samples("reject")
        ds.select_by("item_id", [kept[-1].id]).tag_samples("accept")
    print(f"tagged {len(outliers)} outliers 'reject' and 1 crop 'accept' in dataset {ds.name!r}")


if __name__ == "__main__":
    main()
