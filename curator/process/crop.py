"""Cut a square crop around a detection: grow, square, pad, level, resize.

Works in source pixels until the final resize. The crop region may leave the image; the part
outside is filled by reflection, a blurred reflection, or a solid colour. `pad = "auto"` (the
default) never mirrors a drawing: a source with transparency is padded with the colour its
transparency was flattened onto, one with a near-uniform border with that border's colour, and
only a photo-like source (busy border) with `PHOTO_PAD` (docs/notes/16-painted-crops.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from PIL import Image

from detectors.base import SUBJECT_KINDS, Box  # subjects grow by a margin, not by the face factors

Pad = Literal["auto", "reflect", "blur", "solid"]
HEAD_MARGIN = 0.25  # a silhouette's head blob is tight around hair and chin: room for ears, hats, neck
# Busy-border (photo-like) sources under pad = "auto": measured by benchmarks/bench_pad.py
# (docs/notes/16-painted-crops.md).
PHOTO_PAD: Pad = "blur"
BORDER_TOLERANCE = 24.0  # RGB distance from the border's median that still counts as "the same colour"
UNIFORM_BORDER = 0.9  # share of border pixels that must be that colour for the border to be uniform


@dataclass(frozen=True)
class CropSpec:
    grow_top: float = 0.7
    grow_bottom: float = 0.35
    grow_sides: float = 0.45
    subject_margin: float = 0.08
    subject_anchor: Literal["top", "centre"] = "top"
    pad: Pad = "auto"
    level_eyes: bool = True
    resolution: int = 256
    resample: Literal["lanczos", "box"] = "lanczos"
    background: tuple[int, int, int] = (255, 255, 255)


@dataclass(frozen=True)
class Region:
    """A square in source pixels (may extend past the image) and the rotation applied about its centre."""

    cx: float
    cy: float
    side: float
    angle: float = 0.0  # degrees, counter-clockwise, that levels the eyes

    @property
    def box(self) -> tuple[float, float, float, float]:
        h = self.side / 2
        return self.cx - h, self.cy - h, self.cx + h, self.cy + h


def region_for(box: Box, spec: CropSpec) -> Region:
    """The square to cut for `box`: faces grow by the per-side factors, subjects by a margin."""
    if box.kind == "head":
        side = max(box.width, box.height) * (1 + 2 * HEAD_MARGIN)
        return Region(*box.centre, side)
    if box.kind in SUBJECT_KINDS:
        w, h = box.width, box.height
        if spec.subject_anchor == "top" and h > w:
            side = w * (1 + 2 * spec.subject_margin)
            return Region(box.centre[0], box.y0 - w * spec.subject_margin + side / 2, side)
        side = max(w, h) * (1 + 2 * spec.subject_margin)
        return Region(*box.centre, side)
    x0 = box.x0 - box.width * spec.grow_sides
    x1 = box.x1 + box.width * spec.grow_sides
    y0 = box.y0 - box.height * spec.grow_top
    y1 = box.y1 + box.height * spec.grow_bottom
    angle = _eye_angle(box) if spec.level_eyes else 0.0
    return Region((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, y1 - y0), angle)


def _eye_angle(box: Box) -> float:
    if not box.landmarks or len(box.landmarks) < 2:
        return 0.0
    (lx, ly), (rx, ry) = box.landmarks[0], box.landmarks[1]
    return math.degrees(math.atan2(ry - ly, rx - lx))


@dataclass(frozen=True)
class Padding:
    """How the part of a crop outside the source is filled: 'reflect', 'blur' or 'solid' with `fill`."""

    mode: Literal["reflect", "blur", "solid"]
    fill: tuple[int, int, int]
    why: str


def padding_for(rgb: np.ndarray, alpha: np.ndarray | None, spec: CropSpec) -> Padding:
    """The padding `spec.pad` means for this source (flattened RGB, and its alpha if it had one)."""
    if spec.pad != "auto":
        return Padding(spec.pad, tuple(spec.background), "configured")
    if alpha is not None and alpha.min() < 250:
        return Padding("solid", tuple(spec.background), "transparent source: the flattening colour")
    colour = uniform_border(rgb)
    if colour is not None:
        return Padding("solid", colour, "uniform border: its colour")
    return Padding(PHOTO_PAD, tuple(spec.background), "busy border (photo-like)")


def uniform_border(rgb: np.ndarray) -> tuple[int, int, int] | None:
    """The border's median colour when nearly all of the outermost pixels share it, else None."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.float32)
    colour = np.median(border, axis=0)
    if np.mean(np.linalg.norm(border - colour, axis=1) <= BORDER_TOLERANCE) < UNIFORM_BORDER:
        return None
    return tuple(int(round(c)) for c in colour)


def window(region: Region) -> tuple[int, int, int]:
    """The source square `cut` reads, (x0, y0, side) in whole pixels: for a rotation, the corners of the
    region's bounding circle, since it is rotated first and trimmed after."""
    reach = region.side / 2 * (math.sqrt(2) if region.angle else 1.0)
    x0, y0 = math.floor(region.cx - reach), math.floor(region.cy - reach)
    return x0, y0, math.ceil(region.cx + reach) - x0


def reads_outside(region: Region, shape: tuple[int, ...]) -> bool:
    """Whether cutting `region` needs padding: it reads past the image, or rotates (whose corners may)."""
    x0, y0, size = window(region)
    return bool(region.angle) or x0 < 0 or y0 < 0 or x0 + size > shape[1] or y0 + size > shape[0]


def cut(rgb: np.ndarray, region: Region, spec: CropSpec, padding: Padding | None = None) -> Image.Image:
    """The region as an RGB image of `spec.resolution` pixels a side."""
    if padding is None:
        padding = padding_for(rgb, None, spec)
    x0, y0, size = window(region)
    patch = _padded(rgb, x0, y0, size, padding)
    if region.angle:
        patch = _rotate(patch, region.angle, (region.cx - x0, region.cy - y0), padding)
        half = region.side / 2
        cx, cy = region.cx - x0, region.cy - y0
        patch = patch[max(0, round(cy - half)):round(cy + half), max(0, round(cx - half)):round(cx + half)]
    filt = Image.Resampling.LANCZOS if spec.resample == "lanczos" else Image.Resampling.BOX
    return Image.fromarray(np.ascontiguousarray(patch)).resize((spec.resolution, spec.resolution), filt)


def _padded(rgb: np.ndarray, x0: int, y0: int, size: int, padding: Padding) -> np.ndarray:
    """rgb[y0:y0+size, x0:x0+size], filling whatever lies outside the image as `padding` says."""
    import cv2

    h, w = rgb.shape[:2]
    top, left = max(0, -y0), max(0, -x0)
    bottom, right = max(0, y0 + size - h), max(0, x0 + size - w)
    inner = rgb[max(0, y0):min(h, y0 + size), max(0, x0):min(w, x0 + size)]
    if not (top or left or bottom or right):
        return inner
    if padding.mode == "solid":
        return cv2.copyMakeBorder(inner, top, bottom, left, right, cv2.BORDER_CONSTANT, value=tuple(int(c) for c in padding.fill))
    out = _reflect(inner, top, bottom, left, right)
    if padding.mode == "blur":
        # The classic FFHQ-style fill: a reflection, blurred so it reads as background, not as content.
        sigma = max(1.0, size * 0.04)
        blurred = cv2.GaussianBlur(out, (0, 0), sigma)
        mask = np.zeros(out.shape[:2], np.float32)
        mask[top:top + inner.shape[0], left:left + inner.shape[1]] = 1.0
        mask = cv2.GaussianBlur(mask, (0, 0), sigma / 2)[..., None]
        out = (out * mask + blurred * (1 - mask)).round().astype(np.uint8)
    return out


def _reflect(img: np.ndarray, top: int, bottom: int, left: int, right: int) -> np.ndarray:
    # np.pad's 'symmetric' mode repeats the reflection when a pad exceeds the image, where OpenCV would fail.
    return np.pad(img, ((top, bottom), (left, right), (0, 0)), mode="symmetric")


def _rotate(patch: np.ndarray, angle: float, centre: tuple[float, float], padding: Padding) -> np.ndarray:
    import cv2

    m = cv2.getRotationMatrix2D(centre, angle, 1.0)
    border = cv2.BORDER_CONSTANT if padding.mode == "solid" else cv2.BORDER_REFLECT
    return cv2.warpAffine(patch, m, (patch.shape[1], patch.shape[0]), flags=cv2.INTER_CUBIC, borderMode=border,
                          borderValue=tuple(int(c) for c in padding.fill))
