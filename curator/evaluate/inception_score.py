"""Inception Score (Salimans et al., 2016): exp(E KL(p(y|x) || p(y))), mean and std over splits.

Split s holds images [s*N//k, (s+1)*N//k) in generation order, as in torch-fidelity with
shuffling off; each split only needs the sum of p(y|x) and the sum of sum_y p log p, so the score
of any number of images is computed in constant memory. Logits are the bias-free ones (as the
original code and torch-fidelity's ``logits_unbiased``).
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.special import xlogy

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, Batch
from curator.evaluate.registry import Metric, Stats, kind, metric


class SplitEntropy:
    uses_inception = True

    def __init__(self, count: int, splits: int, classes: int = 1008) -> None:
        if count < splits:
            raise ValueError(f"Inception Score with {splits} splits needs at least {splits} images, got {count}")
        self.count, self.splits = count, splits
        self.bounds = np.array([s * count // splits for s in range(splits)])
        self.sum_p = np.zeros((splits, classes), np.float64)
        self.sum_plogp = np.zeros(splits, np.float64)
        self.n = np.zeros(splits, np.int64)
        self.seen = 0

    def update(self, batch: Batch) -> None:
        logits = batch.logits.double()
        logp = torch.log_softmax(logits, dim=1)
        p = logp.exp()
        plogp = (p * logp).sum(1).numpy()
        p = p.numpy()
        index = np.arange(self.seen, self.seen + len(p))
        self.seen += len(p)
        # Item i is in split s iff s*N//k <= i < (s+1)*N//k.
        split = np.searchsorted(self.bounds, index, side="right") - 1
        np.add.at(self.sum_p, split, p)
        np.add.at(self.sum_plogp, split, plogp)
        np.add.at(self.n, split, 1)

    def result(self) -> dict[str, np.ndarray]:
        if self.seen != self.count:
            raise ValueError(f"expected {self.count} images for the Inception Score, got {self.seen}")
        return {"sum_p": self.sum_p, "sum_plogp": self.sum_plogp, "n": self.n}


@kind("is", lambda c: {"protocol": c.protocol, "splits": c.is_splits})
def _split_entropy(config: EvalConfig, count: int | None) -> Accumulator:
    if count is None:
        raise ValueError("the Inception Score needs the number of images in advance")
    return SplitEntropy(count, config.is_splits)


def split_scores(sum_p: np.ndarray, sum_plogp: np.ndarray, n: np.ndarray) -> np.ndarray:
    q = sum_p / n[:, None]
    kl = sum_plogp / n - xlogy(q, q).sum(1)  # 0 log 0 = 0
    return np.exp(kl)


@metric
class InceptionScore(Metric):
    name = "is"
    kinds = ("is",)
    needs_real = False
    description = "Inception Score of the generated images, 10 splits (higher is better)."

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        scores = split_scores(**fake["is"])
        return {"is_mean": float(scores.mean()), "is_std": float(scores.std())}
