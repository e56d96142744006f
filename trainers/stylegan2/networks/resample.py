"""FIR up/down-sampling (upfirdn2d) and resampling convolutions in plain PyTorch ops.

The official code ships a CUDA kernel for this; a depthwise conv2d does the same arithmetic
and needs nothing compiled. Filters are 2-D `[fh, fw]` tensors normalised to sum 1.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F


def setup_filter(taps: Sequence[float] = (1, 3, 3, 1)) -> torch.Tensor:
    """The separable low-pass filter as a normalised 2-D outer product."""
    f = torch.as_tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1, down: int = 1,
              padding: tuple[int, int, int, int] = (0, 0, 0, 0), gain: float = 1.0) -> torch.Tensor:
    """Zero-insert upsample by `up`, pad (x0, x1, y0, y1; negative crops), filter, keep every `down`-th pixel."""
    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    px0, px1, py0, py1 = padding
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]
    # The filter is symmetric, so correlation (conv2d) equals convolution here.
    weight = (f * gain).to(x.dtype)[None, None].repeat(c, 1, 1, 1)
    x = F.conv2d(x, weight, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    fw = f.shape[-1]
    p0, p1 = (fw + up - 1) // 2, (fw - up) // 2
    return upfirdn2d(x, f, up=up, padding=(p0, p1, p0, p1), gain=up * up)


def downsample2d(x: torch.Tensor, f: torch.Tensor, down: int = 2) -> torch.Tensor:
    fw = f.shape[-1]
    p0, p1 = (fw - down + 1) // 2, (fw - down) // 2
    return upfirdn2d(x, f, down=down, padding=(p0, p1, p0, p1))


def conv2d_resample(x: torch.Tensor, w: torch.Tensor, f: torch.Tensor | None = None, up: int = 1, down: int = 1,
                    padding: int = 0) -> torch.Tensor:
    """conv2d with optional 2x FIR upsampling before it or 2x FIR downsampling around it.

    Upsampling uses a stride-2 transposed convolution followed by the filter (gain 4), the
    cheap order the StyleGAN2 paper describes; downsampling filters first, then strides.
    """
    kh = w.shape[-1]
    if up > 1:
        assert f is not None and kh > 1
        fw = f.shape[-1]
        p0 = padding + (fw + up - 1) // 2 - (kh - 1)
        p1 = padding + (fw - up) // 2 - (kh - up)
        x = F.conv_transpose2d(x, w.transpose(0, 1), stride=up)
        return upfirdn2d(x, f, padding=(p0, p1, p0, p1), gain=up * up)
    if down > 1:
        assert f is not None
        fw = f.shape[-1]
        p0 = padding + (fw - down + 1) // 2
        p1 = padding + (fw - down) // 2
        if kh == 1:
            x = upfirdn2d(x, f, down=down, padding=(p0, p1, p0, p1))
            return F.conv2d(x, w)
        x = upfirdn2d(x, f, padding=(p0, p1, p0, p1))
        return F.conv2d(x, w, stride=down)
    return F.conv2d(x, w, padding=padding)
