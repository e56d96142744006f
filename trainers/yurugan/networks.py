"""YuruGAN's generator and discriminator, for square or non-square images (e.g. 144 x 128).

The generator speaks the same interface as the StyleGAN2 one where curator's tools need it:
`mapping(z, c, truncation_psi, truncation_cutoff) -> ws`, `synthesis(ws) -> images`, `num_ws`,
`z_dim`, `c_dim`, `img_resolution`. Here `ws[:, i]` is block i's input: its chunk of z followed
by the one-hot class, so a straight line between two latents of one class keeps the class fixed
(the paper's interpolations) and swapping rows of `ws` swaps the chunks of the hierarchical latent.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from trainers.yurugan.layers import DBlock, GBlock, SelfAttention, sn_conv, sn_linear


def image_shape(img_resolution: int | tuple[int, int] | list[int]) -> tuple[int, int]:
    """(height, width) from a side or a pair."""
    if isinstance(img_resolution, int):
        return img_resolution, img_resolution
    h, w = img_resolution
    return int(h), int(w)


def num_blocks(height: int, width: int, min_side: int = 4) -> int:
    """Doublings from the smallest base grid (both sides >= min_side) up to height x width."""
    n = 0
    while height % 2 ** (n + 1) == 0 and width % 2 ** (n + 1) == 0 and min(height, width) // 2 ** (n + 1) >= min_side:
        n += 1
    if n == 0:
        raise ValueError(f"{height}x{width}: both sides must be divisible by 2 at least once, down to a side of {min_side} or more")
    return n


def _channels(ch: int, ch_max: int, level: int) -> int:
    return min(ch * 2 ** level, ch_max)


class Generator(nn.Module):
    def __init__(self, z_chunk: int, c_dim: int, img_resolution: int | tuple[int, int], img_channels: int = 3,
                 ch: int = 32, ch_max: int = 512, shared_dim: int = 128, attn_res: int = 32) -> None:
        super().__init__()
        self.height, self.width = image_shape(img_resolution)
        self.img_shape = (self.height, self.width)
        # Square generators answer with an int, as StyleGAN2's do; evaluation compares it with the real set.
        self.img_resolution = self.height if self.height == self.width else self.img_shape
        self.c_dim, self.img_channels, self.z_chunk = c_dim, img_channels, z_chunk
        n = num_blocks(self.height, self.width)
        self.base = (self.height >> n, self.width >> n)
        self.num_ws = n + 1  # one chunk for the first linear layer, one per block
        self.z_dim = z_chunk * self.num_ws
        self.w_dim = z_chunk + c_dim
        self.shared = nn.Linear(c_dim, shared_dim, bias=False) if c_dim else None  # one-hot @ W: a class embedding
        cond_dim = z_chunk + (shared_dim if c_dim else 0)
        widths = [_channels(ch, ch_max, n - i) for i in range(n + 1)]
        self.widths = widths
        self.linear = sn_linear(z_chunk, widths[0] * self.base[0] * self.base[1])
        self.blocks = nn.ModuleList(GBlock(widths[i], widths[i + 1], cond_dim) for i in range(n))
        # Attention after the block whose output's smaller side is closest to attn_res, never the
        # last block (full resolution: the costliest place, and not a middle one).
        sides = [min(self.base) << (i + 1) for i in range(n)]
        self.attn_after = min(range(max(n - 1, 1)), key=lambda i: (abs(sides[i] - attn_res), i))
        self.attn = SelfAttention(widths[self.attn_after + 1])
        self.out_bn = nn.BatchNorm2d(widths[-1], eps=1e-4)
        self.to_rgb = sn_conv(widths[-1], img_channels)

    def mapping(self, z: Tensor, c: Tensor | None, truncation_psi: float = 1, truncation_cutoff: int | None = None,
                **_: object) -> Tensor:
        """[N, num_ws, z_chunk + c_dim]: z split into chunks, each followed by the one-hot class.

        Truncation scales z towards its mean 0 (for the first `truncation_cutoff` chunks when given):
        the same trade of variety for typicality as BigGAN's truncated normal, with the same knob as StyleGAN.
        """
        chunks = z.view(len(z), self.num_ws, self.z_chunk)
        if truncation_psi != 1:
            scale = torch.ones(self.num_ws, 1, device=z.device, dtype=z.dtype)
            scale[: self.num_ws if truncation_cutoff is None else truncation_cutoff] = truncation_psi
            chunks = chunks * scale
        c = torch.zeros(len(z), self.c_dim, device=z.device) if c is None else c.to(z.dtype)
        return torch.cat([chunks, c[:, None, :].expand(-1, self.num_ws, -1)], dim=2)

    def synthesis(self, ws: Tensor, **_: object) -> Tensor:
        z, c = ws[:, :, : self.z_chunk], ws[:, :, self.z_chunk:]
        h = self.linear(z[:, 0]).view(len(ws), -1, *self.base)
        for i, block in enumerate(self.blocks):
            cond = z[:, i + 1]
            if self.shared is not None:
                cond = torch.cat([cond, self.shared(c[:, i + 1])], dim=1)
            h = block(h, cond)
            if i == self.attn_after:
                h = self.attn(h)
        return torch.tanh(self.to_rgb(F.relu(self.out_bn(h))))

    def forward(self, z: Tensor, c: Tensor | None, truncation_psi: float = 1, truncation_cutoff: int | None = None,
                **_: object) -> Tensor:
        """Images in [-1, 1]; extra keywords (StyleGAN's noise_mode) are accepted and ignored."""
        return self.synthesis(self.mapping(z, c, truncation_psi, truncation_cutoff))


class Discriminator(nn.Module):
    """SN ResNet with self-attention; returns the adversarial logit and the auxiliary class logits.

    The adversarial logit is psi(h) + <embed(y), h> (the projection term): the class enters as an
    inner product with the pooled features, which Miyato & Koyama show is what a D modelling
    p(y|x) of a log-linear form must compute. The AC head classifies the same features.
    """

    def __init__(self, c_dim: int, img_resolution: int | tuple[int, int], img_channels: int = 3, ch: int = 32,
                 ch_max: int = 512, attn_res: int = 32) -> None:
        super().__init__()
        self.height, self.width = image_shape(img_resolution)
        self.c_dim = c_dim
        n = num_blocks(self.height, self.width)
        widths = [img_channels] + [_channels(ch, ch_max, i) for i in range(n + 1)]
        self.blocks = nn.ModuleList(DBlock(widths[i], widths[i + 1], down=i < n, first=i == 0) for i in range(n + 1))
        sides = [min(self.height, self.width) >> (i + 1) for i in range(n)]
        self.attn_after = min(range(n), key=lambda i: (abs(sides[i] - attn_res), i))
        self.attn = SelfAttention(widths[self.attn_after + 1])
        self.linear = sn_linear(widths[-1], 1)
        self.embed = sn_linear(c_dim, widths[-1], bias=False) if c_dim else None
        self.classifier = sn_linear(widths[-1], c_dim) if c_dim else None

    def features(self, img: Tensor) -> Tensor:
        h = img
        for i, block in enumerate(self.blocks):
            h = block(h)
            if i == self.attn_after:
                h = self.attn(h)
        return F.relu(h).sum(dim=(2, 3))  # global sum pooling, as SNGAN and BigGAN

    def heads(self, h: Tensor, c: Tensor | None) -> tuple[Tensor, Tensor | None]:
        out = self.linear(h).squeeze(1)
        if self.embed is not None and c is not None:
            out = out + (self.embed(c) * h).sum(dim=1)
        return out, self.classifier(h) if self.classifier is not None else None

    def forward(self, img: Tensor, c: Tensor | None = None) -> tuple[Tensor, Tensor | None]:
        """(adversarial logits [N], class logits [N, c_dim] or None)."""
        return self.heads(self.features(img), c)
