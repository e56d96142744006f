"""Fingerprints of decoded pixels: exact (sha256 of RGB), perceptual (64-bit), and sharpness.

Every function takes the decoded RGB image from `curator.imageio`, never file bytes, so two
files that decode to the same pixels (PNG vs lossless WebP, stripped metadata) fingerprint alike.
Perceptual hashes are 64-bit Python ints; `Item.hashes` stores them as 16-digit hex strings.
"""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image

HASH_BITS = 64
_HEX_DIGITS = HASH_BITS // 4


def _bits_to_int(bits: np.ndarray) -> int:
    # Row-major, first bit most significant: the same order as imagehash's own hex string.
    return int.from_bytes(np.packbits(bits.astype(bool).ravel()).tobytes(), "big")


def perceptual_hashes(rgb: Image.Image) -> dict[str, int]:
    """64-bit perceptual hashes by name: 'phash' (DCT, robust to resize and re-compression) and 'dhash'."""
    import imagehash

    return {
        "phash": _bits_to_int(imagehash.phash(rgb, hash_size=8).hash),
        "dhash": _bits_to_int(imagehash.dhash(rgb, hash_size=8).hash),
    }


def pixel_hash(rgb: Image.Image) -> str:
    """sha256 (hex) of the decoded RGB pixels and the size: equal for exact duplicates in any format."""
    if rgb.mode != "RGB":
        raise ValueError(f"pixel_hash expects an RGB image, got mode {rgb.mode!r}")
    h = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode())
    h.update(rgb.tobytes())
    return h.hexdigest()


def sharpness(rgb: Image.Image) -> float:
    """Variance of the Laplacian of the grey image: higher is sharper (blur filters and keepers use it)."""
    import cv2

    grey = np.asarray(rgb.convert("L"))
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())


def hash_to_hex(value: int) -> str:
    """A 64-bit hash as the fixed-width hex string stored in `Item.hashes`."""
    if not 0 <= value < 1 << HASH_BITS:
        raise ValueError(f"not a {HASH_BITS}-bit hash: {value}")
    return f"{value:0{_HEX_DIGITS}x}"


def hash_from_hex(text: str) -> int:
    """Inverse of `hash_to_hex`."""
    if len(text) != _HEX_DIGITS:
        raise ValueError(f"expected {_HEX_DIGITS} hex digits, got {text!r}")
    return int(text, 16)
