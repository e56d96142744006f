"""ADA's differentiable augmentation pipeline (Karras et al. 2020, "Training Generative
Adversarial Networks with Limited Data", section 2 and appendix B), written from the paper.

Every transform is applied to each image independently with probability `multiplier * p`,
where `p` is a buffer the ADA controller (trainers/stylegan2/ada.py) moves during training.
The groups, in the order applied:

- blit: x-flip, quarter turns, integer translation (moved exactly, no resampling);
- geom: isotropic scale, rotation (before and after anisotropy), anisotropic scale,
  fractional translation; all geometric transforms of an image are composed into one matrix
  and resampled once (see aug_geometry);
- color: brightness, contrast, luma flip, hue rotation, saturation, composed into one 4x4 matrix;
- filter: random gains for four frequency bands, total expected power kept;
- noise: additive Gaussian noise with a random standard deviation;
- cutout: a square of the image set to 0 (mid grey).

At p = 0 the output is bit-identical to the input. Images are [N, C, H, W] in [-1, 1] with
C = 3 (or C = 1: the colour group then treats grey as equal R, G, B and averages the result).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from trainers.stylegan2 import aug_matrices as mat
from trainers.stylegan2.aug_filters import BAND_EXPECTED_POWER, SYM6, band_filters
from trainers.stylegan2.aug_geometry import warp
from trainers.stylegan2.aug_resample import filter_per_sample

_GROUPS = {
    "blit": dict(xflip=1, rotate90=1, xint=1),
    "geom": dict(scale=1, rotate=1, aniso=1, xfrac=1),
    "color": dict(brightness=1, contrast=1, lumaflip=1, hue=1, saturation=1),
    "filter": dict(imgfilter=1),
    "noise": dict(noise=1),
    "cutout": dict(cutout=1),
}


def _combine(*groups: str) -> dict:
    return {key: value for group in groups for key, value in _GROUPS[group].items()}


# Multipliers per preset name, as `AugmentPipe(**AUGMENT_PRESETS[name])`; 'bgc' is the paper's default.
AUGMENT_PRESETS: dict[str, dict] = {
    **{name: dict(values) for name, values in _GROUPS.items()},
    "bg": _combine("blit", "geom"),
    "bgc": _combine("blit", "geom", "color"),
    "bgcf": _combine("blit", "geom", "color", "filter"),
    "bgcfn": _combine("blit", "geom", "color", "filter", "noise"),
    "bgcfnc": _combine("blit", "geom", "color", "filter", "noise", "cutout"),
}


def _log2_normal(n: int, std: float, device: torch.device) -> Tensor:
    """Factors whose log2 is N(0, std^2)."""
    return torch.exp2(torch.randn(n, device=device) * std)


def _symmetric(n: int, bound: float, device: torch.device) -> Tensor:
    """Uniform in [-bound, bound]."""
    return (torch.rand(n, device=device) * 2 - 1) * bound


def _coin(n: int, outcomes: int, device: torch.device) -> Tensor:
    """A uniformly drawn integer 0 .. outcomes-1, as float."""
    return torch.randint(0, outcomes, (n,), device=device).float()


class AugmentPipe(nn.Module):
    """Stochastic, differentiable (twice) image augmentation with an overall probability `p`.

    The first argument of each group is a probability multiplier (0 disables the transform);
    the others set the strength: `*_std` are standard deviations of log2 factors or of
    offsets, `*_max` bounds of uniform draws (rotations in half turns, shifts in image sizes).
    Like the official pipe, `p` starts at 1, so the multipliers alone are the probabilities;
    a training run sets it (ADA starts from 0).
    """

    def __init__(
        self,
        xflip: float = 0, rotate90: float = 0, xint: float = 0, xint_max: float = 0.125,
        scale: float = 0, rotate: float = 0, aniso: float = 0, xfrac: float = 0,
        scale_std: float = 0.2, rotate_max: float = 1, aniso_std: float = 0.2, xfrac_std: float = 0.125,
        brightness: float = 0, contrast: float = 0, lumaflip: float = 0, hue: float = 0, saturation: float = 0,
        brightness_std: float = 0.2, contrast_std: float = 0.5, hue_max: float = 1, saturation_std: float = 1,
        imgfilter: float = 0, imgfilter_bands: Sequence[float] = (1, 1, 1, 1), imgfilter_std: float = 1,
        noise: float = 0, cutout: float = 0, noise_std: float = 0.1, cutout_size: float = 0.5,
    ) -> None:
        super().__init__()
        if len(imgfilter_bands) != len(BAND_EXPECTED_POWER):
            raise ValueError(f"imgfilter_bands needs {len(BAND_EXPECTED_POWER)} gains, got {len(imgfilter_bands)}")
        # The overall probability multiplier; ADA moves it, checkpoints save it.
        self.register_buffer("p", torch.ones([]))
        self.xflip, self.rotate90, self.xint = float(xflip), float(rotate90), float(xint)
        self.xint_max = float(xint_max)
        self.scale, self.rotate, self.aniso, self.xfrac = float(scale), float(rotate), float(aniso), float(xfrac)
        self.scale_std, self.rotate_max = float(scale_std), float(rotate_max)
        self.aniso_std, self.xfrac_std = float(aniso_std), float(xfrac_std)
        self.brightness, self.contrast, self.lumaflip = float(brightness), float(contrast), float(lumaflip)
        self.hue, self.saturation = float(hue), float(saturation)
        self.brightness_std, self.contrast_std = float(brightness_std), float(contrast_std)
        self.hue_max, self.saturation_std = float(hue_max), float(saturation_std)
        self.imgfilter, self.imgfilter_bands = float(imgfilter), [float(b) for b in imgfilter_bands]
        self.imgfilter_std = float(imgfilter_std)
        self.noise, self.cutout = float(noise), float(cutout)
        self.noise_std, self.cutout_size = float(noise_std), float(cutout_size)
        # Fixed filters follow the module's device but are not state: they are constants.
        self.register_buffer("geom_taps", torch.tensor(SYM6, dtype=torch.float32), persistent=False)
        self.register_buffer("band_taps", torch.tensor(band_filters(), dtype=torch.float32), persistent=False)

    def forward(self, images: Tensor) -> Tensor:
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"expected images [N, 1 or 3, H, W], got {list(images.shape)}")
        g_inv = self._geometry(images)
        if g_inv is not None:
            images = warp(images, g_inv, self.geom_taps)  # taps stay float32 even for half images
        images = self._color(images)
        images = self._filter(images)
        images = self._noise(images)
        return self._cutout(images)

    # -- random draws -------------------------------------------------------------------------

    def _chosen(self, n: int, probability: Tensor | float, device: torch.device) -> Tensor:
        return torch.rand(n, device=device) < probability

    def _where_chosen(self, multiplier: float, values: Tensor, neutral: float) -> Tensor:
        """values where a per-sample coin with probability multiplier * p comes up, else neutral."""
        chosen = self._chosen(values.shape[0], multiplier * self.p, values.device)
        return torch.where(chosen.reshape(-1, *[1] * (values.ndim - 1)), values, torch.full_like(values, neutral))

    # -- geometry -------------------------------------------------------------------------------

    def _geometry(self, images: Tensor) -> Tensor | None:
        """Inverse matrices [N, 3, 3] (output -> input, centred pixels), or None if the group is off."""
        multipliers = (self.xflip, self.rotate90, self.xint, self.scale, self.rotate, self.aniso, self.xfrac)
        if not any(multipliers):
            return None
        n, _, h, w = images.shape
        dev = images.device
        ones = torch.ones(n, device=dev)
        g = torch.eye(3, device=dev).repeat(n, 1, 1)
        # Each step right-multiplies the inverse of the next forward transform.
        if self.xflip:
            flip = self._where_chosen(self.xflip, _coin(n, 2, dev), 0)
            g = g @ mat.scale2d(1 - 2 * flip, ones)
        if self.rotate90:
            quarter = self._where_chosen(self.rotate90, _coin(n, 4, dev), 0)
            g = g @ mat.rotate2d(-math.pi / 2 * quarter)
        if self.xint:
            shift = self._where_chosen(self.xint, (torch.rand(n, 2, device=dev) * 2 - 1) * self.xint_max, 0)
            g = g @ mat.translate2d(-(shift[:, 0] * w).round(), -(shift[:, 1] * h).round())
        if self.scale:
            s = self._where_chosen(self.scale, _log2_normal(n, self.scale_std, dev), 1)
            g = g @ mat.scale2d(1 / s, 1 / s)
        # Two rotation chances whose union has probability rotate * p.
        rotate_chance = 1 - torch.sqrt((1 - self.rotate * self.p).clamp(min=0))
        if self.rotate:
            g = g @ mat.rotate2d(-self._random_angle(n, rotate_chance, dev))
        if self.aniso:
            s = self._where_chosen(self.aniso, _log2_normal(n, self.aniso_std, dev), 1)
            g = g @ mat.scale2d(1 / s, s)
        if self.rotate:
            g = g @ mat.rotate2d(-self._random_angle(n, rotate_chance, dev))
        if self.xfrac:
            shift = self._where_chosen(self.xfrac, torch.randn(n, 2, device=dev) * self.xfrac_std, 0)
            g = g @ mat.translate2d(-shift[:, 0] * w, -shift[:, 1] * h)
        return g

    def _random_angle(self, n: int, chance: Tensor, device: torch.device) -> Tensor:
        theta = _symmetric(n, math.pi * self.rotate_max, device)
        return torch.where(self._chosen(n, chance, device), theta, torch.zeros_like(theta))

    # -- colour ---------------------------------------------------------------------------------

    def _color(self, images: Tensor) -> Tensor:
        if not any((self.brightness, self.contrast, self.lumaflip, self.hue, self.saturation)):
            return images
        n, c, h, w = images.shape
        dev = images.device
        m = torch.eye(4, device=dev).repeat(n, 1, 1)
        # Each step left-multiplies: the transforms apply in the order listed.
        if self.brightness:
            offset = self._where_chosen(self.brightness, torch.randn(n, device=dev) * self.brightness_std, 0)
            m = mat.translate3d(offset) @ m
        if self.contrast:
            m = mat.scale3d(self._where_chosen(self.contrast, _log2_normal(n, self.contrast_std, dev), 1)) @ m
        if self.lumaflip:
            m = mat.luma_reflection(self._where_chosen(self.lumaflip, _coin(n, 2, dev), 0)) @ m
        if self.hue:
            m = mat.hue_rotation(self._where_chosen(self.hue, _symmetric(n, math.pi * self.hue_max, dev), 0)) @ m
        if self.saturation:
            m = mat.saturation(self._where_chosen(self.saturation, _log2_normal(n, self.saturation_std, dev), 1)) @ m
        changed = (m != torch.eye(4, device=dev)).flatten(1).any(dim=1)
        m = m.to(images.dtype)
        pixels = images.reshape(n, c, h * w)
        if c == 3:
            out = m[:, :3, :3] @ pixels + m[:, :3, 3:]
        else:  # grey in as equal R, G, B; grey out as the mean of the three channels
            gain = m[:, :3, :3].sum(dim=2).mean(dim=1).reshape(n, 1, 1)
            out = gain * pixels + m[:, :3, 3].mean(dim=1).reshape(n, 1, 1)
        return torch.where(changed.reshape(n, 1, 1, 1), out.reshape(n, c, h, w), images)

    # -- frequency bands ------------------------------------------------------------------------

    def _filter(self, images: Tensor) -> Tensor:
        if not self.imgfilter:
            return images
        n = images.shape[0]
        dev = images.device
        power = torch.tensor(BAND_EXPECTED_POWER, dtype=torch.float32, device=dev)
        gains = torch.ones(n, len(power), device=dev)
        for band, strength in enumerate(self.imgfilter_bands):
            if not strength:
                continue
            one_band = torch.ones(n, len(power), device=dev)
            gain = _log2_normal(n, self.imgfilter_std, dev)
            one_band[:, band] = self._where_chosen(self.imgfilter * strength, gain, 1)
            # Renormalise so an average image's total power is unchanged.
            gains = gains * one_band / (power * one_band.square()).sum(dim=1, keepdim=True).sqrt()
        changed = (gains != 1).any(dim=1)
        out = filter_per_sample(images, (gains @ self.band_taps).to(images.dtype))
        return torch.where(changed.reshape(n, 1, 1, 1), out, images)

    # -- noise and cutout -----------------------------------------------------------------------

    def _noise(self, images: Tensor) -> Tensor:
        if not self.noise:
            return images
        n = images.shape[0]
        sigma = self._where_chosen(self.noise, (torch.randn(n, device=images.device) * self.noise_std).abs(), 0)
        return images + torch.randn_like(images) * sigma.reshape(n, 1, 1, 1).to(images.dtype)

    def _cutout(self, images: Tensor) -> Tensor:
        if not self.cutout:
            return images
        n, _, h, w = images.shape
        dev = images.device
        size = self._where_chosen(self.cutout, torch.full((n,), self.cutout_size, device=dev), 0).reshape(n, 1, 1, 1)
        centre = torch.rand(n, 2, device=dev)
        xs = ((torch.arange(w, device=dev) + 0.5) / w).reshape(1, 1, 1, w)
        ys = ((torch.arange(h, device=dev) + 0.5) / h).reshape(1, 1, h, 1)
        outside_x = (xs - centre[:, 0].reshape(n, 1, 1, 1)).abs() >= size / 2
        outside_y = (ys - centre[:, 1].reshape(n, 1, 1, 1)).abs() >= size / 2
        return images * (outside_x | outside_y).to(images.dtype)
