"""Anime and painted faces: nagadomi's LBP cascade (MIT) through OpenCV's CascadeClassifier."""

from __future__ import annotations

from pathlib import Path

from detectors.cascade import CascadeDetector
from commons.weights import WeightsFile, resolve

ANIMEFACE = WeightsFile(
    name="lbpcascade_animeface.xml",
    url="https://raw.githubusercontent.com/nagadomi/lbpcascade_animeface/master/lbpcascade_animeface.xml",
    sha256="9376d30ac38db6bda2a68b88b3b76bbd7e6aa33af47f7f5c76bc88ca75f1ce30",
)


def animeface(path: str | Path | None = None, min_size: int = 24, min_neighbors: int = 5) -> CascadeDetector:
    """The cascade from `path`, else from the user cache (downloaded and verified on first use)."""
    return CascadeDetector("animeface", resolve(ANIMEFACE, path), "anime_face", min_size=min_size, min_neighbors=min_neighbors)
