"""A crop's tile on the contact sheets, made by the worker while the crop is still in memory.

So that drawing the sheets does not decode every crop again, each worker hands back a small
JPEG of the crop (a few kilobytes) with its result; `report` decodes only the items that come
without one. Kept apart from `report` so that the workers do not import the drawing code.
"""

from __future__ import annotations

import numpy as np

SIDE = 128  # crops are 128-1024 px a side, so a tile is always an exact power-of-two shrink


def tile_bytes(rgb: np.ndarray) -> bytes:
    """The crop (or its 128 px `scores.shrink`) as a JPEG at most `SIDE` pixels a side."""
    import cv2

    factor = max(1, max(rgb.shape[:2]) // SIDE)
    small = rgb if factor == 1 else cv2.resize(rgb, (rgb.shape[1] // factor, rgb.shape[0] // factor),
                                               interpolation=cv2.INTER_AREA)
    _, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 90])
    return data.tobytes()
