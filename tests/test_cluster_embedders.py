"""The embedder registry, weights handling (fail fast, named file) and the embedding cache."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from PIL import Image

from commons import weights
from curator.cluster.cache import EmbeddingCache
from curator.cluster.embed import embed
from curator.cluster.embedders import clip as clip_mod
from curator.cluster.embedders.base import ImagePrep
from curator.cluster.config import ClusterConfig
from curator.cluster.embedders.registry import EMBEDDERS, create_embedder, list_embedders
from curator.errors import CuratorError, MissingWeightsError


def test_registry_lists_every_embedder_and_rejects_unknown():
    assert {"clip", "resnet50", "pixels", "sobel", "torchvision"} <= set(list_embedders())
    for name, (section, _) in EMBEDDERS.entries().items():  # each reads its own [cluster.<name>]
        assert ClusterConfig.model_fields[name].annotation is section
    with pytest.raises(CuratorError, match="unknown embedder"):
        create_embedder("nope")
    with pytest.raises(CuratorError, match="not a torchvision classifier"):
        create_embedder("torchvision:not_a_model", pretrained=False)


def test_torchvision_classifier_gives_pooled_features():
    emb = create_embedder("torchvision:mobilenet_v2", pretrained=False, image_size=64)
    out = emb.forward(torch.zeros(2, 3, 64, 64))
    assert out.shape == (2, 1280)  # the head's input, not 1000 ImageNet logits
    assert emb.cache_key.startswith("torchvision:mobilenet_v2:random0|rgb-crop-64")


def test_missing_torchvision_weights_fail_at_once_naming_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setattr(weights, "host_reachable", lambda url, timeout=3.0: False)
    start = time.monotonic()
    with pytest.raises(MissingWeightsError) as err:
        create_embedder("resnet50")
    assert time.monotonic() - start < 5
    assert "resnet50-11ad3fa6.pth" in str(err.value) and str(tmp_path / "hub" / "checkpoints") in str(err.value)


def test_missing_clip_weights_fail_at_once(monkeypatch):
    monkeypatch.setattr(clip_mod, "_hf_cached", lambda hf_hub: None)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    start = time.monotonic()
    with pytest.raises(MissingWeightsError, match="open_clip_model.safetensors.*--checkpoint"):
        create_embedder("clip", model="ViT-B-32", pretrained="openai")
    assert time.monotonic() - start < 15  # open_clip's own retries took ~45 s


def test_local_checkpoint_is_loaded_and_keys_the_cache(tmp_path):
    from torchvision.models import mobilenet_v2

    model = mobilenet_v2(weights=None)  # a full classifier, as users' checkpoints are
    ckpt = tmp_path / "mine.pth"
    torch.manual_seed(3)
    state = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in model.state_dict().items()}
    torch.save({"state_dict": state}, ckpt)
    emb = create_embedder("torchvision:mobilenet_v2", checkpoint=str(ckpt))
    assert ":ckpt-" in emb.cache_key
    assert torch.equal(emb.model.features[0][0].weight, state["features.0.0.weight"])
    with pytest.raises(CuratorError, match="no such file"):
        create_embedder("torchvision:mobilenet_v2", checkpoint=str(tmp_path / "absent.pth"))


def test_sobel_prep_sees_edges_not_colour():
    prep = ImagePrep(32, mean=(0, 0, 0), std=(1, 1, 1), edges=True, crop=False)
    flat = prep(Image.new("RGB", (32, 32), (200, 30, 30)))
    assert float(flat.abs().max()) == 0.0  # a flat colour has no edges
    half = Image.new("RGB", (32, 32), (0, 0, 0))
    half.paste((255, 255, 255), (16, 0, 32, 32))
    edges = prep(half)
    assert float(edges[0, :, 15:17].min()) > 0.5 and float(edges[0, :, :8].max()) == 0.0


def test_cache_makes_a_rerun_free(tmp_path):
    paths = []
    for i in range(5):
        p = tmp_path / f"{i}.png"
        Image.new("RGB", (20, 20), (i * 50, 0, 0)).save(p)
        paths.append(p)
    paths.append(tmp_path / "broken.png")
    paths[-1].write_bytes(b"\x89PNG broken")
    ids = [f"{i:064x}" for i in range(6)]
    emb = create_embedder("pixels", size=4)
    calls = []
    real_forward = emb.forward
    emb.forward = lambda batch: calls.append(len(batch)) or real_forward(batch)

    cache = EmbeddingCache(tmp_path / "cache", emb.cache_key)
    first, ok = embed(emb, ids, paths, cache, batch_size=2, workers=0)
    assert ok.tolist() == [True] * 5 + [False]
    assert first.shape == (6, 48) and np.allclose(first[1, :16], 50 / 255)  # CHW: the red plane comes first
    assert sum(calls) == 6

    calls.clear()
    again, ok2 = embed(emb, ids[:5], paths[:5], EmbeddingCache(tmp_path / "cache", emb.cache_key), batch_size=2, workers=0)
    assert calls == [] and np.array_equal(again, first[:5]) and ok2.all()
