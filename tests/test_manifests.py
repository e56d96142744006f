import itertools
import json

import pytest

from manifests import Item, Manifest, ManifestRepo, Reason, io, schema
from manifests.diff import diff
from manifests.errors import ManifestError

OID = "a" * 64
OID2 = "b" * 64


def _manifest(**kw) -> Manifest:
    base = dict(created="2026-01-01T00:00:00+00:00", stage="import", items=[Item(id=OID, bytes=3), Item(id=OID2, bytes=4)])
    return Manifest(**(base | kw))


def test_content_id_is_stable_and_changes_with_content(tmp_path):
    m = _manifest()
    io.save(m, tmp_path / "m.json")
    loaded = io.load(tmp_path / "m.json")
    assert loaded.id == m.id == io.content_id(loaded)
    other = _manifest(stage="process")
    assert io.content_id(other) != m.id


def test_items_encoded_once_give_the_canonical_id():
    # serialise encodes each item once for both the id and the file: the id must still be the
    # hash of the whole document's canonical JSON.
    items = [Item(id=OID, bytes=3, label="エルフ", scores={"ü": 0.25}), Item(id=OID2, bytes=4, width=7, height=5)]
    m = _manifest(items=items, params={"query": "エルフ", "ratio": 0.1, "nested": {"b": [1, 2], "a": None}})
    manifest_id, text = io.serialise(m)
    assert manifest_id == io.content_id(m)
    assert json.loads(text)["id"] == manifest_id


def test_file_has_one_item_per_line_and_reads_back_as_the_same_json(tmp_path):
    m = _manifest(params={"nested": {"a": [1, 2]}})
    text = io.dumps(m)
    item_lines = [line for line in text.splitlines() if line.startswith('  {"bytes"')]
    assert len(item_lines) == 2  # a changed item is a one-line diff
    data = io.to_data(m) | {"id": io.content_id(m)}
    assert json.loads(text) == data
    assert text == io.readable_json(json.loads(text))  # the layout is a function of the content


def test_tampered_file_is_refused(tmp_path):
    path = tmp_path / "m.json"
    io.save(_manifest(), path)
    data = json.loads(path.read_text())
    data["items"][0]["bytes"] = 999
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="does not match its id"):
        io.load(path)


def test_future_schema_version_gives_clear_error(tmp_path):
    path = tmp_path / "m.json"
    data = json.loads(io.dumps(_manifest()))
    data["schema_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(ManifestError, match="newer curator"):
        io.load(path)


def test_shipped_schema_matches_code_and_validates():
    assert schema.shipped() == schema.generate(), "run: curator manifest schema -o manifests/manifest.schema.json"
    data = json.loads(io.dumps(_manifest()))
    assert schema.errors(data) == []
    data["items"][0]["status"] = "maybe"
    data["items"][1]["surprise"] = 1
    errs = schema.errors(data)
    assert any("maybe" in e for e in errs) and any("surprise" in e for e in errs)


def test_diff_reports_added_removed_and_decisions():
    a = _manifest()
    b = _manifest(items=[Item(id=OID, bytes=3, label="x"), Item(id="c" * 64, bytes=1)])
    b.items[0].reject(Reason(code="review", stage="review"))
    d = diff(a, b)
    assert [i.id for i in d.added] == ["c" * 64]
    assert [i.id for i in d.removed] == [OID2]
    assert d.status_changed[0].after == "rejected" and d.status_changed[0].reasons == ["review:review"]
    assert d.label_changed[0].after == "x"


def test_repo_versions_resolve_and_log(tmp_path):
    repo = ManifestRepo(tmp_path / "manifests")
    first = repo.write(_manifest())
    second = repo.write(_manifest(stage="process", parent=io.load(first).id, items=[Item(id=OID, bytes=3)]))
    assert first.name.startswith("0001-import-") and second.name.startswith("0002-process-")
    assert repo.write(io.load(second)) == second  # same content: no new version
    assert repo.resolve("latest") == second
    assert repo.resolve("import") == first
    assert repo.resolve(io.load(first).id[:8]) == first
    chain = repo.log("latest")
    assert [m.stage for _, m, _ in chain] == ["process", "import"]
    with pytest.raises(ManifestError):
        repo.resolve("nonexistent-stage")


def test_commit_writes_a_version_once_whatever_its_time_and_software(tmp_path):
    calls = itertools.count(1)
    repo = ManifestRepo(tmp_path / "manifests", software=lambda: {"curator": str(next(calls))})
    items = [Item(id=OID, bytes=3), Item(id=OID2, bytes=4)]
    path, is_new, root = repo.commit(None, "import", {"paths": ["a"]}, items)
    assert is_new and root.stats["items"] == 2 and root.software == {"curator": "1"}
    assert repo.commit(None, "import", {"paths": ["a"]}, [it.model_copy() for it in items]) == (path, False, root)

    processed = [Item(id=OID, bytes=3, cluster=1)]
    child, is_new, made = repo.commit(root, "process", {"t": 1}, processed, {"crops": 1})
    assert is_new and made.parent == root.id and made.stats["crops"] == 1 and made.stats["kept"] == 1
    # Same parent, parameters and items: the existing version, though created later by other software.
    again = repo.commit(root, "process", {"t": 1}, [Item(id=OID, bytes=3, cluster=1)], {"crops": 1})
    assert again.path == child and not again.is_new and again.manifest.id == made.id
    # A different parameter is a different version, and so is a different parent.
    assert repo.commit(root, "process", {"t": 2}, processed).is_new
    # A stage run on its own output that changes no item adds nothing: the parent it was given.
    latest = repo.latest(["process"])
    assert repo.commit(latest, "process", {"t": 3}, list(latest.items)) == (repo.latest_path(), False, latest)
    assert [v.stage for v in repo.versions()] == ["import", "process", "process"]
    assert repo.latest(["import"]).id == root.id and repo.latest(["review"]) is None
