"""Fréchet Inception Distance (Heusel et al., 2017) from streamed first and second moments."""

from __future__ import annotations

import numpy as np

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, Batch
from curator.evaluate.registry import Metric, Stats, kind, metric


class Moments:
    """Running sum and sum of outer products in float64: the mean and covariance of any number of images."""

    uses_inception = True

    def __init__(self, dim: int = 2048) -> None:
        self.n = 0
        self.total = np.zeros(dim, np.float64)
        self.outer = np.zeros((dim, dim), np.float64)

    def update(self, batch: Batch) -> None:
        x = batch.pool.numpy().astype(np.float64)
        self.n += len(x)
        self.total += x.sum(0)
        self.outer += x.T @ x

    def result(self) -> dict[str, np.ndarray]:
        if self.n < 2:
            raise ValueError("FID needs at least two images per set")
        mu = self.total / self.n
        # Unbiased (ddof=1) covariance, as np.cov and pytorch-fid compute it.
        sigma = (self.outer - self.n * np.outer(mu, mu)) / (self.n - 1)
        return {"mu": mu, "sigma": sigma, "n": np.array(self.n)}


@kind("moments", lambda c: {"protocol": c.protocol})
def _moments(config: EvalConfig, count: int | None) -> Accumulator:
    return Moments()


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(matrix)
    return (v * np.sqrt(np.clip(w, 0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """|mu1 - mu2|^2 + tr(S1 + S2 - 2 (S1 S2)^1/2).

    tr((S1 S2)^1/2) is the sum of square roots of the eigenvalues of S1^1/2 S2 S1^1/2, which is
    symmetric: two symmetric eigendecompositions instead of a general matrix square root. They are
    several times faster than scipy's sqrtm and stay real and stable when the covariances are
    singular (fewer images than dimensions), where sqrtm needs pytorch-fid's eps fallback.
    """
    root1 = _sqrt_psd(sigma1)
    eig = np.linalg.eigvalsh(root1 @ sigma2 @ root1)
    tr_covmean = np.sqrt(np.clip(eig, 0, None)).sum()
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * tr_covmean)


@metric
class FID(Metric):
    name = "fid"
    kinds = ("moments",)
    description = "Fréchet Inception Distance to the real set (lower is better)."

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        r, f = real["moments"], fake["moments"]
        return {"fid": frechet_distance(r["mu"], r["sigma"], f["mu"], f["sigma"])}
