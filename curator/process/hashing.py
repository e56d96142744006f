"""Fingerprints of decoded pixels: exact (sha256 of RGB), perceptual (64-bit), and sharpness.

Every function takes the decoded RGB image from `curator.imageio`, never file bytes, so two
files that decode to the same pixels (PNG vs lossless WebP, stripped metadata) fingerprint alike.
Perceptual hashes are Python ints of hash_size² bits (64 by default); `Item.hashes` stores them
as fixed-width hex strings (16 digits for 64 bits).
"""

from __future__ import annotations

import hashlib

import numpy as np
from PIL import Image

HASH_BITS = 64
# The duplicate search hashes sources at 16 x 16 (256 bits per hash): at 8 x 8 two different
# mascots of one family can hash to the very same 64 bits, phash and dhash alike, while at
# 16 x 16 they stay >= 17 bits (phash + dhash) apart on the sample corpora; see
# benchmarks/bench_process_duplicates.py and docs/notes/4-process.md.
SOURCE_HASH_SIZE = 16


def _bits_to_int(bits: np.ndarray) -> int:
    # Row-major, first bit most significant: the same order as imagehash's own hex string.
    return int.from_bytes(np.packbits(bits.astype(bool).ravel()).tobytes(), "big")


def perceptual_hashes(rgb: Image.Image, hash_size: int = 8) -> dict[str, int]:
    """Perceptual hashes of hash_size² bits by name: 'phash' (DCT, robust to resize and re-compression) and 'dhash'."""
    import imagehash

    return {
        "phash": _bits_to_int(imagehash.phash(rgb, hash_size=hash_size).hash),
        "dhash": _bits_to_int(imagehash.dhash(rgb, hash_size=hash_size).hash),
    }


def pixel_hash(rgb: Image.Image) -> str:
    """sha256 (hex) of the decoded RGB pixels and the size: equal for exact duplicates in any format."""
    if rgb.mode != "RGB":
        raise ValueError(f"pixel_hash expects an RGB image, got mode {rgb.mode!r}")
    h = hashlib.sha256(f"{rgb.width}x{rgb.height}:".encode())
    h.update(rgb.tobytes())
    return h.hexdigest()


def sharpness(rgb: Image.Image | np.ndarray) -> float:
    """Variance of the Laplacian of the grey image: higher is sharper (blur filters and keepers use it).

    Takes the RGB image or its H x W x 3 uint8 array. OpenCV's grey conversion and mean/std
    reduction, not Pillow's and numpy's float64 variance over every pixel, which cost several
    times more (the Laplacian of 8-bit grey is exact in float32; docs/notes/4-process.md).
    """
    import cv2

    grey = cv2.cvtColor(np.asarray(rgb), cv2.COLOR_RGB2GRAY)
    _, std = cv2.meanStdDev(cv2.Laplacian(grey, cv2.CV_32F))
    return float(std[0, 0]) ** 2


def hash_to_hex(value: int, bits: int = HASH_BITS) -> str:
    """A hash of `bits` bits (a multiple of 64) as the fixed-width hex string stored in `Item.hashes`."""
    if bits <= 0 or bits % HASH_BITS or not 0 <= value < 1 << bits:
        raise ValueError(f"not a {bits}-bit hash: {value}")
    return f"{value:0{bits // 4}x}"


def hash_from_hex(text: str) -> int:
    """Inverse of `hash_to_hex`: any whole number of 64-bit words (16 hex digits each)."""
    if not text or len(text) % (HASH_BITS // 4):
        raise ValueError(f"expected a multiple of {HASH_BITS // 4} hex digits, got {text!r}")
    return int(text, 16)
