"""The pure-PyTorch replacements of the official CUDA ops compute what they should."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from trainers.stylegan2.networks.layers import MinibatchStdLayer, modulated_conv2d
from trainers.stylegan2.networks.resample import conv2d_resample, downsample2d, setup_filter, upsample2d


def test_filter_is_normalised_binomial():
    f = setup_filter()
    assert f.shape == (4, 4)
    assert torch.allclose(f.sum(), torch.tensor(1.0))
    assert torch.allclose(f[0], torch.tensor([1, 3, 3, 1]) / 64)


def test_up_and_down_sampling_keep_a_constant_image_constant_inside():
    f = setup_filter()
    x = torch.full([1, 2, 8, 8], 3.0)
    up = upsample2d(x, f)
    down = downsample2d(x, f)
    assert up.shape == (1, 2, 16, 16) and down.shape == (1, 2, 4, 4)
    assert torch.allclose(up[..., 2:-2, 2:-2], torch.tensor(3.0))
    assert torch.allclose(down[..., 1:-1, 1:-1], torch.tensor(3.0))


def test_upsampling_conv_equals_upsample_then_conv_inside():
    # The transposed-conv fast path is a convolution of the FIR-upsampled image.
    torch.manual_seed(0)
    f = setup_filter()
    x, w = torch.randn(2, 3, 8, 8), torch.randn(5, 3, 3, 3)
    fast = conv2d_resample(x, w, f, up=2, padding=1)
    slow = F.conv2d(upsample2d(x, f), w.flip([2, 3]), padding=1)
    assert fast.shape == slow.shape == (2, 5, 16, 16)
    assert torch.allclose(fast[..., 3:-3, 3:-3], slow[..., 3:-3, 3:-3], atol=1e-5)


def test_modulated_conv_is_a_per_sample_demodulated_conv():
    torch.manual_seed(0)
    x, w, styles = torch.randn(3, 4, 6, 6), torch.randn(5, 4, 3, 3), torch.randn(3, 4)
    got = modulated_conv2d(x, w, styles, padding=1)
    for i in range(3):
        wi = w * styles[i].reshape(1, 4, 1, 1)
        wi = wi / wi.square().sum(dim=[1, 2, 3], keepdim=True).add(1e-8).sqrt()
        assert torch.allclose(got[i:i + 1], F.conv2d(x[i:i + 1], wi, padding=1), atol=1e-5)


def test_minibatch_stddev_appends_the_group_std():
    torch.manual_seed(0)
    x = torch.randn(4, 6, 3, 3)
    y = MinibatchStdLayer(group_size=2)(x)
    assert y.shape == (4, 7, 3, 3)
    # Group g holds samples g, g + 2 (the batch is split as [G, n]).
    expected = x.reshape(2, 2, 6, 3, 3).std(dim=0, unbiased=False).mean(dim=[1, 2, 3])
    assert torch.allclose(y[0, 6], expected[0].expand(3, 3), atol=1e-4)
    assert torch.allclose(y[3, 6], expected[1].expand(3, 3), atol=1e-4)


def test_stats_of_replayed_ticks_and_a_half_written_line_are_dropped(tmp_path):
    from trainers.stylegan2.stats import StatsWriter, read_stats

    path = tmp_path / "stats.jsonl"
    path.write_text('{"tick": 0, "kimg": 0.1}\n{"tick": 1, "kimg": 0.2}\n{"tick": 2, "kimg": 0.3}\n{"tick": 3, "ki')
    StatsWriter(tmp_path).drop_after(2)  # the resume state was saved at the end of tick 1
    assert read_stats(path) == [{"tick": 0, "kimg": 0.1}, {"tick": 1, "kimg": 0.2}]
