"""`curator review` through FiftyOne's Python API against a real embedded mongod (one per module).

Tags are set with `tag_samples`, which is what the App's tag action does on the selected samples.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from curator.errors import CuratorError
from curator.review.app import check_port_free
from curator.review.config import ReviewConfig
from curator.review.database import EmbeddedMongo, database_dir, review_database
from curator.review.dataset import FIXED_VIEWS, build_dataset, load_dataset
from curator.review.sync import sync_dataset
from curator.workspace import Workspace
from manifests.io import now_iso


@pytest.fixture(scope="module")
def review_ws(tmp_path_factory, _imported_template):
    """A workspace with the sample corpus imported and its review database running (stopped after)."""
    root = tmp_path_factory.mktemp("review") / "ws"
    shutil.copytree(_imported_template, root)
    ws = Workspace(root)
    with review_database(ws.root, ws.config.review):
        yield ws
    assert EmbeddedMongo.running(database_dir(ws.root, ws.config.review)) is None


@pytest.fixture(scope="module")
def dataset(review_ws):
    return build_dataset(review_ws, review_ws.manifests.load("latest"))


def _sample_ids(ds, item_ids):
    return [s.id for s in ds.select_by("item_id", list(item_ids))]


def test_dataset_shows_every_stored_item_with_its_fields(review_ws, dataset):
    manifest = review_ws.manifests.load(dataset.info["curator_manifest"])
    stored = [it for it in manifest.items if it.object is not None]
    assert len(dataset) == len(stored) > 30
    assert dataset.media_type == "image"
    sample = dataset.select_by("item_id", [stored[0].id]).first()
    media = Path(sample.filepath)
    assert media.suffix in (".png", ".jpg", ".gif", ".webp", ".bmp", ".tif") and media.read_bytes() == review_ws.store.get_bytes(stored[0].id)
    assert sample.source_path == stored[0].sources[0].path
    rejected = [it for it in stored if it.status == "rejected"]
    assert rejected, "the sample corpus has broken files that import rejects"
    assert set(FIXED_VIEWS) <= set(dataset.list_saved_views())
    assert set(dataset.load_saved_view("rejected").values("item_id")) == {it.id for it in rejected}
    assert set(dataset.load_saved_view("rejected").values("reasons")[0]) <= {"corrupt", "empty", "not_image", "too_large"}


def test_tags_round_trip_into_a_new_version(review_ws, dataset):
    start = review_ws.manifests.load("latest")
    kept = [it.id for it in start.kept()]
    dataset.select(_sample_ids(dataset, kept[:2])).tag_samples("reject")
    dataset.select(_sample_ids(dataset, kept[2:3])).tag_samples(["label:fox", "looks odd"])

    result = sync_dataset(review_ws, dataset, "tester")
    assert result.manifest is not None and result.manifest.stage == "review" and result.manifest.parent == start.id
    items = result.manifest.by_id()
    for iid in kept[:2]:
        assert items[iid].status == "rejected" and [(r.code, r.stage) for r in items[iid].reasons] == [("review", "review")]
        assert items[iid].review.decision == "reject" and items[iid].review.reviewer == "tester"
    assert items[kept[2]].label == "fox" and items[kept[2]].status == "kept"
    assert {c.id for c in result.diff.status_changed} == set(kept[:2]) and [c.id for c in result.diff.label_changed] == [kept[2]]
    assert result.manifest.stats["review"] == {"accept": 0, "reject": 2, "relabel": 1}
    assert review_ws.manifests.load("latest").id == result.manifest.id
    # The App now shows the synced version's decisions.
    assert set(dataset.match_tags("reject").values("status")) == {"rejected"}

    again = sync_dataset(review_ws, dataset, "tester")
    assert again.manifest is None and len(review_ws.manifests.paths()) == 2

    # Taking a tag off undoes that decision at the next sync.
    dataset.select(_sample_ids(dataset, kept[1:2])).untag_samples("reject")
    undone = sync_dataset(review_ws, dataset, "tester")
    assert undone.manifest.by_id()[kept[1]].status == "kept" and undone.manifest.by_id()[kept[0]].status == "rejected"
    assert undone.manifest.by_id()[kept[0]].review == items[kept[0]].review


def test_sync_refuses_when_the_workspace_moved_on_and_reopening_keeps_tags(review_ws, dataset):
    latest = review_ws.manifests.load("latest")
    newer = latest.model_copy(deep=True, update={"id": None, "parent": latest.id, "created": now_iso(), "stage": "cluster"})
    review_ws.manifests.write(newer)
    with pytest.raises(CuratorError, match=r"changed since this review started.*curator review"):
        sync_dataset(review_ws, dataset, "tester")

    tagged_before = sorted(dataset.match_tags("reject").values("item_id"))
    ds = build_dataset(review_ws, review_ws.manifests.load("latest"))
    assert ds.name == dataset.name and sorted(ds.match_tags("reject").values("item_id")) == tagged_before
    # The newer version already carries every synced decision: nothing to write until a new tag.
    assert sync_dataset(review_ws, ds, "tester").manifest is None
    untagged = [it.id for it in newer.kept() if it.review is None][0]
    ds.select(_sample_ids(ds, [untagged])).tag_samples("reject")
    result = sync_dataset(review_ws, ds, "tester")
    assert result.manifest is not None and result.manifest.parent == newer.id
    assert [c.id for c in result.diff.status_changed] == [untagged]
    assert load_dataset(review_ws, result.manifest).name == ds.name


def test_missing_objects_are_a_clear_error(review_ws, tmp_path, dataset):
    broken = Workspace(tmp_path / "broken")
    shutil.copytree(review_ws.root / "manifests", broken.root / "manifests")
    with pytest.raises(CuratorError, match=r"missing from the store .*curator manifest verify"):
        build_dataset(broken, broken.manifests.load("latest"))


def test_a_busy_port_and_a_database_that_cannot_start_are_clear_errors(review_ws):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(CuratorError, match=rf"port {port} on 127.0.0.1 is in use.*--port"):
            check_port_free("127.0.0.1", port)
    # The module's mongod holds the folder's lock, so a second one on it must fail with the fix.
    with pytest.raises(CuratorError, match=r"did not start .*fix: another mongod uses"):
        EmbeddedMongo.start(database_dir(review_ws.root, ReviewConfig()))
