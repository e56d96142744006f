"""Near-duplicates by embedding similarity: catches crops and re-draws that perceptual hashes miss."""

from __future__ import annotations

import numpy as np


def duplicate_groups(neighbour_sims: np.ndarray, neighbour_idx: np.ndarray, threshold: float) -> list[list[int]]:
    """Connected groups (two or more rows) linked by neighbour similarities at or above `threshold`."""
    parent = list(range(len(neighbour_sims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    rows, cols = np.nonzero(neighbour_sims >= threshold)
    for i, j in zip(rows.tolist(), neighbour_idx[rows, cols].tolist()):
        a, b = root(i), root(j)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for i in range(len(parent)):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
