"""Building blocks: spectrally normalised layers, conditional batch norm, residual blocks, self-attention.

Spectral normalisation is PyTorch's own parametrisation (one power iteration per training
forward, its `u`/`v` vectors are buffers and so travel with the state dict and the resume state).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

SN_EPS = 1e-6


def sn_conv(cin: int, cout: int, kernel: int = 3, bias: bool = True) -> nn.Conv2d:
    conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=bias)
    nn.init.orthogonal_(conv.weight)
    return spectral_norm(conv, eps=SN_EPS)


def sn_linear(cin: int, cout: int, bias: bool = True) -> nn.Linear:
    lin = nn.Linear(cin, cout, bias=bias)
    nn.init.orthogonal_(lin.weight)
    return spectral_norm(lin, eps=SN_EPS)


class ConditionalBatchNorm(nn.Module):
    """BatchNorm without its own affine; gain and bias are linear in the block's condition vector.

    The condition is the shared class embedding concatenated with this block's chunk of z (BigGAN),
    so both the class and the latent steer every block's feature statistics.
    """

    def __init__(self, channels: int, cond_dim: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False, eps=1e-4)
        self.gain = sn_linear(cond_dim, channels, bias=False)
        self.bias = sn_linear(cond_dim, channels, bias=False)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        gain = 1 + self.gain(cond)[:, :, None, None]  # starts near the identity
        return self.bn(x) * gain + self.bias(cond)[:, :, None, None]


class GBlock(nn.Module):
    """BN-ReLU-up-conv-BN-ReLU-conv, plus an upsampled 1x1 shortcut: doubles height and width."""

    def __init__(self, cin: int, cout: int, cond_dim: int) -> None:
        super().__init__()
        self.bn0 = ConditionalBatchNorm(cin, cond_dim)
        self.conv0 = sn_conv(cin, cout)
        self.bn1 = ConditionalBatchNorm(cout, cond_dim)
        self.conv1 = sn_conv(cout, cout)
        self.skip = sn_conv(cin, cout, kernel=1)

    def forward(self, x: Tensor, cond: Tensor) -> Tensor:
        h = F.interpolate(F.relu(self.bn0(x, cond)), scale_factor=2.0, mode="nearest")
        h = self.conv1(F.relu(self.bn1(self.conv0(h), cond)))
        return h + self.skip(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DBlock(nn.Module):
    """(ReLU)-conv-ReLU-conv-avgpool, plus a 1x1 shortcut; the first block skips the leading ReLU
    (its input is the image) and pools before its shortcut conv, as in SNGAN's optimised block."""

    def __init__(self, cin: int, cout: int, down: bool = True, first: bool = False) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.conv0 = sn_conv(cin, cout)
        self.conv1 = sn_conv(cout, cout)
        self.skip = sn_conv(cin, cout, kernel=1) if (cin != cout or down) else None

    def forward(self, x: Tensor) -> Tensor:
        h = x if self.first else F.relu(x)
        h = self.conv1(F.relu(self.conv0(h)))
        if self.down:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:
            s = self.skip(F.avg_pool2d(s, 2) if self.down else s)
        elif self.skip is not None:
            s = self.skip(s)
            s = F.avg_pool2d(s, 2) if self.down else s
        return h + s


class SelfAttention(nn.Module):
    """SAGAN's non-local layer: every position attends to all (2x2-pooled) positions.

    gamma starts at 0, so the block begins as the identity and the network learns how much
    long-range structure (the two eyes of a face, say) to mix in.
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.theta = sn_conv(channels, max(channels // 8, 1), kernel=1, bias=False)
        self.phi = sn_conv(channels, max(channels // 8, 1), kernel=1, bias=False)
        self.g = sn_conv(channels, max(channels // 2, 1), kernel=1, bias=False)
        self.out = sn_conv(max(channels // 2, 1), channels, kernel=1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        pool = h % 2 == 0 and w % 2 == 0
        theta = self.theta(x).flatten(2)  # [N, C/8, HW]
        phi, g = self.phi(x), self.g(x)
        if pool:
            phi, g = F.max_pool2d(phi, 2), F.max_pool2d(g, 2)
        attn = torch.softmax(theta.transpose(1, 2) @ phi.flatten(2), dim=-1)  # [N, HW, HW']
        o = (g.flatten(2) @ attn.transpose(1, 2)).view(n, -1, h, w)
        return x + self.gamma * self.out(o)
