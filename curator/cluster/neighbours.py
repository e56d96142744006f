"""Nearest neighbours by cosine similarity, shared by the outlier score and the near-duplicate groups."""

from __future__ import annotations

import numpy as np

from curator.cluster.space import l2_normalise

BLOCK = 1024  # query rows per matrix product: bounds memory at BLOCK x n floats (400 MB at n = 100,000)


def nearest(z: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """For each row, the cosine similarity to and index of its `k` most similar other rows (best first)."""
    import torch

    n = len(z)
    k = min(k, n - 1)
    if k < 1:
        return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
    unit = torch.from_numpy(l2_normalise(z))
    sims = np.empty((n, k), np.float32)
    idx = np.empty((n, k), np.int64)
    for start in range(0, n, BLOCK):
        block = unit[start:start + BLOCK] @ unit.T
        rows = torch.arange(block.shape[0])
        block[rows, rows + start] = -2.0  # never one's own neighbour
        top = torch.topk(block, k, dim=1)
        sims[start:start + BLOCK] = top.values.numpy()
        idx[start:start + BLOCK] = top.indices.numpy()
    return sims, idx


def pair_cosine(x: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `x` to the rows `idx` names: re-scores neighbours found elsewhere."""
    unit = l2_normalise(x)
    out = np.zeros(idx.shape, np.float32)
    if idx.size:
        for start in range(0, len(x), BLOCK):  # unit[idx] whole would be n x k x d floats (2.4 GB at 100,000 x 5 x 1280)
            rows = slice(start, start + BLOCK)
            out[rows] = np.einsum("nd,nkd->nk", unit[rows], unit[idx[rows]])
    return out
