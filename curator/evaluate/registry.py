"""Metrics by name, and the feature kinds they are computed from.

A metric declares the kinds of statistics it needs (``"moments"``, ``"features"``, ``"is"``,
``"swd"``); `evaluate.run` gathers each kind once per image set, whatever the number of metrics that
use it, and caches the kinds of the real set. Adding a metric is one class with ``@metric``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import Callable, ClassVar

import numpy as np

from commons.registry import Registry
from curator.errors import CuratorError
from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Accumulator, FeatureSample

Stats = dict[str, dict[str, np.ndarray]]  # kind -> arrays

# Builds the accumulator of one kind for an image set of `count` images (None when unknown).
KindFactory = Callable[[EvalConfig, "int | None"], Accumulator]


class Metric(ABC):
    name: ClassVar[str]
    kinds: ClassVar[tuple[str, ...]]
    needs_real: ClassVar[bool] = True
    needs_inception: ClassVar[bool] = True
    description: ClassVar[str] = ""

    def write_figures(self, stem: Path) -> list[Path]:
        """Pictures of the last `compute` next to `stem` (e.g. GS's MRLT bars); none by default."""
        return []

    @abstractmethod
    def compute(self, real: Stats | None, fake: Stats, config: EvalConfig) -> dict[str, float]:
        """Named results from the statistics of the real set (None unless `needs_real`) and the fakes."""


METRICS: Registry[type[Metric]] = Registry(modules=[f"curator.evaluate.{m}" for m in (
    "fid", "inception_score", "kid", "precision_recall", "swd", "geometry_score")])
KINDS: dict[str, KindFactory] = {}
# Cache-relevant settings of each kind beyond the data itself (protocol, caps, seeds).
KIND_PARAMS: dict[str, Callable[[EvalConfig], dict]] = {}

metric = METRICS.register  # @metric above a Metric subclass registers it under its `name`


def kind(name: str, params: Callable[[EvalConfig], dict]) -> Callable[[KindFactory], KindFactory]:
    def register(factory: KindFactory) -> KindFactory:
        KINDS[name] = factory
        KIND_PARAMS[name] = params
        return factory
    return register


@kind("features", lambda c: {"protocol": c.protocol, "limit": c.max_samples})
def _feature_sample(config: EvalConfig, count: int | None) -> Accumulator:
    return FeatureSample(config.max_samples)


def available() -> list[str]:
    return METRICS.names()


def get_metrics(names: list[str]) -> list[Metric]:
    """Instances of the named metrics; an unknown name is a user error listing the known ones."""
    known = METRICS.entries()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise CuratorError(f"unknown metric {', '.join(unknown)}; choose from {', '.join(available())}")
    if not names:
        raise CuratorError(f"no metrics given; choose from {', '.join(available())}")
    return [known[n]() for n in dict.fromkeys(names)]
