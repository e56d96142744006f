"""Kernel Inception Distance (Bińkowski et al., 2018): unbiased MMD^2 with a cubic polynomial kernel.

Averaged over random subsets (100 of up to 1,000 images by default) of the stored feature samples;
unbiased, so it is meaningful for small sets, where FID is biased upwards.
"""

from __future__ import annotations

import numpy as np

from curator.evaluate.config import EvalConfig
from curator.evaluate.registry import Metric, Stats, metric


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x @ y.T / x.shape[1] + 1) ** 3


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    m = len(x)
    kxx, kyy, kxy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    off_xx = kxx.sum() - np.trace(kxx)
    off_yy = kyy.sum() - np.trace(kyy)
    return float((off_xx + off_yy) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


def kernel_inception_distance(real: np.ndarray, fake: np.ndarray, subsets: int, subset_size: int,
                              seed: int = 0) -> tuple[float, float]:
    """Mean and std of MMD^2 over random subsets of equal size."""
    size = min(subset_size, len(real), len(fake))
    if size < 2:
        raise ValueError("KID needs at least two images per set")
    rng = np.random.default_rng(seed)
    real, fake = real.astype(np.float64), fake.astype(np.float64)
    values = [mmd2_unbiased(real[rng.choice(len(real), size, replace=False)],
                            fake[rng.choice(len(fake), size, replace=False)]) for _ in range(subsets)]
    return float(np.mean(values)), float(np.std(values))


@metric
class KID(Metric):
    name = "kid"
    kinds = ("features",)
    description = "Kernel Inception Distance to the real set (lower is better; unbiased for small sets)."

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        mean, std = kernel_inception_distance(real["features"]["features"], fake["features"]["features"],
                                              config.kid_subsets, config.kid_subset_size, config.seed)
        return {"kid_mean": mean, "kid_std": std}
