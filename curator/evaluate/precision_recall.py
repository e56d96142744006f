"""Improved precision and recall (Kynkäänniemi et al., 2019) with k-nearest-neighbour manifolds.

Each set's manifold is the union of balls around its samples, radius = distance to the k-th
nearest other sample (k = 3). Precision: share of fakes inside the real manifold (quality);
recall: share of reals inside the fake manifold (coverage). Computed on Inception pool3
features (the paper used VGG-16; no VGG weights ship with curator), so compare values only with
other curator runs.
"""

from __future__ import annotations

import numpy as np
import torch

from curator.evaluate.config import EvalConfig
from curator.evaluate.registry import Metric, Stats, metric

_ROWS = 1024  # rows of the distance matrix held at once: bounds memory for 10k x 10k


def _pairwise(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cdist(a, b, compute_mode="donot_use_mm_for_euclid_dist")


def knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    """Distance from each row to its k-th nearest other row (the row itself is the 0-th)."""
    return torch.cat([_pairwise(x[i:i + _ROWS], x).kthvalue(k + 1, dim=1).values for i in range(0, len(x), _ROWS)])


def coverage(manifold: torch.Tensor, radii: torch.Tensor, probes: torch.Tensor) -> float:
    """Share of `probes` within radius of at least one manifold point."""
    inside = [(_pairwise(probes[i:i + _ROWS], manifold) <= radii[None]).any(1) for i in range(0, len(probes), _ROWS)]
    return float(torch.cat(inside).double().mean())


def precision_recall(real: np.ndarray, fake: np.ndarray, k: int = 3) -> tuple[float, float]:
    if min(len(real), len(fake)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} images per set")
    r, f = torch.from_numpy(real).double(), torch.from_numpy(fake).double()
    precision = coverage(r, knn_radii(r, k), f)
    recall = coverage(f, knn_radii(f, k), r)
    return precision, recall


@metric
class PrecisionRecall(Metric):
    name = "pr"
    kinds = ("features",)
    description = "Improved precision (quality) and recall (coverage), k = 3 (higher is better)."

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        precision, recall = precision_recall(real["features"]["features"], fake["features"]["features"], config.pr_k)
        return {"precision": precision, "recall": recall}
