"""k-means++ clustering, and the ways of choosing k: fixed, eigengap, X-means (BIC) or silhouette."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from curator.cluster.eigengap import eigengap_k
from curator.cluster.xmeans import xmeans_k

SILHOUETTE_SAMPLE = 5000  # silhouette is quadratic in n; a sample of this size ranks k reliably


@dataclass
class Clustering:
    labels: np.ndarray
    centres: np.ndarray
    k: int
    method: str
    candidates: dict[str, float | int | list[int]] = field(default_factory=dict)  # what the k choice saw


def kmeans(x: np.ndarray, k: int, seed: int = 0, n_init: int = 1) -> tuple[np.ndarray, np.ndarray]:
    fit = KMeans(k, init="k-means++", n_init=n_init, random_state=seed).fit(x)
    return fit.labels_, fit.cluster_centers_


def silhouette_k(x: np.ndarray, k_max: int, seed: int = 0) -> tuple[int, dict[str, float]]:
    """The k in 2..k_max with the highest silhouette score, and every score."""
    scores: dict[str, float] = {}
    sample = min(len(x), SILHOUETTE_SAMPLE)
    for k in range(2, min(k_max, len(x) - 1) + 1):
        labels, _ = kmeans(x, k, seed)
        scores[str(k)] = float(silhouette_score(x, labels, sample_size=sample, random_state=seed))
    best = max(scores, key=scores.get) if scores else "1"
    return int(best), scores


def cluster(x: np.ndarray, k: int = 0, method: str = "eigengap", k_max: int = 20, seeds: int = 5) -> Clustering:
    """Cluster rows of `x` with k-means++; k fixed when > 0, else chosen by `method`."""
    if len(x) < 2:
        return Clustering(np.zeros(len(x), int), x[:1].copy(), min(1, len(x)), "trivial")
    candidates: dict = {}
    if k <= 0:
        if method == "silhouette":
            k, candidates = silhouette_k(x, k_max)
        elif method == "eigengap":
            k, eigenvalues = eigengap_k(x, k_max)
            candidates = {"eigenvalues": eigenvalues}
        else:
            k, runs = xmeans_k(x, k_max, seeds)
            candidates = {"xmeans_runs": runs}
    else:
        method = "fixed"
    k = max(1, min(k, len(x)))
    labels, centres = kmeans(x, k, seed=0, n_init=seeds)
    labels, centres = _order_by_size(labels, centres)
    return Clustering(labels, centres, k, method, candidates)


def second_level(x: np.ndarray, top: np.ndarray, k_max: int, min_size: int, seeds: int) -> np.ndarray:
    """Sub-cluster index inside each top-level cluster, chosen by X-means (which may decide not to split)."""
    sub = np.zeros(len(x), int)
    for c in np.unique(top):
        members = np.flatnonzero(top == c)
        if len(members) < min_size:
            continue
        inner = cluster(x[members], 0, "xmeans", k_max, seeds)
        sub[members] = inner.labels
    return sub


def _order_by_size(labels: np.ndarray, centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Cluster 0 is the largest: stable, readable numbering across runs.
    order = np.argsort(-np.bincount(labels, minlength=len(centres)), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels], centres[order]
