"""Geometry Score (Khrulkov & Oseledets, 2018, "Geometry Score: A Method For Comparing Generative
Adversarial Networks").

GS compares the *topology* of two point clouds (here: images, downscaled and flattened) rather
than their densities. For one set: pick L random landmarks, build the witness complex with every
point of the set as a witness (gudhi), grow its relaxation alpha from 0 to alpha_max = gamma *
(largest landmark-witness distance), and record the lifetimes of the one-dimensional holes
(loops). The relative living time RLT(i) is the fraction of [0, alpha_max] during which exactly i
holes exist. Averaged over many random landmark sets this gives the mean RLT (MRLT), a
distribution over "number of holes". GS is the squared L2 distance between the two MRLT vectors:
0 when the generated manifold has the real one's hole structure, larger when the generator
misses or invents loops (mode collapse or spurious modes), whatever the sharpness of the images.
Reported x1e3 as in the YuruGAN paper (``gs``); lower is better.

The filtration and RLT follow the authors' published implementation (KhrulkovV/geometry-score):
a nearest-landmark table of plain Euclidean distances, gamma = 1/128 by default (their MNIST
example), RLT over i_max = 100 hole counts. One deviation: landmarks are drawn without
replacement (the reference draws with replacement; a repeated landmark adds nothing).
How many holes a set shows depends on its size and dimension, so compare GS values only at the
same settings (`[eval] gs_*`) and similar set sizes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, Batch
from curator.evaluate.registry import Metric, Stats, kind, metric

I_MAX = 100


DEFAULT_GAMMA = 1.0 / 128  # the value of the authors' MNIST example and of most published uses


def witness_barcode(points: np.ndarray, landmarks: int, gamma: float, rng: np.random.Generator
                    ) -> tuple[list[tuple[float, float]], float]:
    """Dimension-1 persistence intervals of the witness complex on one random landmark set, and alpha_max."""
    import gudhi

    idx = rng.choice(len(points), size=min(landmarks, len(points)), replace=False)
    dist = torch.cdist(torch.from_numpy(points), torch.from_numpy(points[idx])).numpy()  # [witnesses, landmarks]
    order = np.argsort(dist, axis=1)
    table = [list(zip(row_idx.tolist(), dist[w, row_idx].tolist())) for w, row_idx in enumerate(order)]
    alpha_max = float(dist.max()) * gamma
    tree = gudhi.WitnessComplex(nearest_landmark_table=table).create_simplex_tree(max_alpha_square=alpha_max,
                                                                                 limit_dimension=2)
    tree.compute_persistence(homology_coeff_field=2)
    return [tuple(map(float, iv)) for iv in tree.persistence_intervals_in_dimension(1)], alpha_max


def relative_living_times(intervals: list[tuple[float, float]], alpha_max: float, i_max: int = I_MAX) -> np.ndarray:
    """RLT: for each i < i_max, the fraction of [0, alpha_max] during which exactly i holes are alive."""
    rlt = np.zeros(i_max)
    if alpha_max <= 0:
        rlt[0] = 1.0
        return rlt
    clipped = [(min(b, alpha_max), min(d, alpha_max)) for b, d in intervals]  # infinite deaths end at alpha_max
    events = sorted({0.0, alpha_max, *(t for interval in clipped for t in interval)})
    for lo, hi in zip(events, events[1:]):
        mid = (lo + hi) / 2
        alive = sum(1 for b, d in clipped if b <= mid < d)
        if alive < i_max:
            rlt[alive] += (hi - lo) / alpha_max
    return rlt


def mean_rlt(points: np.ndarray, landmarks: int = 64, gamma: float | None = None, repeats: int = 100,
             seed: int = 0, i_max: int = I_MAX) -> np.ndarray:
    """The MRLT of one point cloud [N, D]: the RLT averaged over `repeats` random landmark sets."""
    if len(points) < 3:
        raise ValueError("the Geometry Score needs at least 3 points per set")
    rng = np.random.default_rng(seed)
    gamma = DEFAULT_GAMMA if gamma is None else gamma
    points = np.asarray(points, dtype=np.float64)
    return np.mean([relative_living_times(*witness_barcode(points, landmarks, gamma, rng), i_max)
                    for _ in range(repeats)], axis=0)


def same_size(a: np.ndarray, b: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Both sets cut to the smaller one's size (a seeded random subset): the number of holes a
    witness complex shows grows with the number of witnesses, so unequal sets would differ in GS
    for that reason alone."""
    n = min(len(a), len(b))
    rng = np.random.default_rng(seed)
    pick = lambda x: x if len(x) == n else x[np.sort(rng.choice(len(x), n, replace=False))]  # noqa: E731
    return pick(a), pick(b)


def geometry_score(mrlt_a: np.ndarray, mrlt_b: np.ndarray) -> float:
    return float(np.sum((mrlt_a - mrlt_b) ** 2))


def plot_mrlt(mrlts: dict[str, np.ndarray], path: Path, title: str = "", shown: int | None = None) -> Path:
    """The MRLT distributions side by side as bars (the paper's Figure 10 / the GS paper's Figure 3)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from commons.atomic import atomic_open

    if shown is None:  # up to the last hole count any set spends 0.1 % of its time at, at least 10
        last = max((int(np.nonzero(m > 1e-3)[0].max()) for m in mrlts.values() if (m > 1e-3).any()), default=0)
        shown = min(max(10, last + 2), min(len(m) for m in mrlts.values()))
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    width = 0.8 / max(len(mrlts), 1)
    x = np.arange(shown)
    for j, (name, m) in enumerate(mrlts.items()):
        ax.bar(x + (j - (len(mrlts) - 1) / 2) * width, m[:shown], width=width, label=name)
    ax.set_xticks(x[:: max(1, shown // 15)])
    ax.set_xlabel("number of 1-dimensional holes")
    ax.set_ylabel("mean relative living time")
    ax.set_title(title or "MRLT")
    ax.legend(fontsize="small")
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    with atomic_open(path, "wb") as fh:
        fig.savefig(fh, format="png")
    plt.close(fig)
    return path


class FlatImages:
    """The first `limit` images, area-downscaled to `side` px (smaller side) and flattened to [0, 1]."""

    uses_inception = False

    def __init__(self, limit: int, side: int) -> None:
        self.limit, self.side, self.parts, self.count = limit, side, [], 0

    def update(self, batch: Batch) -> None:
        room = self.limit - self.count
        if room <= 0:
            return
        x = batch.images[:room].float() / 255
        h, w = x.shape[-2:]
        if min(h, w) > self.side:
            x = F.interpolate(x, size=(round(h * self.side / min(h, w)), round(w * self.side / min(h, w))), mode="area")
        self.parts.append(x.flatten(1).numpy().astype(np.float32))
        self.count += len(x)

    def result(self) -> dict[str, np.ndarray]:
        if not self.parts:
            raise ValueError("the Geometry Score needs images")
        return {"points": np.concatenate(self.parts)}


@kind("flat", lambda c: {"images": c.gs_images, "side": c.gs_side})
def _flat_images(config: EvalConfig, count: int | None) -> Accumulator:
    return FlatImages(config.gs_images, config.gs_side)


@metric
class GeometryScore(Metric):
    name = "gs"
    kinds = ("flat",)
    needs_inception = False
    description = "Geometry Score x1e3: squared L2 of the mean relative living times of 1-D holes (lower is better)."

    def __init__(self) -> None:
        self.mrlts: dict[str, np.ndarray] = {}

    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        opts = dict(landmarks=config.gs_landmarks, gamma=config.gs_gamma, repeats=config.gs_repeats, seed=config.seed)
        a, b = same_size(real["flat"]["points"], fake["flat"]["points"], config.seed)
        self.mrlts = {"real": mean_rlt(a, **opts), "generated": mean_rlt(b, **opts)}
        return {"gs": 1e3 * geometry_score(self.mrlts["real"], self.mrlts["generated"])}

    def write_figures(self, stem: Path) -> list[Path]:
        if not self.mrlts:
            return []
        return [plot_mrlt(self.mrlts, stem.with_name(stem.name + ".mrlt.png"), "Geometry Score: MRLT")]
