"""StyleGAN2 losses: non-saturating logistic loss, lazy R1, path length regularisation, mixing.

`accumulate(phase, ...)` computes one phase's loss and calls backward, as the training loop
schedules it: 'Gmain'/'Dmain' every step, 'Greg'/'Dreg' every reg_interval steps (their
loss scaled by `gain` = the interval, the paper's lazy regularisation).
"""

from __future__ import annotations

import math
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn


class StyleGAN2Loss:
    def __init__(self, G: nn.Module, D: nn.Module, augment_pipe: nn.Module | None = None, r1_gamma: float = 10,
                 style_mixing_prob: float = 0.9, pl_weight: float = 2, pl_batch_shrink: int = 2, pl_decay: float = 0.01,
                 on_real_logits: Callable[[torch.Tensor], None] | None = None, diffaug: nn.Module | None = None,
                 pseudo_augment: nn.Module | None = None) -> None:
        self.G, self.D, self.augment_pipe = G, D, augment_pipe
        self.diffaug, self.pseudo_augment = diffaug, pseudo_augment  # DiffAugment, APA (see diffaug.py, apa.py)
        self._fakes: torch.Tensor | None = None  # Dmain's fakes, reused by APA in the same phase
        self.r1_gamma, self.style_mixing_prob = r1_gamma, style_mixing_prob
        self.pl_weight, self.pl_batch_shrink, self.pl_decay = pl_weight, pl_batch_shrink, pl_decay
        self.pl_mean = torch.zeros([], device=next(G.parameters()).device)
        self.on_real_logits = on_real_logits
        self.last: dict[str, float] = {}

    def run_G(self, z: torch.Tensor, c: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        ws = self.G.mapping(z, c)
        if self.style_mixing_prob > 0:
            # Style mixing: from a random layer on, use the w of a second latent.
            cutoff = torch.empty([], dtype=torch.int64, device=ws.device).random_(1, ws.shape[1])
            cutoff = torch.where(torch.rand([], device=ws.device) < self.style_mixing_prob, cutoff,
                                 torch.full_like(cutoff, ws.shape[1]))
            mixed = self.G.mapping(torch.randn_like(z), c, update_w_avg=False)
            layer = torch.arange(ws.shape[1], device=ws.device)[None, :, None]
            ws = torch.where(layer >= cutoff, mixed, ws)
        return self.G.synthesis(ws), ws

    def run_D(self, img: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        if self.augment_pipe is not None:
            img = self.augment_pipe(img)
        if self.diffaug is not None:
            img = self.diffaug(img)
        return self.D(img, c)

    def accumulate(self, phase: str, real_img: torch.Tensor, real_c: torch.Tensor, gen_z: torch.Tensor,
                   gen_c: torch.Tensor, gain: float) -> None:
        if phase == "Gmain":
            self._g_main(gen_z, gen_c, gain)
        elif phase == "Greg":
            if self.pl_weight:
                self._g_pl(gen_z, gen_c, gain)
        elif phase == "Dmain":
            self._d_fake(gen_z, gen_c, gain)
            self._d_real(self._pseudo(real_img, gen_z, gen_c), real_c, gain, main=True, r1=False)
            self._fakes = None
        elif phase == "Dreg":
            if self.r1_gamma:
                self._d_real(self._pseudo(real_img, gen_z, gen_c), real_c, gain, main=False, r1=True)
        else:
            raise ValueError(f"unknown phase {phase!r}")

    def _g_main(self, z: torch.Tensor, c: torch.Tensor, gain: float) -> None:
        img, _ = self.run_G(z, c)
        logits = self.run_D(img, c)
        loss = F.softplus(-logits)  # -log(sigmoid(D(G(z))))
        self.last.update(loss_G=loss.mean().item(), scores_fake=logits.mean().item())
        loss.mean().mul(gain).backward()

    def _g_pl(self, z: torch.Tensor, c: torch.Tensor, gain: float) -> None:
        n = max(z.shape[0] // self.pl_batch_shrink, 1)
        img, ws = self.run_G(z[:n], c[:n])
        noise = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
        grads, = torch.autograd.grad(outputs=[(img * noise).sum()], inputs=[ws], create_graph=True)
        lengths = grads.square().sum(2).mean(1).sqrt()
        pl_mean = self.pl_mean.lerp(lengths.mean(), self.pl_decay)
        self.pl_mean.copy_(pl_mean.detach())
        penalty = (lengths - pl_mean).square()
        self.last.update(pl_penalty=penalty.mean().item())
        # `img * 0` keeps every synthesis parameter in the graph (needed for DDP's reducer).
        (img[:, 0, 0, 0] * 0 + penalty * self.pl_weight).mean().mul(gain).backward()

    def _pseudo(self, real_img: torch.Tensor, z: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """APA: some reals replaced by fakes (labelled real); no random draw at all while p is 0."""
        if self.pseudo_augment is None or not self.pseudo_augment.active():
            return real_img
        fakes = self._fakes
        if fakes is None:
            with torch.no_grad():
                fakes, _ = self.run_G(z, c)
        return self.pseudo_augment(real_img, fakes)

    def _d_fake(self, z: torch.Tensor, c: torch.Tensor, gain: float) -> None:
        with torch.no_grad():
            img, _ = self.run_G(z, c)
        self._fakes = img
        logits = self.run_D(img, c)
        loss = F.softplus(logits)
        self.last.update(loss_D_fake=loss.mean().item())
        loss.mean().mul(gain).backward()

    def _d_real(self, real_img: torch.Tensor, real_c: torch.Tensor, gain: float, main: bool, r1: bool) -> None:
        img = real_img.detach().requires_grad_(r1)
        logits = self.run_D(img, real_c)
        loss = torch.zeros_like(logits)
        if main:
            loss = loss + F.softplus(-logits)
            if self.on_real_logits is not None:
                self.on_real_logits(logits.detach())
            self.last.update(loss_D_real=F.softplus(-logits).mean().item(), scores_real=logits.mean().item(),
                             signs_real=logits.sign().mean().item())
        if r1:
            grads, = torch.autograd.grad(outputs=[logits.sum()], inputs=[img], create_graph=True)
            penalty = grads.square().sum([1, 2, 3])
            loss = loss + penalty * (self.r1_gamma / 2)
            self.last.update(r1_penalty=penalty.mean().item())
        (logits * 0 + loss).mean().mul(gain).backward()
