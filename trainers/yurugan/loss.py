"""Hinge adversarial loss plus the AC-GAN classification loss.

Hinge rather than non-saturating: it is the loss of the model family YuruGAN builds on (SNGAN,
SAGAN, BigGAN); its margin stops D from pushing already well-separated samples further, which
keeps the fast-learning D of the TTUR (25x G's learning rate, two steps per G step) from
saturating G's gradient on a few thousand images.

D: max(0, 1 - D(x, y)) + max(0, 1 + D(G(z), y')) + w * [CE(C(x), y) + CE(C(G(z)), y')]
G: -D(G(z), y') + w * CE(C(G(z)), y')
where D(., y) includes the projection term and C is the auxiliary classifier head. The class
loss on fakes is in both, as AC-GAN's L_C: D learns to classify, G to be classified as asked.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def class_loss(logits: Tensor | None, onehot: Tensor) -> Tensor:
    if logits is None or onehot.shape[1] == 0:
        return logits.new_zeros(()) if logits is not None else onehot.new_zeros(())
    return F.cross_entropy(logits, onehot.argmax(dim=1))


def d_loss(D: nn.Module, real: Tensor, real_c: Tensor, fake: Tensor, fake_c: Tensor,
           ac_weight: float) -> tuple[Tensor, dict[str, float]]:
    out_real, cls_real = D(real, real_c)
    out_fake, cls_fake = D(fake, fake_c)
    loss_real = F.relu(1 - out_real).mean()
    loss_fake = F.relu(1 + out_fake).mean()
    ce_real, ce_fake = class_loss(cls_real, real_c), class_loss(cls_fake, fake_c)
    loss = loss_real + loss_fake + ac_weight * (ce_real + ce_fake)
    stats = {k: v.item() for k, v in {"loss_D_real": loss_real, "loss_D_fake": loss_fake, "loss_D_class_real": ce_real,
                                      "loss_D_class_fake": ce_fake, "scores_real": out_real.mean(),
                                      "scores_fake": out_fake.mean()}.items()}
    if cls_real is not None and real_c.shape[1]:
        stats["class_acc_real"] = (cls_real.argmax(1) == real_c.argmax(1)).float().mean().item()
    return loss, stats


def g_loss(D: nn.Module, fake: Tensor, fake_c: Tensor, ac_weight: float) -> tuple[Tensor, dict[str, float]]:
    out, cls = D(fake, fake_c)
    adv = -out.mean()
    ce = class_loss(cls, fake_c)
    return adv + ac_weight * ce, {"loss_G": adv.item(), "loss_G_class": ce.item()}

