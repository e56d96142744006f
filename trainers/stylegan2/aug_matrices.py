"""Batched homogeneous matrices for the augmentation pipeline.

Geometry: 3x3 matrices acting on centred pixel coordinates (x right, y down, origin at the
image centre). Colour: 4x4 matrices acting on homogeneous RGB in [-1, 1]. Each builder takes
one value per sample (a 1-D tensor) and returns a batch of matrices on that tensor's device.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

def _stack(rows: list[list[Tensor | float]], like: Tensor) -> Tensor:
    """Build [N, R, C] from a row-major nested list of per-sample tensors and constants."""
    cells = [torch.as_tensor(c, dtype=like.dtype, device=like.device).expand(like.shape) for row in rows for c in row]
    return torch.stack(cells, dim=-1).reshape(*like.shape, len(rows), len(rows[0]))


def translate2d(tx: Tensor, ty: Tensor) -> Tensor:
    return _stack([[1, 0, tx], [0, 1, ty], [0, 0, 1]], tx)


def scale2d(sx: Tensor, sy: Tensor) -> Tensor:
    return _stack([[sx, 0, 0], [0, sy, 0], [0, 0, 1]], sx)


def rotate2d(theta: Tensor) -> Tensor:
    c, s = torch.cos(theta), torch.sin(theta)
    return _stack([[c, -s, 0], [s, c, 0], [0, 0, 1]], theta)


def translate3d(t: Tensor) -> Tensor:
    """Add `t` to all three channels (brightness)."""
    return _stack([[1, 0, 0, t], [0, 1, 0, t], [0, 0, 1, t], [0, 0, 0, 1]], t)


def scale3d(s: Tensor) -> Tensor:
    """Multiply all three channels by `s` around 0, the middle of [-1, 1] (contrast)."""
    return _stack([[s, 0, 0, 0], [0, s, 0, 0], [0, 0, s, 0], [0, 0, 0, 1]], s)


def _embed3(m: Tensor) -> Tensor:
    """[N, 3, 3] colour-only matrices -> [N, 4, 4] homogeneous ones."""
    out = torch.zeros(m.shape[0], 4, 4, dtype=m.dtype, device=m.device)
    out[:, :3, :3] = m
    out[:, 3, 3] = 1
    return out


def _luma_projector(like: Tensor) -> Tensor:
    """[3, 3] projector onto the luma axis (equal R, G, B)."""
    return torch.full((3, 3), 1 / 3, dtype=like.dtype, device=like.device)


def luma_reflection(flip: Tensor) -> Tensor:
    """Householder reflection through the plane orthogonal to the luma axis where flip == 1."""
    eye = torch.eye(3, dtype=flip.dtype, device=flip.device)
    return _embed3(eye - 2 * _luma_projector(flip) * flip.reshape(-1, 1, 1))


def hue_rotation(theta: Tensor) -> Tensor:
    """Rotate colours by `theta` around the luma axis (Rodrigues' formula, unit axis (1,1,1)/sqrt 3)."""
    eye = torch.eye(3, dtype=theta.dtype, device=theta.device)
    cross = torch.tensor([[0, -1, 1], [1, 0, -1], [-1, 1, 0]], dtype=theta.dtype, device=theta.device) / math.sqrt(3)
    c = torch.cos(theta).reshape(-1, 1, 1)
    s = torch.sin(theta).reshape(-1, 1, 1)
    return _embed3(c * eye + s * cross + (1 - c) * _luma_projector(theta))


def saturation(s: Tensor) -> Tensor:
    """Keep the luma component, scale the chroma (orthogonal) components by `s`."""
    luma = _luma_projector(s)
    eye = torch.eye(3, dtype=s.dtype, device=s.device)
    return _embed3(luma + (eye - luma) * s.reshape(-1, 1, 1))
