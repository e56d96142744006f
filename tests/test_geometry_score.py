"""The Geometry Score against cases with a known answer, and its MRLT picture."""

from __future__ import annotations

import numpy as np
import pytest

from curator.evaluate.geometry_score import geometry_score, mean_rlt, plot_mrlt, relative_living_times, same_size

# The authors' toy-data settings (KhrulkovV/geometry-score README): 32 landmarks, gamma = 1/8.
TOY = dict(landmarks=32, gamma=1 / 8, repeats=20)


def _circle(rng: np.random.Generator, n: int, centre=(0.0, 0.0)) -> np.ndarray:
    t = rng.uniform(0, 2 * np.pi, n)
    return np.stack([centre[0] + np.cos(t), centre[1] + np.sin(t)], 1) + rng.normal(0, 0.02, (n, 2))


@pytest.fixture(scope="module")
def mrlts() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    clouds = {"circle": _circle(rng, 400), "circle_again": _circle(rng, 400),
              "two_circles": np.concatenate([_circle(rng, 200, (-2, 0)), _circle(rng, 200, (2, 0))]),
              "blob": rng.normal(0, 1, (400, 2))}
    return {name: mean_rlt(points, seed=1, **TOY) for name, points in clouds.items()}


def test_one_circle_two_circles_and_a_blob_have_one_two_and_no_long_lived_holes(mrlts):
    assert mrlts["circle"].argmax() == 1 and mrlts["circle"][1] > 0.9
    assert mrlts["two_circles"].argmax() == 2 and mrlts["two_circles"][2] > 0.8
    assert mrlts["blob"].argmax() == 0 and mrlts["blob"][0] > 0.6
    for m in mrlts.values():
        assert m.sum() == pytest.approx(1.0)


def test_geometry_score_is_small_for_the_same_topology_and_large_otherwise(mrlts):
    same = geometry_score(mrlts["circle"], mrlts["circle_again"])
    assert same < 0.01
    assert geometry_score(mrlts["circle"], mrlts["two_circles"]) > 100 * max(same, 1e-4)
    assert geometry_score(mrlts["circle"], mrlts["blob"]) > 100 * max(same, 1e-4)
    assert geometry_score(mrlts["circle"], mrlts["circle"]) == 0


def test_relative_living_times_of_hand_made_barcodes():
    # One hole alive over [0.2, 0.6) of [0, 1], a second over [0.4, 0.5): 0 holes 0.2+0.4, 1 hole 0.3, 2 holes 0.1.
    rlt = relative_living_times([(0.2, 0.6), (0.4, 0.5)], alpha_max=1.0, i_max=5)
    assert rlt == pytest.approx([0.6, 0.3, 0.1, 0, 0])
    # An infinite hole lives until alpha_max; no holes at all puts everything on 0.
    assert relative_living_times([(0.5, float("inf"))], 1.0, 3) == pytest.approx([0.5, 0.5, 0])
    assert relative_living_times([], 1.0, 3) == pytest.approx([1, 0, 0])


def test_mrlt_png(mrlts, tmp_path):
    from PIL import Image

    path = plot_mrlt({"real": mrlts["circle"], "generated": mrlts["two_circles"]}, tmp_path / "m.png")
    assert Image.open(path).size == (600, 350)
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_sets_are_compared_at_the_same_size():
    a, b = same_size(np.zeros((10, 2)), np.arange(40.0).reshape(20, 2), seed=0)
    assert a.shape == b.shape == (10, 2) and len(np.unique(b[:, 0])) == 10


def test_mrlt_png_when_a_set_has_holes_up_to_the_last_count(tmp_path):
    busy = np.zeros(100)
    busy[99] = 1.0
    assert plot_mrlt({"real": np.eye(100)[3], "generated": busy}, tmp_path / "m.png").is_file()
