"""Uniqueness: how far an item lies from its nearest neighbours. Far items are flagged for review, never deleted."""

from __future__ import annotations

import numpy as np

MAD_TO_SIGMA = 1.4826  # makes the median absolute deviation estimate a normal distribution's sigma


def outlier_scores(neighbour_sims: np.ndarray) -> np.ndarray:
    """Mean cosine distance to the nearest neighbours."""
    if neighbour_sims.shape[1] == 0:
        return np.zeros(len(neighbour_sims), np.float32)
    return (1.0 - neighbour_sims).mean(axis=1)


def outlier_threshold(scores: np.ndarray, z: float) -> float:
    """Median plus `z` robust standard deviations: unaffected by the outliers it is looking for."""
    if len(scores) == 0:
        return float("inf")
    med = float(np.median(scores))
    mad = float(np.median(np.abs(scores - med))) * MAD_TO_SIGMA
    return med + z * mad
