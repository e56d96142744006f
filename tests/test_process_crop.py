"""Cropping geometry, padding, eye levelling, and the quality scorers on images with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from curator.process.crop import CropSpec, Region, cut, region_for
from curator.process.config import ProcessConfig
from curator.process.quality import CROP_FILTERS, judge, thresholds_of
from curator.process.scores import crop_scores
from detectors.base import Box


def test_face_region_grows_by_its_factors_and_is_square():
    spec = CropSpec(grow_top=0.5, grow_bottom=0.25, grow_sides=0.25)
    r = region_for(Box(100, 100, 200, 200, 1.0, "face"), spec)
    # x: 75..225 (150 wide); y: 50..225 (175 high) -> a 175 square centred on (150, 137.5)
    assert (r.cx, r.cy, r.side, r.angle) == (150, 137.5, 175, 0.0)


def test_subject_region_top_anchor_takes_the_head_end_of_a_tall_subject():
    tall = Box(40, 10, 100, 190, 0.5, "subject")
    top = region_for(tall, CropSpec(subject_margin=0.0, subject_anchor="top"))
    assert top.box == (40, 10, 100, 70)
    whole = region_for(tall, CropSpec(subject_margin=0.0, subject_anchor="centre"))
    assert whole.box == (-20, 10, 160, 190)


@pytest.mark.parametrize("pad", ["reflect", "blur", "solid"])
def test_crop_leaving_the_image_is_padded_to_the_target_size(pad):
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[:, :32] = (255, 0, 0)
    spec = CropSpec(pad=pad, resolution=128, background=(0, 0, 255))
    out = np.asarray(cut(rgb, Region(8, 32, 64), spec))  # half of it lies left of the image
    assert out.shape == (128, 128, 3)
    corner = out[64, 4]
    if pad == "solid":
        assert tuple(corner) == (0, 0, 255)
    else:  # a reflection of the red left half, sharp or blurred
        assert corner[0] > 200 and corner[2] < 40


def test_level_eyes_rotates_tilted_eyes_level():
    img = Image.new("RGB", (200, 200), (255, 255, 255))
    d = ImageDraw.Draw(img)
    left, right = (70, 80), (130, 110)  # right eye 30 px lower: tilted by about 26.6 degrees
    for x, y in (left, right):
        d.ellipse([x - 6, y - 6, x + 6, y + 6], fill=(0, 0, 0))
    box = Box(60, 60, 140, 140, 1.0, "face", landmarks=(left, right))
    spec = CropSpec(grow_top=0.2, grow_bottom=0.2, grow_sides=0.2, resolution=128)
    region = region_for(box, spec)
    assert region.angle == pytest.approx(26.565, abs=0.01)
    dark = np.asarray(cut(np.asarray(img), region, spec).convert("L")) < 100
    ys, xs = np.nonzero(dark)
    left_y, right_y = ys[xs < 64].mean(), ys[xs >= 64].mean()
    assert abs(left_y - right_y) < 2.0
    unlevelled = np.asarray(cut(np.asarray(img), region_for(box, CropSpec(level_eyes=False, resolution=128)), spec).convert("L")) < 100
    ys, xs = np.nonzero(unlevelled)
    assert ys[xs >= 64].mean() - ys[xs < 64].mean() > 10


def test_quality_scores_separate_known_bad_images():
    rng = np.random.default_rng(0)
    art = Image.new("RGB", (128, 128), (240, 230, 220))
    d = ImageDraw.Draw(art)
    for _ in range(12):
        x, y = rng.integers(0, 100, 2)
        d.ellipse([x, y, x + 28, y + 28], fill=tuple(int(v) for v in rng.integers(0, 255, 3)), outline=(0, 0, 0), width=2)
    thresholds = thresholds_of(ProcessConfig())  # the shipped defaults
    good = {**crop_scores(np.asarray(art)), "face_size": 64.0}
    assert judge(good, CROP_FILTERS, thresholds) == []
    cases = {
        "blur": art.filter(ImageFilter.GaussianBlur(5)),
        "grayscale": art.convert("L").convert("RGB"),
        "dominant_colour": Image.new("RGB", (128, 128), (30, 200, 40)),
        "too_dark": Image.fromarray((rng.random((128, 128, 3)) * 20).astype(np.uint8)),
        "too_light": Image.new("RGB", (128, 128), (252, 252, 252)),
        "low_information": Image.new("RGB", (128, 128), (90, 40, 160)),
    }
    for code, img in cases.items():
        codes = [r.code for r in judge({**crop_scores(np.asarray(img)), "face_size": 64.0}, CROP_FILTERS, thresholds)]
        assert code in codes, (code, codes)
    small_face = judge({**good, "face_size": 20.0}, CROP_FILTERS, thresholds)
    assert [(r.code, r.score, r.threshold) for r in small_face] == [("face_too_small", 20.0, ProcessConfig().min_face)]


def test_crop_png_is_lossless_and_decodes_to_the_same_rgb():
    import io

    from curator.process.worker import encode_png

    rng = np.random.default_rng(3)
    img = Image.fromarray(rng.integers(0, 256, (64, 48, 3), dtype=np.uint8))
    data = encode_png(np.asarray(img))
    back = Image.open(io.BytesIO(data))
    assert back.format == "PNG" and back.mode == "RGB"
    assert np.array_equal(np.asarray(back), np.asarray(img))
