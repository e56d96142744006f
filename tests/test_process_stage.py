"""`curator process` on the sample corpus, scored against its labels; incremental re-runs; CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from curator.process.config import ProcessConfig
from curator.process.crop import region_for
from curator.process.run import crop_spec
from curator.workspace import Workspace
from detectors.base import Box
from manifests import Manifest
from manifests.diff import diff

# Junk label -> reason codes that correctly explain it (all reasons are recorded, any one suffices).
JUNK_CODES = {
    "empty": {"empty"}, "not_image": {"not_image"}, "truncated": {"truncated", "corrupt"}, "corrupt": {"corrupt"},
    "dominant_colour": {"dominant_colour"}, "too_dark": {"too_dark"}, "text": {"low_information", "grayscale"},
    "too_small": {"too_small"}, "blur": {"blur"}, "grayscale": {"grayscale"}, "aspect_ratio": {"aspect_ratio"},
}


def _configure(root: Path, animeface_xml: Path, extra: str = "") -> None:
    (root / "curator.toml").write_text(f'[process]\nanimeface_path = "{animeface_xml}"\n{extra}')


def _run(root: Path, **kw):
    from curator.process.run import process_manifest

    return process_manifest(Workspace(root), **kw)


@pytest.fixture(scope="module")
def processed(tmp_path_factory, _imported_template, animeface_xml):
    root = tmp_path_factory.mktemp("process") / "ws"
    shutil.copytree(_imported_template, root)
    _configure(root, animeface_xml)
    return root, _run(root)


def _by_file(manifest: Manifest, corpus_dir: Path) -> dict[str, object]:
    """Corpus file name -> the item that now stands for it (its crop, or itself when rejected)."""
    return {str(Path(s.path).relative_to(corpus_dir)): it for it in manifest.items for s in it.sources}


def test_junk_is_rejected_with_the_right_reasons(processed, corpus_dir, corpus_labels):
    _, result = processed
    items = _by_file(result.manifest, corpus_dir)
    for name, label in corpus_labels.items():
        if label["kind"] != "junk":
            continue
        item = items[name]
        codes = {r.code for r in item.reasons}
        assert item.status == "rejected" and codes & JUNK_CODES[label["junk"]], (name, codes)
        assert all(r.score is not None and r.threshold is not None for r in item.reasons if r.stage == "process" and r.code in
                   {"dominant_colour", "too_dark", "too_small", "blur", "grayscale", "aspect_ratio"})


def test_characters_are_cropped_around_their_heads(processed, corpus_dir, corpus_labels):
    root, result = processed
    cfg = ProcessConfig()
    spec = crop_spec(cfg)
    items = _by_file(result.manifest, corpus_dir)
    for name, label in corpus_labels.items():
        if label["kind"] != "character":
            continue
        crop = items[name]
        assert crop.derived_from is not None and crop.width == crop.height == cfg.resolution
        assert (root / crop.object).is_file() and crop.detection is not None
        d = crop.detection
        x0, y0, x1, y1 = region_for(Box(*d.box, d.score, d.kind), spec).box
        hx0, hy0, hx1, hy1 = label["head_box"]
        inter = max(0, min(x1, hx1) - max(x0, hx0)) * max(0, min(y1, hy1) - max(y0, hy0))
        head, region = (hx1 - hx0) * (hy1 - hy0), (x1 - x0) * (y1 - y0)
        assert inter / head >= 0.8, (name, "head not inside the crop")
        if d.kind == "subject":
            assert inter / (head + region - inter) >= 0.5, (name, "crop much larger than the head")
        else:  # a face box is grown for hair and chin, so the crop is bigger than the head by design
            assert region <= 4 * head, (name, "crop much larger than the head")


def test_known_duplicates_are_grouped_and_distinct_characters_are_not(processed, corpus_dir, corpus_labels):
    _, result = processed
    items = _by_file(result.manifest, corpus_dir)
    for name, label in corpus_labels.items():
        if label["kind"] not in ("exact_duplicate", "near_duplicate"):
            continue
        if label.get("transform") == "crop":
            continue  # a 3% crop moves phash by up to 8 bits on these drawings: not promised at the default threshold
        copy, original = items[name], items[label["duplicate_of"]]
        if copy.id == original.id:  # byte- or crop-identical: one item holds both origins
            continue
        if copy.status == "rejected" and not copy.duplicate_group:  # rejected on its own merits (e.g. the grayscale copy)
            assert {r.code for r in copy.reasons} & {"grayscale"}, name
            continue
        assert copy.duplicate_group and copy.duplicate_group == original.duplicate_group, name
    groups: dict[str, set[str]] = {}
    for name, label in corpus_labels.items():
        item = items.get(name)
        if item is not None and item.duplicate_group:
            origin = label.get("duplicate_of", name)
            groups.setdefault(item.duplicate_group, set()).add(origin)
    assert groups and all(len(origins) == 1 for origins in groups.values()), groups
    for item in result.manifest.items:
        if item.duplicate_of:
            assert item.status == "rejected" and item.reasons[-1].code in ("duplicate", "near_duplicate")
            keeper = result.manifest.by_id()[item.duplicate_of]
            assert keeper.status == "kept" and keeper.duplicate_group == item.duplicate_group


# Copies the default threshold must catch (benchmarks/bench_process_duplicates.py: recall 1.0 or
# 17/18 for these, brightness 11/18, 3% crops 0/18 at precision 1.0).
MUST_MATCH = {"resize", "recompress", "palette", "cmyk", "exif_rotated"}


def test_no_distinct_character_is_rejected_as_a_duplicate_and_near_copies_are(processed, corpus_dir, corpus_labels):
    _, result = processed
    items = _by_file(result.manifest, corpus_dir)
    by_id = result.manifest.by_id()
    origin = {name: label.get("duplicate_of", name) for name, label in corpus_labels.items()}
    files: dict[str, set[str]] = {}
    for name, item in items.items():
        files.setdefault(item.id, set()).add(name)
    duplicates = [it for it in result.manifest.items if it.duplicate_of]
    assert duplicates
    for item in duplicates:
        keeper = by_id[item.duplicate_of]
        assert {origin[n] for n in files[item.id]} & {origin[n] for n in files[keeper.id]}, (files[item.id], files[keeper.id])
    matched = [name for name, label in corpus_labels.items() if label.get("transform") in MUST_MATCH]
    assert matched
    for name in matched:
        copy, original = items[name], items[corpus_labels[name]["duplicate_of"]]
        assert copy.id == original.id or (copy.duplicate_group and copy.duplicate_group == original.duplicate_group), name


def test_manifest_shape_and_diff_report_crops(processed):
    root, result = processed
    ws = Workspace(root)
    parent = ws.manifests.load("import")
    m = result.manifest
    assert m.parent == parent.id and m.stage == "process" and m.params["resolution"] == 256
    ids = [it.id for it in m.items]
    assert len(ids) == len(set(ids))
    for old in parent.items:
        if old.status == "rejected":  # carried over unchanged
            assert m.by_id()[old.id] == old
    crops = [it for it in m.items if it.derived_from]
    assert m.stats["crops"] == len(crops)
    assert all({"sha256", "source_pixels", "source_phash", "source_dhash"} <= set(it.hashes) for it in crops)
    d = diff(parent, m)
    assert sum(len(v) for v in d.cropped.values()) == len(crops)
    assert not d.added and not d.removed


def test_rerun_redoes_nothing_and_a_threshold_change_recomputes_nothing(processed, tmp_path, animeface_xml):
    root, first = processed
    again = _run(root)
    assert (again.computed, again.cached, again.new_version) == (0, first.computed + first.cached, False)
    assert again.manifest_path == first.manifest_path
    copy = tmp_path / "ws"
    shutil.copytree(root, copy)
    _configure(copy, animeface_xml, "max_dominant = 0.3\n")
    stricter = _run(copy)
    assert stricter.computed == 0 and stricter.new_version
    assert stricter.manifest.stats["reasons"]["dominant_colour"] > first.manifest.stats["reasons"]["dominant_colour"]


def test_crop_change_reuses_detections(processed, tmp_path, monkeypatch, animeface_xml):
    root, first = processed
    copy = tmp_path / "ws"
    shutil.copytree(root, copy)
    _configure(copy, animeface_xml, "resolution = 128\npad = 'solid'\n")

    def no_detecting(*a, **k):
        raise AssertionError("detector ran although its settings did not change")

    monkeypatch.setattr("curator.process.detect.DetectorChain.run", no_detecting)
    result = _run(copy, workers=1)
    assert result.computed == first.computed + first.cached and result.manifest.params["resolution"] == 128
    assert all(it.width == 128 for it in result.manifest.items if it.derived_from)


def test_cli_process_json_and_clear_errors(tmp_path, imported_ws, cli, animeface_xml):
    _configure(imported_ws.root, animeface_xml, "workers = 1\n")
    code, stdout, _ = cli(["-w", str(imported_ws.root), "process", "--json"])
    assert code == 0
    out = json.loads(stdout)
    assert out["new_version"] and out["crops"] > 0 and Path(out["manifest"]).is_file()
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, stderr = cli(["-w", str(empty), "process"])
    assert code == 2 and "run 'curator import'" in stderr
