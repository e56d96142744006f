"""What a detector is: an RGB image in, boxes out.

Every detector, built-in or plug-in, follows `Detector`: `detect(rgb, alpha)` takes an
8-bit HxWx3 RGB array (and the alpha channel when the file had one) and returns `Box`es in
that image's pixel coordinates, best first. Nothing else about a detector is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

FACE_KINDS = ("face", "anime_face")
SUBJECT_KINDS = ("subject", "head", "centre")  # not faces: a whole subject, a silhouette's head, a centre square


@dataclass(frozen=True)
class Box:
    """One detection. `kind` says what it is ('anime_face', 'face', 'subject'); `score` is in [0, 1]."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float
    kind: str
    landmarks: tuple[tuple[float, float], ...] | None = None  # eyes first (viewer's left, right) when present

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return max(0.0, self.width) * max(0.0, self.height)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2


@runtime_checkable
class Detector(Protocol):
    """Finds faces or subjects. `name` is what the manifest records as the detector that fired."""

    name: str

    def detect(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Box]:
        ...
