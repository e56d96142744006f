"""Adaptive discriminator augmentation: the controller that moves the augmentation probability p.

The overfitting heuristic of the ADA paper (Karras et al. 2020, section 3): r_t = E[sign(D(real))],
the share of reals the discriminator is sure about, rises above 0 as D overfits. Every
`interval` minibatches p moves by sign(r_t - target) * (batch_size * interval) / (ada_kimg * 1000),
so it can travel from 0 to 1 in `ada_kimg` thousand images, and is floored at 0.

p itself lives in the AugmentPipe's `p` buffer (saved with the pipe); this controller holds the
rest of the schedule, which its `state_dict` makes exactly resumable.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
from torch import Tensor

from trainers.stylegan2.augment import AugmentPipe


class AdaController:
    """Observes D's logits on reals and adjusts `pipe.p` every `interval` minibatches."""

    def __init__(self, target: float = 0.6, interval: int = 4, ada_kimg: float = 500, *, batch_size: int) -> None:
        if interval < 1 or ada_kimg <= 0 or batch_size < 1:
            raise ValueError("interval and batch_size must be >= 1 and ada_kimg > 0")
        self.target = float(target)
        self.interval = int(interval)
        self.ada_kimg = float(ada_kimg)
        self.batch_size = int(batch_size)  # the global batch (all processes together)
        self.step = self.batch_size * self.interval / (self.ada_kimg * 1000)
        self.next_update_nimg = self.batch_size * self.interval
        self.last_rt: float | None = None  # r_t at the last update, for logging
        self._signs: Tensor | None = None  # [sum of signs, count] on the logits' device, no host sync

    def observe(self, real_logits: Tensor) -> None:
        """Accumulate sign(D(real)) of one minibatch (this process's share)."""
        signs = real_logits.detach().sign().to(torch.float64)
        batch = torch.stack([signs.sum(), torch.tensor(float(signs.numel()), dtype=torch.float64, device=signs.device)])
        self._signs = batch if self._signs is None else self._signs.to(batch.device) + batch

    def maybe_update(self, pipe: AugmentPipe, cur_nimg: int) -> float:
        """Call once per minibatch with the images shown so far; returns p (updated when due)."""
        if cur_nimg < self.next_update_nimg or self._signs is None:
            return float(pipe.p)
        totals = self._signs.clone()
        if dist.is_available() and dist.is_initialized():
            dist.all_reduce(totals)
        total, count = totals.tolist()
        self._signs = None
        self.next_update_nimg = cur_nimg + self.batch_size * self.interval
        if count == 0:
            return float(pipe.p)
        self.last_rt = total / count
        direction = (self.last_rt > self.target) - (self.last_rt < self.target)
        new_p = max(float(pipe.p) + direction * self.step, 0.0)
        pipe.p.copy_(torch.as_tensor(new_p))
        return new_p

    def state_dict(self) -> dict:
        """The schedule's progress as plain numbers (JSON-serialisable).

        The settings (target, interval, ada_kimg, batch_size) come from the constructor, so a
        resumed run may change them. Under torch.distributed each process keeps its own
        pending signs; save this from every process or at an update boundary.
        """
        return {
            "next_update_nimg": self.next_update_nimg,
            "last_rt": self.last_rt,
            "pending_signs": [0.0, 0.0] if self._signs is None else self._signs.tolist(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.next_update_nimg = int(state["next_update_nimg"])
        self.last_rt = state["last_rt"]
        pending = state["pending_signs"]
        self._signs = torch.tensor(pending, dtype=torch.float64) if pending[1] else None
