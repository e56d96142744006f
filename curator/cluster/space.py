"""The space clustering works in: L2-normalised embeddings, centred and reduced by PCA.

Normalising makes distances cosine-like whatever the embedder's scale; PCA keeps k-means,
X-means' Gaussian model and neighbour search fast and well conditioned at 100,000 items.
Centring also removes the component every CNN feature shares, so cosine similarity in this
space separates near-duplicates from merely similar images more sharply.
"""

from __future__ import annotations

import numpy as np


def l2_normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32)


def analysis_space(x: np.ndarray, pca_dims: int, seed: int = 0) -> np.ndarray:
    """Rows of `x` normalised, centred and projected onto at most `pca_dims` principal axes."""
    z = l2_normalise(x)
    z = z - z.mean(axis=0, keepdims=True)
    n_components = min(pca_dims, z.shape[0] - 1, z.shape[1]) if pca_dims else 0
    if n_components < 1 or n_components >= z.shape[1]:
        return z
    from sklearn.decomposition import PCA

    solver = "randomized" if z.shape[0] > 5000 else "full"
    return PCA(n_components, svd_solver=solver, random_state=seed).fit_transform(z).astype(np.float32)
