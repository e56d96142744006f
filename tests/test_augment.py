"""The ADA augmentation pipeline: identity at p = 0, each transform as specified at p = 1."""

from __future__ import annotations

import math
import time

import pytest
import torch

from trainers.stylegan2 import aug_matrices as mat
from trainers.stylegan2.aug_filters import BAND_EXPECTED_POWER, SYM6, band_filters
from trainers.stylegan2.aug_geometry import warp
from trainers.stylegan2.aug_resample import (
    apply_separable,
    downsample_by_convolution,
    downsample_matrix,
    pad_and_upsample,
    reflect_pad,
    upsample_by_convolution,
    upsample_matrix,
)
from trainers.stylegan2.augment import AUGMENT_PRESETS, AugmentPipe

MULTIPLIERS = [
    "xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac",
    "brightness", "contrast", "lumaflip", "hue", "saturation", "imgfilter", "noise", "cutout",
]  # fmt: skip
TAPS = torch.tensor(SYM6, dtype=torch.float32)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(1234)


def pipe_at(p: float, **multipliers) -> AugmentPipe:
    pipe = AugmentPipe(**multipliers)
    pipe.p.fill_(p)
    return pipe


def random_images(n: int = 8, size: int = 16) -> torch.Tensor:
    return torch.rand(n, 3, size, size) * 2 - 1


def blobs(n: int, size: int, x: float, y: float, sigma: float) -> torch.Tensor:
    """A Gaussian spot at pixel (x, y) on a -1 background, all channels equal."""
    grid = torch.arange(size, dtype=torch.float32)
    spot = torch.exp(-((grid[None, :] - x) ** 2 + (grid[:, None] - y) ** 2) / (2 * sigma**2))
    return (2 * spot - 1).expand(n, 3, size, size).contiguous()


def moments(images: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """Per-sample centroid (x, y) and standard deviations (x, y) of the spot."""
    weight = ((images[:, 0] + 1) / 2).clamp(min=0)
    grid = torch.arange(images.shape[-1], dtype=torch.float32)
    total = weight.sum(dim=(1, 2))
    mx = (weight * grid[None, None, :]).sum(dim=(1, 2)) / total
    my = (weight * grid[None, :, None]).sum(dim=(1, 2)) / total
    vx = (weight * (grid[None, None, :] - mx[:, None, None]) ** 2).sum(dim=(1, 2)) / total
    vy = (weight * (grid[None, :, None] - my[:, None, None]) ** 2).sum(dim=(1, 2)) / total
    return mx, my, vx.sqrt(), vy.sqrt()


# -- p = 0 and the module's shape -----------------------------------------------------------------


@pytest.mark.parametrize("name", MULTIPLIERS + ["bgcfnc"])
def test_every_transform_is_exactly_the_identity_at_p_zero(name):
    pipe = pipe_at(0.0, **(AUGMENT_PRESETS[name] if name in AUGMENT_PRESETS else {name: 1}))
    x = random_images()
    assert torch.equal(pipe(x), x)


def test_presets_and_state():
    assert AUGMENT_PRESETS["bgc"] == {
        k: 1 for k in ("xflip", "rotate90", "xint", "scale", "rotate", "aniso", "xfrac",
                       "brightness", "contrast", "lumaflip", "hue", "saturation")
    }  # fmt: skip
    assert set(AUGMENT_PRESETS["bgcfnc"]) == set(MULTIPLIERS)
    groups = {"blit", "geom", "color", "filter", "noise", "cutout"}
    assert set(AUGMENT_PRESETS) == groups | {"bg", "bgc", "bgcf", "bgcfn", "bgcfnc"}
    pipe = AugmentPipe(**AUGMENT_PRESETS["bgcfnc"]).to("cpu").requires_grad_(False)  # an ordinary nn.Module
    assert list(pipe.state_dict()) == ["p"] and pipe.p.shape == ()


# -- blit: exact pixel moves ----------------------------------------------------------------------


def test_xflip_gives_the_image_or_its_mirror():
    x = random_images(32)
    out = pipe_at(1.0, xflip=1)(x)
    same = [torch.equal(o, i) for o, i in zip(out, x)]
    mirrored = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x)]
    assert all(s or m for s, m in zip(same, mirrored))
    assert any(same) and any(mirrored)


def test_rotate90_gives_one_of_four_quarter_turns():
    x = random_images(32)
    out = pipe_at(1.0, rotate90=1)(x)
    turns = []
    for o, i in zip(out, x):
        matches = [k for k in range(4) if torch.equal(o, torch.rot90(i, k, dims=(1, 2)))]
        assert len(matches) == 1
        turns += matches
    assert len(set(turns)) >= 3


def test_xint_shifts_by_whole_pixels_within_the_limit():
    size, limit = 32, 4  # xint_max 0.125 of 32 px
    x = random_images(16, size)
    out = pipe_at(1.0, xint=1)(x)
    shifts = []
    inner = slice(limit, size - limit)
    for o, i in zip(out, x):
        found = [
            (dx, dy)
            for dx in range(-limit, limit + 1)
            for dy in range(-limit, limit + 1)
            if torch.equal(o[:, inner, inner], i[:, limit - dy : size - limit - dy, limit - dx : size - limit - dx])
        ]
        assert len(found) == 1
        shifts += found
    assert len(set(shifts)) > 4


# -- geometry: resampled transforms ---------------------------------------------------------------


def test_upsampling_then_downsampling_is_exactly_the_identity():
    for size in (5, 16, 33):
        product = downsample_matrix(size, TAPS) @ upsample_matrix(size, TAPS)
        assert torch.allclose(product, torch.eye(size, dtype=product.dtype), atol=1e-6)


def test_the_gpu_convolution_path_equals_the_cpu_matrix_path():
    x = random_images(2, 12)
    pads = (3, 14, 0, 5)  # left, right, top, bottom; wider than the image on one side
    by_matrix = pad_and_upsample(x, TAPS, *pads)  # on the CPU: dense matrices
    by_convolution = upsample_by_convolution(reflect_pad(x, *pads), TAPS)  # what CUDA runs
    assert by_matrix.shape == by_convolution.shape == (2, 3, 2 * 17 + 10, 2 * 29 + 10)
    assert torch.allclose(by_matrix, by_convolution, atol=1e-5)
    down = apply_separable(by_matrix, downsample_matrix(17, TAPS), downsample_matrix(29, TAPS))
    assert torch.allclose(down, downsample_by_convolution(by_matrix, TAPS), atol=1e-5)


def test_a_geometric_transform_is_undone_by_its_inverse():
    n, size = 2, 32
    x = blobs(n, size, 13.0, 17.5, 3.0)  # smooth content, so resampling is near-lossless
    d = torch.float64
    forward = (
        mat.translate2d(torch.tensor([1.7, -0.4], dtype=d), torch.tensor([0.3, 2.2], dtype=d))
        @ mat.rotate2d(torch.tensor([0.3, -1.1], dtype=d))
        @ mat.scale2d(torch.tensor([1.2, 0.9], dtype=d), torch.tensor([0.8, 1.1], dtype=d))
    )
    there = warp(x, torch.linalg.inv(forward), TAPS)
    back = warp(there, forward, TAPS)
    assert (there - x).abs().max() > 0.3  # it really moved
    error = (back - x)[..., 6:-6, 6:-6].abs()  # values span [-1, 1]
    assert error.max() < 0.03 and error.mean() < 0.003


def test_fractional_translation_matches_the_shifted_signal():
    size = 48
    cols = torch.arange(size, dtype=torch.float32)
    wave = lambda shift: torch.sin(2 * math.pi * (cols - shift) / 12).expand(1, 3, size, size)  # noqa: E731
    g_inv = mat.translate2d(torch.tensor([-0.37], dtype=torch.float64), torch.tensor([0.0], dtype=torch.float64))
    out = warp(wave(0.0).contiguous(), g_inv, TAPS)
    assert (out - wave(0.37))[..., 8:-8, 8:-8].abs().max() < 0.01


# Spots sit far enough from the borders that their reflect-padded mirror images stay out of view.


def test_scale_is_lognormal_around_the_centre():
    n, size, sigma = 64, 48, 2.5
    x = blobs(n, size, 23.5, 23.5, sigma)
    mx, my, sx, sy = moments(pipe_at(1.0, scale=1)(x))
    log_scale = torch.log2(sx / sigma)
    assert torch.allclose(sx, sy, rtol=0.02)  # isotropic
    assert (mx - 23.5).abs().max() < 0.02 and (my - 23.5).abs().max() < 0.02
    assert 0.15 < log_scale.std() < 0.25  # scale_std = 0.2
    assert log_scale.mean().abs() < 0.06


def test_aniso_keeps_the_area_and_stretches_lognormally():
    n, size, sigma = 64, 48, 2.5
    _, _, sx, sy = moments(pipe_at(1.0, aniso=1)(blobs(n, size, 23.5, 23.5, sigma)))
    assert ((sx * sy) / sigma**2 - 1).abs().max() < 0.05
    assert 0.15 < (torch.log2(sx / sy) / 2).std() < 0.25  # aniso_std = 0.2


def test_rotate_keeps_the_distance_from_the_centre():
    n, size, centre = 48, 48, 23.5
    mx, my, _, _ = moments(pipe_at(1.0, rotate=1)(blobs(n, size, centre + 8, centre, 2.0)))
    radius = torch.hypot(mx - centre, my - centre)
    assert (radius - 8).abs().max() < 0.05
    angles = torch.atan2(my - centre, mx - centre)
    assert angles.std() > 1.2  # spread over the circle (uniform on it: about 1.8)


def test_xfrac_shifts_normally_by_a_fraction_of_the_size():
    n, size = 96, 32
    mx, my, _, _ = moments(pipe_at(1.0, xfrac=1, xfrac_std=0.05)(blobs(n, size, 15.5, 15.5, 2.0)))
    shifts = torch.cat([mx - 15.5, my - 15.5]) / size
    assert 0.043 < shifts.std() < 0.057


# -- colour ---------------------------------------------------------------------------------------


def _luma(x: torch.Tensor) -> torch.Tensor:
    return x.mean(dim=1, keepdim=True)


def test_brightness_adds_a_normal_offset_to_every_pixel():
    x = random_images(256, 8)
    diff = pipe_at(1.0, brightness=1)(x) - x
    per_sample = diff.flatten(1)
    assert per_sample.std(dim=1).max() < 1e-5
    assert 0.17 < per_sample[:, 0].std() < 0.23  # brightness_std = 0.2


def test_contrast_scales_around_mid_grey_lognormally():
    x = torch.rand(256, 3, 8, 8) * 0.8 + 0.2
    ratio = (pipe_at(1.0, contrast=1)(x) / x).flatten(1)
    assert (ratio.std(dim=1) / ratio.mean(dim=1)).max() < 1e-5
    assert 0.42 < torch.log2(ratio[:, 0]).std() < 0.58  # contrast_std = 0.5


def test_lumaflip_inverts_luma_and_keeps_chroma():
    x = random_images(32)
    out = pipe_at(1.0, lumaflip=1)(x)
    kept = [torch.allclose(o, i, atol=1e-6) for o, i in zip(out, x)]
    flipped = [torch.allclose(o, i - 2 * _luma(i[None])[0], atol=1e-5) for o, i in zip(out, x)]
    assert all(k or f for k, f in zip(kept, flipped)) and any(kept) and any(flipped)


def test_hue_rotation_keeps_luma_and_chroma_magnitude():
    x = random_images(32)
    out = pipe_at(1.0, hue=1)(x)
    assert torch.allclose(_luma(out), _luma(x), atol=1e-5)
    assert torch.allclose((out - _luma(out)).norm(dim=1), (x - _luma(x)).norm(dim=1), atol=1e-5)
    assert (out - x).abs().max() > 0.1


def test_saturation_scales_chroma_uniformly_lognormally():
    x = random_images(256, 8)
    out = pipe_at(1.0, saturation=1)(x)
    assert torch.allclose(_luma(out), _luma(x), atol=1e-5)
    ratio = ((out - _luma(out)).norm(dim=1) / (x - _luma(x)).norm(dim=1)).flatten(1)
    assert (ratio.std(dim=1) / ratio.mean(dim=1)).max() < 1e-3
    assert 0.85 < torch.log2(ratio[:, 0]).std() < 1.15  # saturation_std = 1


def test_colour_on_grey_images_keeps_the_shape():
    x = torch.rand(8, 1, 16, 16) * 2 - 1
    out = pipe_at(1.0, **AUGMENT_PRESETS["color"])(x)
    assert out.shape == x.shape and not torch.equal(out, x)


# -- frequency bands, noise, cutout ---------------------------------------------------------------


def test_band_filters_split_the_spectrum_into_octaves():
    bank = band_filters()
    impulse = torch.zeros(bank.shape[1], dtype=torch.float64)
    impulse[bank.shape[1] // 2] = 1
    assert torch.allclose(torch.as_tensor(bank).sum(dim=0), impulse, atol=1e-12)
    response = torch.fft.rfft(torch.as_tensor(bank), n=512).abs()  # 257 bins from 0 to pi
    peaks = response.argmax(dim=1) / 256  # as a fraction of pi
    assert peaks[0] == 0 and 1 / 8 <= peaks[1] <= 1 / 4 and 1 / 4 <= peaks[2] <= 1 / 2 and peaks[3] >= 1 / 2


def test_imgfilter_gain_keeps_the_expected_power():
    # Stripes at Nyquist along x on a constant: only the top band and the lowest band see them.
    n, size = 128, 16
    stripes = torch.tensor([(-1.0) ** i for i in range(size)])
    x = (0.3 + 0.2 * stripes).expand(n, 3, size, size).contiguous()
    out = pipe_at(1.0, imgfilter=1, imgfilter_bands=(0, 0, 0, 1))(x)
    dc = out.mean(dim=(1, 2, 3)) / 0.3
    nyquist = (out * stripes).mean(dim=(1, 2, 3)) / 0.2
    # Separable filtering: DC passes with a^2 (low band twice), the stripes with a * a * g.
    gain = nyquist / dc
    w_top = float(BAND_EXPECTED_POWER[3])
    assert torch.allclose(dc * ((1 - w_top) + w_top * gain**2), torch.ones(n), atol=1e-4)
    assert 0.8 < torch.log2(gain).std() < 1.2  # imgfilter_std = 1


def test_noise_adds_gaussian_noise_of_the_specified_spread():
    x = random_images(256, 16)
    sigma = (pipe_at(1.0, noise=1)(x) - x).flatten(1).std(dim=1)
    expected = 0.1 * math.sqrt(2 / math.pi)  # mean of |N(0, noise_std^2)|
    assert abs(sigma.mean() - expected) < 0.15 * expected


def test_cutout_zeroes_one_square_of_half_the_size():
    n, size = 64, 32
    out = pipe_at(1.0, cutout=1)(torch.ones(n, 3, size, size))
    sides = []
    for image in out[:, 0]:
        rows = (image == 0).any(dim=1).nonzero().flatten()
        cols = (image == 0).any(dim=0).nonzero().flatten()
        box = image[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
        assert (box == 0).all() and (image == 0).sum() == box.numel()  # one solid rectangle
        sides += [len(rows), len(cols)]
    assert max(sides) == size // 2 and min(sides) >= size // 4


# -- gradients and speed --------------------------------------------------------------------------


def test_double_backward_through_the_whole_pipe():
    pipe = pipe_at(1.0, **AUGMENT_PRESETS["bgcfnc"])
    disc = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.Softplus(), torch.nn.Conv2d(4, 1, 3))
    reals = random_images(4, 16).requires_grad_(True)
    logits = disc(pipe(reals)).sum()
    (grad,) = torch.autograd.grad(logits, reals, create_graph=True)
    grad.square().sum().backward()  # R1: differentiate the gradient again
    for weight in (disc[0].weight, disc[2].weight):
        assert weight.grad is not None and torch.isfinite(weight.grad).all() and weight.grad.abs().sum() > 0


def test_runs_fast_on_small_images_on_the_cpu():
    pipe = pipe_at(1.0, **AUGMENT_PRESETS["bgcfnc"])
    x = random_images(16, 32)
    seconds = []
    for _ in range(3):
        start = time.perf_counter()
        out = pipe(x)
        seconds.append(time.perf_counter() - start)
    assert out.shape == x.shape and torch.isfinite(out).all()
    assert min(seconds) < 1.0  # about 0.02 s on an idle core; best of 3 for a shared CI machine
