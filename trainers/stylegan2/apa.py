"""Adaptive Pseudo Augmentation (Jiang et al. 2022, "Deceive D: Adaptive Pseudo Augmentation for GAN
Training with Limited Data").

With probability p per image, the images D is shown as real are replaced by G's current fakes
(detached), so an overfitting D is rewarded less for memorising the reals. p moves with the same
overfitting heuristic as ADA, r_t = E[sign(D(real))], but with its own target and speed (an
`AdaController` driving this module's `p`), so APA and ADA can run together. Replacing a whole
image is a per-sample select: R1 through it stays twice differentiable (the fakes carry no graph).
"""

from __future__ import annotations

import torch
from torch import nn


class PseudoAugment(nn.Module):
    """Holds p (a buffer, saved with the run) and mixes fakes into the reals."""

    def __init__(self, p: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("p", torch.tensor(float(p)))

    def forward(self, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """`real` with each image replaced by the matching `fake` with probability p."""
        take = torch.rand([real.shape[0], 1, 1, 1], device=real.device) < self.p
        return torch.where(take, fake.detach().to(real.dtype), real)

    def active(self) -> bool:
        return float(self.p) > 0
