"""curator's Inception features, FID and IS against pytorch-fid and torch-fidelity, offline.

Both references load the same randomly initialised weights file in the standard
`pt_inception-2015-12-05` layout (written here from curator's own module), so any difference in
architecture, resize protocol or formula shows up. Nothing is downloaded.
"""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import numpy as np
import pytest
import torch
from PIL import Image

from curator.evaluate.config import EvalConfig
from curator.evaluate.features import Batch, InceptionExtractor, collect
from curator.evaluate.fid import Moments, frechet_distance
from curator.evaluate.inception import FIDInception, load_inception, randomize_
from curator.evaluate.inception_score import InceptionScore, SplitEntropy
from curator.imageio import decode_rgb


@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("inception") / "pt_inception-2015-12-05-random.pth"
    model = randomize_(FIDInception(), seed=3)
    with torch.no_grad():
        model.fc.weight *= 100  # sharper class posteriors, so the Inception Score is well above 1
    torch.save(model.state_dict(), path)
    return path


def _smooth_images(folder: Path, count: int, size: int, seed: int) -> list[Path]:
    """Random low-frequency colour fields: structured enough to give varied Inception features."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(count):
        small = Image.fromarray(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8))
        path = folder / f"{i:03d}.png"
        small.resize((size, size), Image.BICUBIC).save(path)
        paths.append(path)
    return paths


def _load(paths: list[Path]) -> torch.Tensor:
    return torch.stack([torch.from_numpy(np.asarray(decode_rgb(p.read_bytes()))).permute(2, 0, 1) for p in paths])


def test_fid_matches_pytorch_fid(tmp_path, weights):
    from pytorch_fid import fid_score, inception as pf_inception

    state = torch.load(weights, weights_only=True)
    with mock.patch.object(pf_inception, "load_state_dict_from_url", lambda *a, **k: state):
        reference = pf_inception.InceptionV3([3]).eval()
    a = _smooth_images(tmp_path / "a", 4, 48, seed=1)  # 48 px: the protocol's resize to 299 is exercised
    b = _smooth_images(tmp_path / "b", 4, 48, seed=2)
    ref_a = fid_score.get_activations([str(p) for p in a], reference, batch_size=4, device="cpu", num_workers=0)
    ref_b = fid_score.get_activations([str(p) for p in b], reference, batch_size=4, device="cpu", num_workers=0)

    extractor = InceptionExtractor(load_inception(weights), "legacy-tf", "cpu")
    ours = {}
    for name, paths, ref_feats in (("a", a, ref_a), ("b", b, ref_b)):
        pool, _ = extractor(_load(paths))
        assert np.abs(pool.numpy() - ref_feats).max() <= 1e-4 * np.abs(ref_feats).max()
        moments = Moments()
        moments.update(Batch(images=torch.empty(0), pool=pool))
        ours[name] = moments.result()

    # pytorch-fid's formula on its own features vs curator's on curator's. Its scipy sqrtm of
    # 2048x2048 takes minutes on 2 cores, so the test compares on the first 256 feature
    # dimensions; benchmarks/bench_eval.py --check compares the full 2048-d FID.
    d = 256
    ref = fid_score.calculate_frechet_distance(ref_a[:, :d].mean(0), np.cov(ref_a[:, :d], rowvar=False),
                                               ref_b[:, :d].mean(0), np.cov(ref_b[:, :d], rowvar=False))
    mine = frechet_distance(ours["a"]["mu"][:d], ours["a"]["sigma"][:d, :d], ours["b"]["mu"][:d], ours["b"]["sigma"][:d, :d])
    assert ref > 1e-3
    assert mine == pytest.approx(ref, rel=1e-3)


def test_inception_score_matches_torch_fidelity(tmp_path, weights):
    import torch_fidelity

    paths = _smooth_images(tmp_path / "fakes", 10, 299, seed=4)  # 299 px: 'clean' input == torch-fidelity's
    ref = torch_fidelity.calculate_metrics(
        input1=str(tmp_path / "fakes"), isc=True, isc_splits=5, samples_shuffle=False, cuda=False, cache=False,
        verbose=False, batch_size=10, feature_extractor_weights_path=str(weights),
    )
    config = EvalConfig(is_splits=5, protocol="clean")
    extractor = InceptionExtractor(load_inception(weights), "clean", "cpu")
    # Two uneven batches: the streamed per-split sums must not depend on batch boundaries.
    stats = collect([_load(paths[:4]), _load(paths[4:])], {"is": SplitEntropy(10, splits=5)}, extractor)
    mine = InceptionScore().compute(None, stats, config)
    assert ref["inception_score_mean"] > 1.05  # a non-trivial score, so agreement means something
    assert mine["is_mean"] == pytest.approx(ref["inception_score_mean"], rel=1e-4)
    assert mine["is_std"] == pytest.approx(ref["inception_score_std"], rel=1e-2, abs=1e-6)
