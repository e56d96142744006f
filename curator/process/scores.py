"""Quality scores of a finished crop, measured in the worker.

Kept apart from `quality` (which judges them against thresholds and builds manifest reasons)
so the workers do not import the manifest models: that import cost each worker about 0.3 s.
Crops are shrunk to `ANALYSIS_SIDE` pixels first, so scores mean the same at every output resolution.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

ANALYSIS_SIDE = 128


def crop_scores(crop: Image.Image) -> dict[str, float]:
    """Sharpness, grey-level entropy, colourfulness, dominant-colour share and brightness of an RGB crop."""
    import cv2

    # OpenCV's area shrink is Pillow's box filter (within one grey level of rounding) at a tenth of the cost.
    rgb = np.asarray(crop.convert("RGB") if crop.mode != "RGB" else crop)
    small = cv2.resize(rgb, (ANALYSIS_SIDE, ANALYSIS_SIDE), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    r, g, b = small[..., 0], small[..., 1], small[..., 2]
    grey = small @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    hist = np.bincount((grey * 255).astype(np.uint8).ravel(), minlength=256) / grey.size
    nonzero = hist[hist > 0]
    # 4 bits per channel: JPEG noise and gradients inside one flat fill still count as one colour.
    codes = (small * 15.999).astype(np.int32)
    codes = codes[..., 0] * 256 + codes[..., 1] * 16 + codes[..., 2]
    scores = {
        "sharpness": float(np.abs(cv2.Laplacian(grey, cv2.CV_32F)).mean()),
        "entropy": float(-(nonzero * np.log2(nonzero)).sum()),
        # Channel-wise maximum/minimum, not max(axis=2): numpy reduces a length-3 axis about 4x slower.
        "colourfulness": float((np.maximum(np.maximum(r, g), b) - np.minimum(np.minimum(r, g), b)).mean()),
        "dominant": float(np.bincount(codes.ravel()).max() / codes.size),
        "brightness": float(grey.mean()),
    }
    return {k: round(v, 4) for k, v in scores.items()}
