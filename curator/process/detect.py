"""The detector chain: try each detector in order on a shrunk copy until one finds something."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detectors.base import Box, Detector
from detectors.registry import DetectorSettings, create


@dataclass(frozen=True)
class ChainResult:
    detector: str  # name of the detector that fired ('' when none did)
    boxes: tuple[Box, ...]  # in source pixels, best first


class DetectorChain:
    def __init__(self, names: list[str], settings: DetectorSettings, max_side: int) -> None:
        self.detectors: list[Detector] = [create(name, settings) for name in names]
        self.max_side = max_side

    def run(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> ChainResult:
        import cv2

        h, w = rgb.shape[:2]
        scale = min(1.0, self.max_side / max(h, w))
        if scale < 1.0:
            size = (max(1, round(w * scale)), max(1, round(h * scale)))
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
            alpha = cv2.resize(alpha, size, interpolation=cv2.INTER_AREA) if alpha is not None else None
        for detector in self.detectors:
            boxes = detector.detect(rgb, alpha)
            if boxes:
                return ChainResult(detector.name, tuple(_rescale(b, 1.0 / scale) for b in boxes))
        return ChainResult("", ())


def _rescale(box: Box, factor: float) -> Box:
    if factor == 1.0:
        return box
    marks = tuple((x * factor, y * factor) for x, y in box.landmarks) if box.landmarks else None
    return Box(box.x0 * factor, box.y0 * factor, box.x1 * factor, box.y1 * factor, box.score, box.kind, marks)
