"""Photo faces: OpenCV's bundled Haar frontal-face cascade (ships inside opencv-python 4.x)."""

from __future__ import annotations

from pathlib import Path

from detectors.errors import DetectorError
from detectors.cascade import CascadeDetector


def haar(min_size: int = 24, min_neighbors: int = 5, cascade: str = "haarcascade_frontalface_default.xml") -> CascadeDetector:
    import cv2

    folder = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if not folder or not (Path(folder) / cascade).is_file():
        raise DetectorError(f"OpenCV {cv2.__version__} ships no {cascade}; install opencv-python-headless<5")
    return CascadeDetector("haar", Path(folder) / cascade, "face", min_size=min_size, min_neighbors=min_neighbors)
