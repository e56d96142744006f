"""Near-duplicates by embedding similarity: catches crops and re-draws that perceptual hashes miss."""

from __future__ import annotations

import numpy as np

from curator.graphs import connected_groups


def duplicate_groups(neighbour_sims: np.ndarray, neighbour_idx: np.ndarray, threshold: float) -> list[list[int]]:
    """Connected groups (two or more rows) linked by neighbour similarities at or above `threshold`."""
    rows, cols = np.nonzero(neighbour_sims >= threshold)
    return connected_groups(len(neighbour_sims), np.stack([rows, neighbour_idx[rows, cols]], axis=1))
