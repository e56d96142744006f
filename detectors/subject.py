"""Fallback for mascots, objects and anything without a detectable face: the whole subject.

In order: the bounding box of the opaque pixels when the image has transparency; else of the
pixels that differ from the border colour when the border is near-uniform (a drawn character on
a plain background); else a centred square. It always returns a box, so it ends a chain.

A tall or wide figure (a knight on a horse, a standing character) is more than a head: then
the topmost compact blob of its silhouette, cut at the neck, comes first as a 'head' box and
the whole subject second (`head_box`). A figure with no such blob gives the whole subject.
A tall figure cut by a side of the frame gets a box reaching past that side (`_past_the_side`).
"""

from __future__ import annotations

import numpy as np

from detectors.base import Box

_WORK_SIDE = 256  # masks are computed on a copy this size: plenty for a bounding box, and fast


class SubjectDetector:
    name = "subject"

    def __init__(self, colour_tolerance: float = 40.0, uniform_border: float = 0.6, trim: float = 0.005, heads: bool = True) -> None:
        self.heads = heads  # look for the head of a tall or wide figure
        self.colour_tolerance = colour_tolerance  # RGB distance that counts as "not background"
        self.uniform_border = uniform_border  # share of border pixels that must match its median colour
        self.trim = trim  # share of mask pixels ignored on each side (stray specks, JPEG noise)

    def detect(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Box]:
        h, w = rgb.shape[:2]
        scale = min(1.0, _WORK_SIDE / max(h, w))
        small_rgb, small_alpha = _shrink(rgb, scale), _shrink(alpha, scale) if alpha is not None else None
        found = None
        if small_alpha is not None and small_alpha.min() < 250:
            mask = small_alpha > 16
            found = self._box(mask), 0.9, mask
        if found is None or found[0] is None:
            mask = self._foreground(small_rgb)
            found = (self._box(mask), 0.5, mask) if mask is not None else None
        if found is None or found[0] is None:
            side = min(h, w)
            x0, y0 = (w - side) / 2, (h - side) / 2
            return [Box(x0, y0, x0 + side, y0 + side, 0.1, "centre")]
        (x0, y0, x1, y1), score, mask = found
        cut_x0, cut_x1 = _past_the_side(mask, x0, y0, x1, y1)
        whole = Box(cut_x0 / scale, y0 / scale, cut_x1 / scale, y1 / scale, score, "subject")
        # A silhouette cut by a side of the frame is not whole: its narrowest row says nothing about a neck.
        head = head_box(mask) if self.heads and (cut_x0, cut_x1) == (x0, x1) else None
        if head is None:
            return [whole]
        hx0, hy0, hx1, hy1 = head
        return [Box(hx0 / scale, hy0 / scale, hx1 / scale, hy1 / scale, score, "head"), whole]

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


def _past_the_side(mask: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float]:
    """A tall figure cut by the left or right edge of the frame continues outside it: widen its box
    past that edge (to 1.5x its visible width, at most its height), so a crop anchored at its top
    holds the whole head and pads the missing side instead of cutting the head off at the chin."""
    w, h = x1 - x0, y1 - y0
    if h < ELONGATED * w:
        return x0, x1
    extra = min(h, 1.5 * w) - w
    cut = 0.1 * h  # rows of the figure on the frame's edge that say it was cut there
    if x0 <= 0 and mask[:, 0].sum() >= cut:
        return x0 - extra, x1
    if x1 >= mask.shape[1] and mask[:, -1].sum() >= cut:
        return x0, x1 + extra
    return x0, x1


ELONGATED = 1.3  # a figure whose long side exceeds its short side this much is more than a head


def head_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """The topmost compact blob of a figure's silhouette, cut at the neck; None for a compact figure
    (already a head, or a blob) or when no head-sized blob tops it.

    The mask is first opened with a disc a few percent of the figure's short side, so raised
    spears, antennae and wing tips, thin next to a head, do not count as the top.
    """
    import cv2

    ys, xs = np.nonzero(mask)
    if len(ys) < 16:
        return None
    fw, fh = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
    if max(fw, fh) < ELONGATED * min(fw, fh):
        return None
    k = max(3, int(round(0.08 * min(fw, fh)))) | 1
    opened = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    rows = np.flatnonzero(opened.any(axis=1))
    if not len(rows):
        return None
    top = int(rows[0])
    band = opened[top:top + int(0.9 * min(fw, fh)) + 1]
    _, labels = cv2.connectedComponents(band)
    first = labels[0][labels[0] > 0]
    comp = labels == np.bincount(first).argmax()
    widths = comp.sum(axis=1).astype(float)
    end = _neck(widths)
    if end is None:
        return None
    head = comp[:end]
    hy, hx = np.nonzero(head)
    if not len(hy):
        return None
    x0, x1, y0, y1 = hx.min(), hx.max() + 1, top + hy.min(), top + hy.max() + 1
    w, h = x1 - x0, y1 - y0
    if not (0.6 <= h / w <= 2.0) or w * h > 0.5 * fw * fh or min(w, h) < 0.15 * min(fw, fh):
        return None
    return float(x0), float(y0), float(x1), float(y1)


def _neck(widths: np.ndarray) -> int | None:
    """Rows from the top down to the neck: the narrowest row after the widest part so far,
    once the silhouette widens again (shoulders); None without one."""
    peak, trough = 0, None  # row indices
    for y, wd in enumerate(widths):
        narrowed = trough is not None and widths[trough] < 0.85 * widths[peak]
        if not narrowed and wd >= widths[peak]:
            peak, trough = y, None
        elif trough is None or wd < widths[trough]:
            trough = y
        elif narrowed and wd > 1.3 * widths[trough] and wd > 2:
            return trough + 1
    return None


def _shrink(arr: np.ndarray, scale: float) -> np.ndarray:
    if scale >= 1.0:
        return arr
    import cv2

    h, w = arr.shape[:2]
    return cv2.resize(arr, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
