"""Quality scores of a finished crop, measured in the worker.

Kept apart from `quality` (which judges them against thresholds and builds manifest reasons)
so the workers do not import the manifest models, a noticeable part of each worker's start.
Crops are shrunk to `ANALYSIS_SIDE` pixels first, so scores mean the same at every output resolution.
"""

from __future__ import annotations

import numpy as np

ANALYSIS_SIDE = 128


LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def shrink(rgb: np.ndarray) -> np.ndarray:
    """The crop at `ANALYSIS_SIDE` pixels a side: what the scores measure (and the contact sheets show)."""
    import cv2

    if rgb.shape[:2] == (ANALYSIS_SIDE, ANALYSIS_SIDE):
        return rgb
    # OpenCV's area shrink is Pillow's box filter (within one grey level of rounding) at a tenth of the cost.
    return cv2.resize(rgb, (ANALYSIS_SIDE, ANALYSIS_SIDE), interpolation=cv2.INTER_AREA)


def crop_scores(rgb: np.ndarray) -> dict[str, float]:
    """Sharpness, grey-level entropy, colourfulness, dominant-colour share and brightness of an RGB crop
    (H x W x 3, uint8; the crop itself or its `shrink`, which gives the same scores)."""
    import cv2

    small8 = shrink(rgb)
    small = small8.astype(np.float32) / 255.0
    grey = small @ LUMA
    # Histograms and channel extremes through OpenCV, on bytes: numpy's bincount and its strided
    # per-channel maximum were over a third of a crop's scores (same values, to the digit).
    hist = cv2.calcHist([(grey * 255).astype(np.uint8)], [0], None, [256], [0, 256]).ravel() / grey.size
    nonzero = hist[hist > 0]
    # 4 bits per channel (16 bins each): JPEG noise and gradients inside one flat fill still count as one colour.
    colours = cv2.calcHist([small8], [0, 1, 2], None, [16, 16, 16], [0, 256, 0, 256, 0, 256])
    r, g, b = cv2.split(small8)
    spread = cv2.subtract(cv2.max(cv2.max(r, g), b), cv2.min(cv2.min(r, g), b))
    scores = {
        "sharpness": float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean()),
        "entropy": float(-(nonzero * np.log2(nonzero)).sum()),
        "colourfulness": cv2.mean(spread)[0] / 255.0,
        "dominant": float(colours.max()) / grey.size,
        "brightness": float(grey.mean()),
    }
    return {k: round(v, 4) for k, v in scores.items()}
