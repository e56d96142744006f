"""Latents from seeds, truncation and classes: the pieces every generated picture is made of.

A seed's latent is ``numpy.random.RandomState(seed).randn(z_dim)``, the convention of the official
StyleGAN2-ADA tools, so a seed shows the same image here as there for the same weights.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from curator.errors import CuratorError
from curator.generate.seeds import MAX_SEEDS, parse_layer_list, parse_seeds  # noqa: F401  (re-exported)


def parse_layers(text: str, num_ws: int) -> list[int]:
    """'0-6' -> those w indices, clipped to the generator's num_ws."""
    return [i for i in parse_layer_list(text) if i < num_ws]


def seed_latents(seeds: list[int], z_dim: int) -> Tensor:
    return torch.from_numpy(np.stack([np.random.RandomState(s).randn(z_dim) for s in seeds])).float()


def class_labels(G: torch.nn.Module, class_idx: int | None, n: int) -> Tensor:
    """One-hot labels for a conditional generator; an empty [n, 0] tensor otherwise."""
    c = torch.zeros(n, G.c_dim)
    if G.c_dim == 0:
        if class_idx is not None:
            raise CuratorError("--class given, but this generator is unconditional")
        return c
    if class_idx is None or not 0 <= class_idx < G.c_dim:
        raise CuratorError(f"this generator is conditional: give --class between 0 and {G.c_dim - 1}")
    c[:, class_idx] = 1
    return c


@torch.inference_mode()
def map_seeds(G: torch.nn.Module, seeds: list[int], class_idx: int | None, psi: float,
              cutoff: int | None, device: torch.device) -> Tensor:
    """Per-layer latents ws [N, num_ws, w_dim], truncated towards the average w by `psi`."""
    z = seed_latents(seeds, G.z_dim).to(device)
    c = class_labels(G, class_idx, len(seeds)).to(device)
    return G.mapping(z, c, truncation_psi=psi, truncation_cutoff=cutoff)


def to_uint8(images: Tensor) -> Tensor:
    """Generator output in [-1, 1] to uint8, rounding as the official tools do; 1 channel becomes 3."""
    out = (images * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return out.expand(-1, 3, -1, -1) if out.shape[1] == 1 else out


@torch.inference_mode()
def synthesize(G: torch.nn.Module, ws: Tensor, noise_mode: str = "const", batch: int = 16) -> Tensor:
    """uint8 [N, 3, H, W] images on the CPU for latents ws, in batches."""
    return torch.cat([to_uint8(G.synthesis(ws[i:i + batch], noise_mode=noise_mode)).cpu()
                      for i in range(0, len(ws), batch)])
