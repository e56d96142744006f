"""Duplicate keepers and sources whose crops come out byte-identical."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image, PngImagePlugin

from curator.process.hamming import HashEntry, group_duplicates
from curator.process.duplicates import Candidate, Thresholds, near_duplicate_groups
from curator.sample.mascot import MascotSpec, draw_mascot
from curator.workspace import Workspace
from manifests import Item
from manifests.diff import diff


def _candidate(name: str, fmt: str, nbytes: int, sharpness: float, mode: str = "RGB") -> Candidate:
    source = Item(id=name * 64, object=f"objects/{name * 2}/{name * 64}", bytes=nbytes, width=256, height=256, format=fmt, mode=mode)
    hashes = {"pixels": f"px-{name}", "phash": "00000000000000ff", "dhash": "0000000000000000"}
    return Candidate(source, hashes, sharpness, crops=[])


def test_a_lossless_original_beats_its_heavier_sharper_jpeg_copy_at_equal_size():
    png, jpeg = _candidate("a", "PNG", 40_000, 10.0), _candidate("b", "JPEG", 60_000, 30.0)
    assert group_duplicates([jpeg.entry(), png.entry()], 4) == [[1, 0]]
    palette = _candidate("c", "PNG", 20_000, 10.0, mode="P")  # reduced to a palette on the way: not lossless
    assert group_duplicates([palette.entry(), jpeg.entry()], 4) == [[1, 0]]


def test_area_still_comes_before_losslessness():
    small_png = HashEntry("s", 0, "p1", 9_000, 1.0, 100, 100, lossless=True)
    big_jpeg = HashEntry("b", 1, "p2", 5_000, 1.0, 200, 200)
    assert group_duplicates([small_png, big_jpeg], 2) == [[1, 0]]


def test_either_link_groups_and_chains_across_links():
    # a-b: phash 2 bits but dhash 40 bits (a JPEG copy whose dhash moved): only the phash link holds.
    # b-c: phash 10 bits, dhash 2 bits: only the combined link (12 <= 16) holds. d is far from all.
    full = (1 << 64) - 1
    a = HashEntry("a", 0, "pa", 1, 1.0, 300, 300, dhash=0)
    b = HashEntry("b", 0b11, "pb", 1, 1.0, 200, 200, dhash=(1 << 40) - 1)
    c = HashEntry("c", 0b11 | ((1 << 10) - 1) << 2, "pc", 1, 1.0, 100, 100, dhash=((1 << 40) - 1) ^ 0b11)
    d = HashEntry("d", full, "pd", 1, 1.0, 400, 400, dhash=full)
    limits = Thresholds(combined=16, phash=8)
    assert group_duplicates([c, b, a, d], limits.combined) == [[1, 0]]
    assert near_duplicate_groups([c, b, a, d], limits) == [[2, 1, 0]]  # keeper (largest) first
    assert near_duplicate_groups([c, b, a, d], Thresholds(combined=16, phash=1)) == [[1, 0]]


def _png(img: Image.Image, note: str) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", note)  # same pixels, different bytes: import keeps both files
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info)
    return buf.getvalue()


def test_sources_with_identical_crops_stay_as_duplicates_not_removals(tmp_path, animeface_xml, ws):
    from curator.ingest.run import import_paths
    from curator.process.run import process_manifest

    img, _ = draw_mascot(MascotSpec("cat", size=128))
    folder = tmp_path / "in"
    folder.mkdir()
    for note in ("first", "second"):
        (folder / f"{note}.png").write_bytes(_png(img, note))
    import_paths(ws, [folder], workers=1)
    (ws.root / "curator.toml").write_text(f'[process]\nanimeface_path = "{animeface_xml}"\n')
    result = process_manifest(Workspace(ws.root), workers=1)

    parent = Workspace(ws.root).manifests.load("import")
    crops = [it for it in result.manifest.items if it.derived_from]
    twin = next(it for it in result.manifest.items if it.id in parent.by_id())
    assert len(crops) == 1 and crops[0].status == "kept"
    assert twin.status == "rejected" and twin.reasons[-1].code == "duplicate"
    assert twin.duplicate_of == crops[0].id and twin.duplicate_group == crops[0].duplicate_group == crops[0].id
    d = diff(parent, result.manifest)
    assert not d.removed and not d.added
    assert [c.id for c in d.status_changed] == [twin.id]


def test_dense_families_keep_distinct_characters_and_group_their_copies(tmp_path, animeface_xml, ws):
    """40 characters per family share pose and outline: at 8 x 8 hashes this linked distinct ones (precision ~0.3)."""
    from curator.ingest.run import import_paths
    from curator.process.run import process_manifest
    from curator.sample import CorpusSpec, generate_corpus

    corpus = tmp_path / "corpus"
    labels = generate_corpus(corpus, CorpusSpec(per_family=40, size=128, seed=1, families=("bear", "frog"), junk=False))
    import_paths(ws, [corpus], workers=1)
    (ws.root / "curator.toml").write_text(f'[process]\nanimeface_path = "{animeface_xml}"\n')
    manifest = process_manifest(Workspace(ws.root)).manifest

    origin, group_of = {}, {}  # item id -> the originals its files are (copies of); file -> its duplicate group
    for item in manifest.items:
        for src in item.sources:
            name = str(Path(src.path).relative_to(corpus))
            origin.setdefault(item.id, set()).add(labels[name].get("duplicate_of", name))
            group_of[name] = item.duplicate_group or item.id
    rejected = [it for it in manifest.items if it.duplicate_of]
    assert rejected
    for item in rejected:
        assert origin[item.id] & origin[item.duplicate_of], (origin[item.id], origin[item.duplicate_of])
    copies = [n for n, label in labels.items() if label.get("transform") in ("resize", "recompress", "palette", "cmyk")]
    assert copies and all(group_of[n] == group_of[labels[n]["duplicate_of"]] for n in copies)
