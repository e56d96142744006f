"""Fallback for mascots, objects and anything without a detectable face: the whole subject.

In order: the bounding box of the opaque pixels when the image has transparency; else of the
pixels that differ from the border colour when the border is near-uniform (a drawn character on
a plain background); else a centred square. It always returns one box, so it ends a chain.
"""

from __future__ import annotations

import numpy as np

from detectors.base import Box

_WORK_SIDE = 256  # masks are computed on a copy this size: plenty for a bounding box, and fast


class SubjectDetector:
    name = "subject"

    def __init__(self, colour_tolerance: float = 40.0, uniform_border: float = 0.6, trim: float = 0.005) -> None:
        self.colour_tolerance = colour_tolerance  # RGB distance that counts as "not background"
        self.uniform_border = uniform_border  # share of border pixels that must match its median colour
        self.trim = trim  # share of mask pixels ignored on each side (stray specks, JPEG noise)

    def detect(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Box]:
        h, w = rgb.shape[:2]
        scale = min(1.0, _WORK_SIDE / max(h, w))
        small_rgb, small_alpha = _shrink(rgb, scale), _shrink(alpha, scale) if alpha is not None else None
        found = None
        if small_alpha is not None and small_alpha.min() < 250:
            found = self._box(small_alpha > 16), 0.9
        if found is None or found[0] is None:
            mask = self._foreground(small_rgb)
            found = (self._box(mask), 0.5) if mask is not None else None
        if found is None or found[0] is None:
            side = min(h, w)
            x0, y0 = (w - side) / 2, (h - side) / 2
            return [Box(x0, y0, x0 + side, y0 + side, 0.1, "centre")]
        (x0, y0, x1, y1), score = found
        return [Box(x0 / scale, y0 / scale, x1 / scale, y1 / scale, score, "subject")]

    def _foreground(self, rgb: np.ndarray) -> np.ndarray | None:
        border = np.concatenate([rgb[:2].reshape(-1, 3), rgb[-2:].reshape(-1, 3), rgb[:, :2].reshape(-1, 3), rgb[:, -2:].reshape(-1, 3)])
        colour = np.median(border, axis=0)
        if np.mean(np.linalg.norm(border - colour, axis=1) <= self.colour_tolerance) < self.uniform_border:
            return None  # busy border: a scene or a photo, not a figure on a plain ground
        return np.linalg.norm(rgb.astype(np.float32) - colour, axis=2) > self.colour_tolerance

    def _box(self, mask: np.ndarray) -> tuple[float, float, float, float] | None:
        """Bounding box of `mask` after trimming `trim` of its pixels from each side; None if (nearly) empty or full."""
        total = int(mask.sum())
        if total < 0.002 * mask.size or total > 0.97 * mask.size:
            return None
        cols, rows = np.cumsum(mask.sum(axis=0)), np.cumsum(mask.sum(axis=1))
        lo, hi = self.trim * total, (1 - self.trim) * total
        x0, x1 = int(np.searchsorted(cols, lo)), int(np.searchsorted(cols, hi)) + 1
        y0, y1 = int(np.searchsorted(rows, lo)), int(np.searchsorted(rows, hi)) + 1
        return float(x0), float(y0), float(x1), float(y1)


def _shrink(arr: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return arr
    import cv2

    h, w = arr.shape[:2]
    return cv2.resize(arr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
