"""Resampling primitives for the augmentation pipeline, all twice differentiable.

R1 regularisation differentiates D's output with respect to the (augmented) reals and then
differentiates that gradient again, so every op an image passes through must have a
differentiable backward. `F.grid_sample` has none for its input; these helpers use only
`index_select`, `gather`, `matmul` and `conv2d`, whose backwards are themselves differentiable.

The 2x up/downsampling has two equal implementations: on the GPU, polyphase convolutions
(cost per pixel ~ filter length); on the CPU, where PyTorch's single-channel convolutions are
slow, products with small dense matrices (cost per pixel ~ image size, fine at CPU sizes).
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import Tensor


def reflect_index(idx: Tensor, size: int) -> Tensor:
    """Fold positions (integer or not) into [0, size - 1] by mirroring about the edge pixels' centres."""
    if size == 1:
        return torch.zeros_like(idx)
    period = 2 * (size - 1)
    idx = idx.remainder(period)
    return torch.where(idx > size - 1, period - idx, idx)


def reflect_indices(size: int, before: int, after: int, device: torch.device) -> Tensor:
    """Source index of each position of a reflect-padded axis, any pad width."""
    return reflect_index(torch.arange(-before, size + after, device=device), size)


def reflect_pad(x: Tensor, left: int, right: int, top: int, bottom: int) -> Tensor:
    """Like F.pad(mode='reflect') but without its pad < size limit."""
    x = x.index_select(3, reflect_indices(x.shape[3], left, right, x.device))
    return x.index_select(2, reflect_indices(x.shape[2], top, bottom, x.device))


def reflect_pad_matrix(size: int, before: int, after: int) -> Tensor:
    """[size + before + after, size] one-hot rows: reflect padding as a linear map."""
    return torch.eye(size, dtype=torch.float64)[reflect_indices(size, before, after, torch.device("cpu"))]


@functools.lru_cache(maxsize=64)  # a training run only ever sees a few sizes
def _upsample_matrix(size: int, taps: tuple[float, ...]) -> Tensor:
    out = torch.zeros(2 * size + len(taps) - 2, size, dtype=torch.float64)
    cols = torch.arange(size)
    for offset, tap in enumerate(taps):
        out[2 * cols + offset, cols] = 2 * tap
    return out


def upsample_matrix(size: int, taps: Tensor) -> Tensor:
    """[2*size + L - 2, size]: zero-insertion 2x upsampling filtered by `taps` (length L).

    Output sample k sits at input coordinate (k - d) / 2, d the filter's delay (its centroid).
    """
    return _upsample_matrix(size, tuple(taps.tolist()))


def downsample_matrix(size: int, taps: Tensor) -> Tensor:
    """[size, 2*size + L - 2]: the adjoint of upsample_matrix, halved; its exact inverse for SYM6."""
    return upsample_matrix(size, taps).T / 2


def apply_separable(x: Tensor, rows: Tensor, cols: Tensor) -> Tensor:
    """rows @ x @ cols^T for each image and channel: x [N, C, H, W] -> [N, C, len(rows), len(cols)]."""
    rows = rows.to(device=x.device, dtype=x.dtype)
    cols = cols.to(device=x.device, dtype=x.dtype)
    return torch.matmul(rows, torch.matmul(x, cols.T))


def _single_channel(x: Tensor) -> Tensor:
    return x.reshape(x.shape[0] * x.shape[1], 1, *x.shape[2:])


def upsample_by_convolution(x: Tensor, taps: Tensor) -> Tensor:
    """Same map as upsample_matrix, as two polyphase convolutions per axis."""
    flat = _single_channel(x)
    half = taps.numel() // 2
    # Even output samples use the even taps, odd ones the odd taps; flipped for cross-correlation.
    phases = (2 * torch.stack([taps[0::2], taps[1::2]])).flip(1).to(x.dtype)
    flat = F.conv2d(F.pad(flat, (half - 1, half - 1, 0, 0)), phases.reshape(2, 1, 1, half))
    flat = flat.permute(0, 2, 3, 1).reshape(flat.shape[0], 1, flat.shape[2], -1)  # interleave along W
    flat = F.conv2d(F.pad(flat, (0, 0, half - 1, half - 1)), phases.reshape(2, 1, half, 1))
    flat = flat.permute(0, 2, 1, 3).reshape(flat.shape[0], 1, -1, flat.shape[3])  # interleave along H
    return flat.reshape(*x.shape[:2], *flat.shape[2:])


def downsample_by_convolution(x: Tensor, taps: Tensor) -> Tensor:
    """Same map as downsample_matrix, as strided convolutions."""
    flat = _single_channel(x)
    taps = taps.to(x.dtype)
    flat = F.conv2d(flat, taps.reshape(1, 1, 1, -1), stride=(1, 2))
    flat = F.conv2d(flat, taps.reshape(1, 1, -1, 1), stride=(2, 1))
    return flat.reshape(*x.shape[:2], *flat.shape[2:])


def pad_and_upsample(x: Tensor, taps: Tensor, left: int, right: int, top: int, bottom: int) -> Tensor:
    """Reflect-pad, then upsample 2x: [H, W] -> [2(H+top+bottom)+L-2, 2(W+left+right)+L-2]."""
    if x.is_cuda:
        return upsample_by_convolution(reflect_pad(x, left, right, top, bottom), taps)
    h, w = x.shape[2:]
    rows = upsample_matrix(h + top + bottom, taps) @ reflect_pad_matrix(h, top, bottom)
    cols = upsample_matrix(w + left + right, taps) @ reflect_pad_matrix(w, left, right)
    return apply_separable(x, rows, cols)


def downsample(x: Tensor, taps: Tensor) -> Tensor:
    """Filter and halve: [2H+L-2, 2W+L-2] -> [H, W]."""
    if x.is_cuda:
        return downsample_by_convolution(x, taps)
    length = taps.numel()
    h, w = (x.shape[2] - length + 2) // 2, (x.shape[3] - length + 2) // 2
    return apply_separable(x, downsample_matrix(h, taps), downsample_matrix(w, taps))


def filter_per_sample(x: Tensor, taps: Tensor) -> Tensor:
    """Separable filtering of each sample with its own odd-length kernel taps[n], reflect padded."""
    n, c, h, w = x.shape
    length = taps.shape[1]
    half = length // 2
    kernel = taps.repeat_interleave(c, dim=0)  # one kernel per (sample, channel) group
    x = reflect_pad(x, half, half, half, half).reshape(1, n * c, h + 2 * half, w + 2 * half)
    x = F.conv2d(x, kernel.reshape(n * c, 1, 1, length), groups=n * c)
    x = F.conv2d(x, kernel.reshape(n * c, 1, length, 1), groups=n * c)
    return x.reshape(n, c, h, w)


def gather_pixels(x: Tensor, flat_index: Tensor) -> Tensor:
    """out[n, c, p] = x[n, c].flatten()[flat_index[n, p]]."""
    n, c = x.shape[:2]
    index = flat_index.reshape(n, 1, -1).expand(n, c, -1)
    return x.reshape(n, c, -1).gather(2, index)


def bilinear_sample(x: Tensor, xs: Tensor, ys: Tensor) -> Tensor:
    """Sample x [N, C, H, W] at pixel-index positions xs, ys [N, Ho, Wo].

    Positions must lie in [0, W - 2] x [0, H - 2] (callers fold them inside), so that all four
    neighbours exist and no bounds checks are needed.
    """
    n, c, h, w = x.shape
    x0, y0 = xs.floor(), ys.floor()
    fx, fy = (xs - x0).to(x.dtype).reshape(n, 1, -1), (ys - y0).to(x.dtype).reshape(n, 1, -1)
    top_left = (y0 * w + x0).long()
    # The four neighbours in one gather: its backward then scatters into one zero tensor, not four.
    index = torch.stack([top_left, top_left + 1, top_left + w, top_left + w + 1], dim=1)
    # unbind, not four selects: its backward stacks the four gradients instead of zero-filling four tensors.
    top_l, top_r, bottom_l, bottom_r = gather_pixels(x, index).reshape(n, c, 4, -1).unbind(dim=2)
    top = torch.lerp(top_l, top_r, fx)
    bottom = torch.lerp(bottom_l, bottom_r, fx)
    return torch.lerp(top, bottom, fy).reshape(n, c, *xs.shape[1:])
