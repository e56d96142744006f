"""Metric formulas, protocols and the weights lookup, on small synthetic data (no Inception forward)."""

from __future__ import annotations

import urllib.error
import urllib.request

import numpy as np
import pytest
import torch

from curator.errors import CuratorError, MissingWeightsError
from curator.evaluate import inception
from curator.evaluate.features import Batch
from curator.evaluate.fid import Moments, frechet_distance
from curator.evaluate.inception_score import SplitEntropy, split_scores
from curator.evaluate.kid import kernel_inception_distance, mmd2_unbiased
from curator.evaluate.precision_recall import precision_recall
from curator.evaluate.protocols import PROTOCOLS
from curator.evaluate.registry import available, get_metrics
from curator.evaluate.swd import laplacian_pyramid, patch_descriptors, swd_levels, PyramidPatches, _up


def _stats(x: np.ndarray):
    return x.mean(0), np.cov(x, rowvar=False)


@pytest.mark.parametrize("n", [200, 20])  # full-rank and singular covariances
def test_frechet_distance_matches_pytorch_fid_formula(n):
    from pytorch_fid.fid_score import calculate_frechet_distance

    rng = np.random.default_rng(n)
    a = rng.standard_normal((n, 64))
    b = rng.standard_normal((n, 64)) @ rng.standard_normal((64, 64)) * 0.3 + 0.5
    ref = calculate_frechet_distance(*_stats(a), *_stats(b))
    assert frechet_distance(*_stats(a), *_stats(b)) == pytest.approx(ref, rel=1e-6)
    assert frechet_distance(*_stats(a), *_stats(a)) == pytest.approx(0, abs=1e-4)


def test_streamed_moments_equal_numpy_mean_and_cov():
    x = np.random.default_rng(0).standard_normal((50, 2048)).astype(np.float32) + 3
    moments = Moments()
    for part in np.array_split(x, 7):
        moments.update(Batch(images=torch.empty(0), pool=torch.from_numpy(part)))
    out = moments.result()
    assert np.allclose(out["mu"], x.astype(np.float64).mean(0))
    assert np.allclose(out["sigma"], np.cov(x.astype(np.float64), rowvar=False), atol=1e-8)
    assert int(out["n"]) == 50


@pytest.mark.parametrize("batch", [1, 7, 100])
def test_streamed_inception_score_equals_torch_fidelity_formula(batch):
    from torch_fidelity.metric_isc import isc_features_to_metric

    logits = torch.randn(103, 1008) * 3
    acc = SplitEntropy(103, splits=10)
    for part in logits.split(batch):
        acc.update(Batch(images=torch.empty(0), logits=part))
    scores = split_scores(**acc.result())
    ref = isc_features_to_metric(logits, splits=10, shuffle=False)
    assert scores.mean() == pytest.approx(ref["inception_score_mean"], rel=1e-9)
    assert scores.std() == pytest.approx(ref["inception_score_std"], rel=1e-6)


def test_kid_estimator_matches_torch_fidelity_and_separates_distributions():
    from torch_fidelity.metric_kid import kernel_poly, mmd2

    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((40, 16)), rng.standard_normal((40, 16)) + 0.5
    kw = dict(kid_kernel_poly_degree=3, kid_kernel_poly_gamma=None, kid_kernel_poly_coef0=1)
    ref = mmd2(kernel_poly(x, x, **kw), kernel_poly(x, y, **kw), kernel_poly(y, y, **kw))
    assert mmd2_unbiased(x, y) == pytest.approx(ref, rel=1e-9)
    same, _ = kernel_inception_distance(rng.standard_normal((300, 16)), rng.standard_normal((300, 16)), 20, 100)
    shifted, _ = kernel_inception_distance(rng.standard_normal((300, 16)), rng.standard_normal((300, 16)) + 1, 20, 100)
    assert abs(same) < 0.05 < shifted


def test_precision_recall_measure_quality_and_coverage():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((200, 8)).astype(np.float32)
    assert precision_recall(real, real.copy(), k=3) == (1.0, 1.0)
    far = real + 100
    assert precision_recall(real, far, k=3) == (0.0, 0.0)
    # Reals in two clusters, fakes in only one of them: all realistic, half the coverage.
    two = np.concatenate([real[:100], real[100:] + 50])
    precision, recall = precision_recall(two, real[:100] + 1e-3, k=3)
    assert (precision, recall) == (1.0, 0.5)


def test_laplacian_pyramid_reconstructs_and_ends_at_16():
    x = torch.rand(2, 3, 64, 64) * 255
    levels = laplacian_pyramid(x)
    assert [lv.shape[-1] for lv in levels] == [64, 32, 16]
    rebuilt = levels[-1]
    for band in reversed(levels[:-1]):
        rebuilt = band + _up(rebuilt)
    assert torch.allclose(rebuilt, x, atol=1e-3)


def test_patch_descriptors_are_the_image_neighbourhoods():
    img = torch.arange(2 * 3 * 20 * 20, dtype=torch.float32).view(2, 3, 20, 20)
    desc = patch_descriptors(img, 5, torch.Generator().manual_seed(0))
    assert desc.shape == (10, 3 * 49)
    first = desc[0].view(3, 7, 7)
    y, x = int((first[0, 0, 0] % 400) // 20), int(first[0, 0, 0] % 20)
    assert torch.equal(first, img[0, :, y:y + 7, x:x + 7])


def _swd_stats(images: torch.Tensor, seed: int) -> dict:
    acc = PyramidPatches(limit=64, seed=seed)
    acc.update(Batch(images=images))
    return acc.result()


def test_swd_is_small_for_the_same_distribution_and_grows_with_a_shift():
    gen = torch.Generator().manual_seed(0)
    def sample(shift: float) -> torch.Tensor:
        base = torch.rand(32, 3, 8, 8, generator=gen) * 200 + shift
        return torch.nn.functional.interpolate(base, size=32, mode="bilinear").clamp(0, 255).to(torch.uint8)
    real = _swd_stats(sample(0), 1)
    same = swd_levels(real, _swd_stats(sample(0), 2))
    blurred = swd_levels(real, _swd_stats(torch.nn.functional.avg_pool2d(sample(0).float(), 3, 1, 1).to(torch.uint8), 3))
    assert set(same) == {32, 16}
    assert same[32] < blurred[32]  # lost texture shows at the finest level
    assert all(v < 100 for v in same.values())


def test_protocols_scale_and_resize():
    img = torch.full((2, 3, 299, 299), 200, dtype=torch.uint8)
    assert torch.allclose(PROTOCOLS["legacy-tf"](img), torch.full((2, 3, 299, 299), 2 * 200 / 255 - 1))
    assert torch.allclose(PROTOCOLS["clean"](img), torch.full((2, 3, 299, 299), (200 - 128) / 128))
    gray = torch.full((1, 1, 40, 40), 64, dtype=torch.uint8)
    for protocol in PROTOCOLS.values():
        out = protocol(gray)
        assert out.shape == (1, 3, 299, 299)
        assert torch.allclose(out, out[0, 0, 0, 0].expand_as(out), atol=1e-4)  # constant stays constant


def test_registry_knows_the_metrics_and_rejects_unknown_names():
    assert available() == ["fid", "gs", "is", "kid", "pr", "swd"]
    assert [m.name for m in get_metrics(["swd", "fid", "swd"])] == ["swd", "fid"]
    with pytest.raises(CuratorError, match="unknown metric bogus"):
        get_metrics(["bogus"])


def test_missing_weights_offline_says_which_file_to_put_where(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    from commons import weights

    monkeypatch.setattr(weights, "host_reachable", lambda url, timeout=3.0: True)
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(MissingWeightsError) as err:
        inception.locate_weights()
    message = str(err.value)
    assert inception.WEIGHTS_URL in message
    assert str(tmp_path / "torch" / "hub" / "checkpoints" / inception.WEIGHTS_NAME) in message
    with pytest.raises(MissingWeightsError, match="not found"):
        inception.locate_weights(tmp_path / "nope.pth")


def test_weights_file_loads_strictly_and_folding_keeps_the_features(tmp_path):
    path = tmp_path / "w.pth"
    model = inception.randomize_(inception.FIDInception(), seed=1).eval()
    torch.save(model.state_dict(), path)
    loaded = inception.load_inception(path)
    x = torch.rand(1, 3, 96, 96) * 2 - 1  # any size >= 75 px runs; small keeps the test fast
    with torch.no_grad():
        ref_pool, ref_logits = model(x)
        pool, logits = loaded(x)
    assert ref_pool.abs().mean() > 0.05  # activations survive the 94 layers
    assert torch.allclose(pool, ref_pool, rtol=1e-4, atol=1e-5)
    assert torch.allclose(logits, ref_logits, rtol=1e-4, atol=1e-4)
