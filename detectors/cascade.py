"""OpenCV cascade classifiers (Haar or LBP XML files) as detectors.

Shared by the anime-face and Haar built-ins and by any `.xml` path a user names in the chain.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from detectors.errors import DetectorError
from detectors.base import Box


class CascadeDetector:
    """`cv2.CascadeClassifier` over an equalised grayscale image.

    Cascades give no confidence, only how many neighbouring windows agreed; the score is that
    count relative to `min_neighbors` squashed into (0, 1), so more agreement ranks higher.
    """

    def __init__(self, name: str, path: str | Path, kind: str, min_size: int = 24,
                 scale_factor: float = 1.1, min_neighbors: int = 5) -> None:
        import cv2

        if not hasattr(cv2, "CascadeClassifier"):
            raise DetectorError(f"OpenCV {cv2.__version__} has no CascadeClassifier; install opencv-python-headless<5")
        self.name, self.kind = name, kind
        self.min_size, self.scale_factor, self.min_neighbors = min_size, scale_factor, min_neighbors
        self._classifier = cv2.CascadeClassifier(str(path))
        if self._classifier.empty():
            raise DetectorError(f"{path}: not a readable OpenCV cascade file")

    def detect(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Box]:
        import cv2

        gray = cv2.equalizeHist(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
        rects, _, weights = self._classifier.detectMultiScale3(
            gray, scaleFactor=self.scale_factor, minNeighbors=self.min_neighbors,
            minSize=(self.min_size, self.min_size), outputRejectLevels=True,
        )
        boxes = []
        for (x, y, w, h), level_weight in zip(rects, np.ravel(weights) if len(rects) else []):
            score = float(1.0 / (1.0 + np.exp(-float(level_weight))))
            boxes.append(Box(float(x), float(y), float(x + w), float(y + h), score, self.kind))
        return sorted(boxes, key=lambda b: (-b.score, -b.area))
