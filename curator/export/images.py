"""Pixel operations of the export: squaring, resizing and the offline augmentation."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

# YuruGAN's offline augmentation ranges.
MAX_ROTATE_DEG = 8.0
MAX_SHIFT = 0.05
ZOOM_RANGE = (0.9, 1.1)


def square(img: Image.Image, fit: str) -> Image.Image:
    """The centre square ('crop') or the image padded to a square with its edge pixels ('pad')."""
    w, h = img.size
    if w == h:
        return img
    if fit == "crop":
        s = min(w, h)
        left, top = (w - s) // 2, (h - s) // 2
        return img.crop((left, top, left + s, top + s))
    arr = np.asarray(img)
    s = max(w, h)
    py, px = s - h, s - w
    arr = np.pad(arr, ((py // 2, py - py // 2), (px // 2, px - px // 2), (0, 0)), mode="edge")
    return Image.fromarray(arr)


# Padding a 1,000,000 x 1 image to a square would need 3 TB; past this many pixels the image is
# scaled to the target size first (the order matters only at the padded edges).
PAD_MAX_PIXELS = 64_000_000


def fit_for_padding(img: Image.Image, fit: str, resolution: int) -> Image.Image:
    """For 'pad': an extreme aspect ratio scaled down before padding, so the square stays small."""
    w, h = img.size
    if fit != "pad" or max(w, h) ** 2 <= PAD_MAX_PIXELS or max(w, h) <= resolution:
        return img
    scale = resolution / max(w, h)
    return img.resize((max(1, round(w * scale)), max(1, round(h * scale))), Image.Resampling.LANCZOS)


def resize(img: Image.Image, resolution: int) -> Image.Image:
    if img.size == (resolution, resolution):
        return img
    return img.resize((resolution, resolution), Image.Resampling.LANCZOS)


def random_affine(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Rotate, zoom and shift by random amounts within the ranges above; borders are reflected."""
    arr = np.asarray(img)
    h, w = arr.shape[:2]
    angle = rng.uniform(-MAX_ROTATE_DEG, MAX_ROTATE_DEG)
    zoom = rng.uniform(*ZOOM_RANGE)
    dx, dy = rng.uniform(-MAX_SHIFT, MAX_SHIFT, size=2) * (w, h)
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, zoom)
    m[:, 2] += (dx, dy)
    out = cv2.warpAffine(arr, m, (w, h), flags=cv2.INTER_LANCZOS4, borderMode=cv2.BORDER_REFLECT_101)
    return Image.fromarray(out)


def is_power_of_two(n: int) -> bool:
    return n >= 4 and n & (n - 1) == 0
