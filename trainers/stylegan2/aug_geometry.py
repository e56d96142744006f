"""Apply one affine transform per sample: exact pixel moves where possible, filtered resampling otherwise.

Transforms are given as inverse matrices `g_inv` [N, 3, 3] mapping centred output coordinates
to centred input coordinates. Samples whose transform is the identity are left untouched;
flips, quarter turns and integer shifts move pixels exactly (lossless, like a blit); every
other sample is reflect-padded, upsampled 2x with the orthogonal Symlet-6 filter, sampled
bilinearly at the transformed 2x grid and filtered back down. Working at twice the resolution
with a wide low-pass filter is what keeps the transform from leaking aliasing into the
images (ADA paper, appendix). What comes into view from outside the image is its mirror image.
"""

from __future__ import annotations

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


def _fold(positions: Tensor, low: float, high: float) -> Tensor:
    """Mirror positions into [low, high]."""
    return low + reflect_index(positions - low, high - low + 1)


def warp_resampled(images: Tensor, g_inv: Tensor, taps: Tensor) -> Tensor:
    """Transform each sample by g_inv [N, 3, 3] through a filtered 2x resampling.

    The image is reflect-padded by a fixed half filter length; positions that land beyond
    that are mirrored back into it. Padding the image itself far enough for the farthest-
    reaching transform of the batch would cost up to nine times the pixels.
    """
    n, c, h, w = images.shape
    length = taps.numel()
    # Upsampled index k lies at input coordinate (k - centre) / 2, where centre is the filter's
    # delay at low frequencies: its centroid. Symlet-6 is not symmetric (centroid 5.10, not the
    # midpoint 5.5); taking the midpoint would shift a half-turned image by 0.4 px.
    centre = float((torch.arange(length, dtype=taps.dtype) * taps.cpu()).sum() / taps.sum().cpu())
    margin = length // 2
    upsampled = pad_and_upsample(images, taps, margin, margin, margin, margin)
    # Input coordinates from `low` to `high` past the last pixel are where the filter fully covers
    # both bilinear neighbours. The untransformed grid lies inside, so nothing near it is folded.
    low = (length - 1 - centre) / 2 - margin
    high = margin - (1 + centre) / 2

    dev = images.device
    # Positions of the 2x output grid that the downsampling needs, in centred input coordinates.
    u = ((torch.arange(2 * w + length - 2, device=dev) - centre) / 2 - (w - 1) / 2).reshape(1, 1, -1)
    v = ((torch.arange(2 * h + length - 2, device=dev) - centre) / 2 - (h - 1) / 2).reshape(1, -1, 1)
    g = g_inv.to(device=dev, dtype=torch.float32)
    src_x = g[:, 0, 0, None, None] * u + g[:, 0, 1, None, None] * v + g[:, 0, 2, None, None] + (w - 1) / 2
    src_y = g[:, 1, 0, None, None] * u + g[:, 1, 1, None, None] * v + g[:, 1, 2, None, None] + (h - 1) / 2
    src_x = _fold(src_x, low, w - 1 + high)
    src_y = _fold(src_y, low, h - 1 + high)
    return downsample(bilinear_sample(upsampled, 2 * (src_x + margin) + centre, 2 * (src_y + margin) + centre), taps)


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
        out = out.index_copy(0, index, warp_resampled(images.index_select(0, index), g_inv[index], taps))
    return out
