"""One streaming pass over images: Inception features (when needed) fed to small accumulators.

Images arrive as uint8 [N, C, H, W] batches. Each accumulator keeps only what its metrics need
(running moments, a capped sample of features, per-split sums, SWD descriptors), so memory does
not grow with the number of images beyond those caps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Protocol

import numpy as np
import torch
from torch import Tensor

from curator.evaluate.inception import FIDInception
from curator.evaluate.protocols import PROTOCOLS


@dataclass
class Batch:
    images: Tensor  # uint8 [N, C, H, W]
    pool: Tensor | None = None  # float32 [N, 2048] on the CPU
    logits: Tensor | None = None  # float32 [N, 1008], bias-free


class Accumulator(Protocol):
    """Collects one kind of statistics; `result()` is plain arrays (cacheable with np.savez)."""

    uses_inception: bool

    def update(self, batch: Batch) -> None: ...

    def result(self) -> dict[str, np.ndarray]: ...


class InceptionExtractor:
    """The Inception network behind one resize protocol, on one device."""

    def __init__(self, model: FIDInception, protocol: str, device: str | torch.device) -> None:
        self.model = model
        self.prepare = PROTOCOLS[protocol]
        self.device = torch.device(device)
        # channels_last lets oneDNN (CPU) and cuDNN pick their fastest convolution kernels.
        self.model.to(self.device, memory_format=torch.channels_last)

    @torch.inference_mode()
    def __call__(self, images: Tensor) -> tuple[Tensor, Tensor]:
        x = self.prepare(images.to(self.device)).contiguous(memory_format=torch.channels_last)
        pool, logits = self.model(x)
        return pool.float().cpu(), logits.float().cpu()


class FeatureSample:
    """The first `limit` pool3 feature vectors (KID and precision/recall need the vectors themselves)."""

    uses_inception = True

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[np.ndarray] = []
        self.count = 0

    def update(self, batch: Batch) -> None:
        room = self.limit - self.count
        if room > 0:
            part = batch.pool[:room].numpy().copy()
            self.parts.append(part)
            self.count += len(part)

    def result(self) -> dict[str, np.ndarray]:
        feats = np.concatenate(self.parts) if self.parts else np.zeros((0, 2048), np.float32)
        return {"features": feats}


def collect(batches: Iterable[Tensor], accumulators: dict[str, Accumulator],
            extractor: InceptionExtractor | None, on_batch: Callable[[int], Any] | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Run every batch through the extractor (if any accumulator needs it) and all accumulators."""
    needs_inception = any(acc.uses_inception for acc in accumulators.values())
    if needs_inception and extractor is None:
        raise ValueError("an accumulator needs Inception features but no extractor was given")
    done = 0
    for images in batches:
        batch = Batch(images)
        if needs_inception:
            batch.pool, batch.logits = extractor(images)
        for acc in accumulators.values():
            acc.update(batch)
        done += len(images)
        if on_batch:
            on_batch(done)
    return {kind: acc.result() for kind, acc in accumulators.items()}
