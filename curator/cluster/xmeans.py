"""X-means (Pelleg & Moore, 2000): grow k by splitting clusters while the BIC says the split pays.

Each round improves the current centres with k-means, then tries 2-means inside every cluster
and keeps a split when the two-cluster model has the higher Bayesian information criterion on
that cluster's points. The model is identical spherical Gaussians, as in the paper.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

MIN_SPLIT = 8  # points a cluster needs before a split is tried


def bic(x: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """BIC of `k` identical spherical Gaussians with mixing weights, at the maximum-likelihood variance."""
    r, m = x.shape
    k = len(centres)
    if r <= k:
        return -np.inf
    sse = float(((x - centres[labels]) ** 2).sum())
    var = max(sse / (m * (r - k)), 1e-12)
    counts = np.bincount(labels, minlength=k)
    counts = counts[counts > 0]
    log_lik = float((counts * np.log(counts / r)).sum()) - r * m / 2 * np.log(2 * np.pi * var) - m * (r - k) / 2
    n_params = (k - 1) + m * k + 1
    return log_lik - n_params / 2 * np.log(r)


def _split_pays(points: np.ndarray, centre: np.ndarray, seed: int) -> np.ndarray | None:
    """The two child centres when splitting raises the BIC, else None."""
    if len(points) < MIN_SPLIT:
        return None
    child = KMeans(2, init="k-means++", n_init=1, random_state=seed).fit(points)
    parent_bic = bic(points, np.zeros(len(points), int), centre[None])
    if bic(points, child.labels_, child.cluster_centers_) > parent_bic:
        return child.cluster_centers_
    return None


def xmeans(x: np.ndarray, k_max: int, k_min: int = 1, seed: int = 0) -> int:
    """The k X-means settles on, between `k_min` and `k_max`."""
    k_max = min(k_max, len(x))
    centres = KMeans(k_min, init="k-means++", n_init=1, random_state=seed).fit(x).cluster_centers_
    rng = np.random.default_rng(seed)
    while len(centres) < k_max:
        fit = KMeans(len(centres), init=centres, n_init=1).fit(x)
        grown: list[np.ndarray] = []
        for c, centre in enumerate(fit.cluster_centers_):
            # Split only while k could still stay within k_max if no later cluster split.
            room = k_max - len(grown) - (len(fit.cluster_centers_) - c)
            children = _split_pays(x[fit.labels_ == c], centre, int(rng.integers(1 << 31))) if room > 0 else None
            grown.extend(children if children is not None else [centre])
        if len(grown) == len(fit.cluster_centers_):
            return len(grown)
        centres = np.asarray(grown)
    return len(centres)


def xmeans_k(x: np.ndarray, k_max: int, seeds: int, k_min: int = 1) -> tuple[int, list[int]]:
    """k averaged over X-means runs with different seeds (as YuruGAN did), and each run's k."""
    ks = [xmeans(x, k_max, k_min, seed) for seed in range(seeds)]
    return int(round(float(np.mean(ks)))), ks
