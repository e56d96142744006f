"""Apply one affine transform per sample: exact pixel moves where possible, filtered resampling otherwise.

Transforms are given as inverse matrices `g_inv` [N, 3, 3] mapping centred output coordinates
to centred input coordinates. Samples whose transform is the identity are left untouched;
flips, quarter turns and integer shifts move pixels exactly (lossless, like a blit); every
other sample is reflect-padded, upsampled 2x with the orthogonal Symlet-6 filter, sampled
bilinearly at the transformed 2x grid and filtered back down. Working at twice the resolution
with a wide low-pass filter is what keeps the transform from leaking aliasing into the
images (ADA paper, appendix).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from trainers.stylegan2.aug_matrices import translate2d
from trainers.stylegan2.aug_resample import bilinear_sample, downsample, gather_pixels, pad_and_upsample, reflect_index

_INTEGER_TOLERANCE = 1e-4


def pixel_index_matrices(g_inv: Tensor, height: int, width: int) -> Tensor:
    """Re-express centred-coordinate matrices as maps from output to input pixel indices."""
    n = g_inv.shape[0]
    cx = torch.full((n,), (width - 1) / 2, dtype=g_inv.dtype)
    cy = torch.full((n,), (height - 1) / 2, dtype=g_inv.dtype)
    return translate2d(cx, cy) @ g_inv @ translate2d(-cx, -cy)


def is_pixel_permutation(m: Tensor) -> Tensor:
    """True where an index matrix has integer entries and a signed-permutation linear part."""
    rounded = m.round()
    integer = (m - rounded).abs().amax(dim=(1, 2)) < _INTEGER_TOLERANCE
    linear = rounded[:, :2, :2].abs()
    permutation = (linear.sum(dim=1) == 1).all(dim=1) & (linear.sum(dim=2) == 1).all(dim=1)
    return integer & permutation


def warp_exact(images: Tensor, m: Tensor) -> Tensor:
    """Move pixels by integer index matrices m [N, 3, 3], mirroring what comes from outside."""
    n, c, h, w = images.shape
    m = m.to(device=images.device, dtype=torch.long)
    rows, cols = torch.meshgrid(
        torch.arange(h, device=images.device), torch.arange(w, device=images.device), indexing="ij"
    )
    src_x = m[:, 0, 0, None, None] * cols + m[:, 0, 1, None, None] * rows + m[:, 0, 2, None, None]
    src_y = m[:, 1, 0, None, None] * cols + m[:, 1, 1, None, None] * rows + m[:, 1, 2, None, None]
    flat = reflect_index(src_y, h) * w + reflect_index(src_x, w)
    return gather_pixels(images, flat.reshape(n, -1)).reshape(n, c, h, w)


def _padding(g_inv: Tensor, u_ends: Tensor, v_ends: Tensor, size: int, axis: int, guard: float) -> tuple[int, int]:
    """Reflect padding (before, after) along one axis covering where the output grid's corners land."""
    corners = torch.stack(
        [u_ends.repeat_interleave(2), v_ends.repeat(2), torch.ones(4, dtype=g_inv.dtype)]
    )
    landing = (g_inv @ corners)[:, axis] + (size - 1) / 2
    # Beyond one image width the padding would only mirror the mirror; zeros are fine there.
    before = min(max(math.ceil(guard - landing.min().item()), 0), size)
    after = min(max(math.ceil(landing.max().item() - (size - 1) + guard), 0), size)
    return before, after


def warp_resampled(images: Tensor, g_inv: Tensor, taps: Tensor) -> Tensor:
    """Transform each sample by g_inv [N, 3, 3] (float64, CPU) through a filtered 2x resampling."""
    n, c, h, w = images.shape
    length = taps.numel()
    # Upsampled index k lies at input coordinate (k - centre) / 2, where centre is the filter's
    # delay at low frequencies: its centroid. Symlet-6 is not symmetric (centroid 5.10, not the
    # midpoint 5.5); taking the midpoint would shift a half-turned image by 0.4 px.
    centre = float((torch.arange(length, dtype=taps.dtype) * taps.cpu()).sum() / taps.sum().cpu())
    # Positions of the 2x output grid that the downsampling needs, in centred input coordinates.
    u = (torch.arange(2 * w + length - 2, dtype=torch.float64) - centre) / 2 - (w - 1) / 2
    v = (torch.arange(2 * h + length - 2, dtype=torch.float64) - centre) / 2 - (h - 1) / 2
    # Keep bilinear taps inside the part of the upsampled image the filter fully covers.
    guard = (length - 1) / 4 + 1
    left, right = _padding(g_inv, u[[0, -1]], v[[0, -1]], w, 0, guard)
    top, bottom = _padding(g_inv, u[[0, -1]], v[[0, -1]], h, 1, guard)
    upsampled = pad_and_upsample(images, taps, left, right, top, bottom)

    g = g_inv.to(device=images.device, dtype=torch.float32)
    u = u.to(device=images.device, dtype=torch.float32).reshape(1, 1, -1)
    v = v.to(device=images.device, dtype=torch.float32).reshape(1, -1, 1)
    src_x = g[:, 0, 0, None, None] * u + g[:, 0, 1, None, None] * v + g[:, 0, 2, None, None]
    src_y = g[:, 1, 0, None, None] * u + g[:, 1, 1, None, None] * v + g[:, 1, 2, None, None]
    xs = 2 * (src_x + (w - 1) / 2 + left) + centre
    ys = 2 * (src_y + (h - 1) / 2 + top) + centre
    return downsample(bilinear_sample(upsampled, xs, ys), taps)


def warp(images: Tensor, g_inv: Tensor, taps: Tensor) -> Tensor:
    """Apply per-sample inverse matrices g_inv [N, 3, 3]; identity samples come back bit-identical."""
    n, _, h, w = images.shape
    g_cpu = g_inv.detach().to(device="cpu", dtype=torch.float64)  # one host sync per batch
    m = pixel_index_matrices(g_cpu, h, w)
    exact = is_pixel_permutation(m)
    identity = exact & (m.round() == torch.eye(3, dtype=m.dtype)).all(dim=(1, 2))

    out = images
    moved = torch.nonzero(exact & ~identity).flatten()
    if moved.numel():
        index = moved.to(images.device)
        out = out.index_copy(0, index, warp_exact(images.index_select(0, index), m[moved].round()))
    resampled = torch.nonzero(~exact).flatten()
    if resampled.numel():
        index = resampled.to(images.device)
        out = out.index_copy(0, index, warp_resampled(images.index_select(0, index), g_cpu[resampled], taps))
    return out
