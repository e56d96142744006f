"""A tiny StyleGAN2-ADA run on the sample corpus: outputs, exact resume, loading, transfer learning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from curator.export.config import ExportConfig
from curator.export.writer import export_manifest
from curator.workspace import Workspace
from trainers.stylegan2.checkpoint import load_generator, load_run_config
from trainers.stylegan2.options import options_from_preset
from trainers.stylegan2.training_loop import build_networks_reported, train

TINY = dict(batch=4, tick_kimg=0.02, snap=2, aug="ada", target=0.6, channel_base=512, channel_max=32,
            z_dim=32, w_dim=32, grid=(2, 2))


pytestmark = pytest.mark.usefixtures("one_thread")  # bit-exact comparisons; see conftest


@pytest.fixture(scope="module")
def datasets(tmp_path_factory, _imported_template) -> dict[str, Path]:
    ws = Workspace(_imported_template)
    manifest = ws.manifests.load("latest")
    out = tmp_path_factory.mktemp("sets")
    plain = export_manifest(manifest, ws.store, out / "plain.zip", ExportConfig(resolution=32, fit="crop")).path
    for i, item in enumerate(manifest.kept()):
        item.label = f"class{i % 3}"
    cond = export_manifest(manifest, ws.store, out / "cond.zip", ExportConfig(resolution=32, fit="crop"), cond=True).path
    return {"plain": plain, "cond": cond}


def tiny(data: Path, kimg: float, **kw):
    return options_from_preset("auto", 32, str(data), kimg=kimg, **{**TINY, **kw})


@pytest.fixture(scope="module")
def run_a(tmp_path_factory, datasets) -> Path:
    run_dir = tmp_path_factory.mktemp("runs") / "A"
    counters = train(tiny(datasets["plain"], 0.1), run_dir)
    assert counters.cur_nimg == 100 and counters.batch_idx == 25
    return run_dir


def test_tiny_run_writes_snapshot_grid_stats_and_plots(run_a):
    assert (run_a / "network-snapshot-000000.safetensors").is_file()
    meta = json.loads((run_a / "network-snapshot-000000.json").read_text())
    assert meta["cur_nimg"] == 100 and meta["G_kwargs"]["img_resolution"] == 32 and meta["manifest_id"]
    grid = run_a / "fakes000000.png"
    from PIL import Image

    assert Image.open(grid).size == (64, 64)
    stats = [json.loads(line) for line in (run_a / "stats.jsonl").read_text().splitlines()]
    assert [s["tick"] for s in stats] == list(range(len(stats))) and stats[-1]["kimg"] == pytest.approx(0.1)
    for key in ("loss_G", "loss_D_real", "loss_D_fake", "scores_real", "augment_p", "sec_per_kimg", "peak_rss_gb"):
        assert key in stats[-1], key
    assert all(torch.isfinite(torch.tensor(s["loss_G"])) for s in stats)
    assert {p.name for p in (run_a / "plots").glob("*.png")} >= {"losses.png", "scores.png", "augment.png"}
    assert any((run_a / "tensorboard").iterdir())
    assert json.loads((run_a / "config.json").read_text())["kimg"] == 0.1


def test_resumed_run_matches_an_uninterrupted_one_bit_for_bit(run_a, datasets, tmp_path):
    run_b = tmp_path / "B"
    first = train(tiny(datasets["plain"], 0.048), run_b)
    assert first.cur_nimg == 48
    resumed = train(tiny(datasets["plain"], 0.1), run_b)
    assert (resumed.cur_nimg, resumed.batch_idx) == (100, 25)
    a = load_file(str(run_a / "network-snapshot-000000.safetensors"))
    b = load_file(str(run_b / "network-snapshot-000000.safetensors"))
    assert a.keys() == b.keys()
    assert all(torch.equal(a[k], b[k]) for k in a)
    last = lambda run: json.loads((run / "stats.jsonl").read_text().splitlines()[-1])  # noqa: E731
    assert last(run_b)["augment_p"] == last(run_a)["augment_p"]


def test_generator_loads_from_the_run_and_makes_images(run_a):
    G = load_generator(run_a)
    assert (G.img_resolution, G.num_ws, G.z_dim) == (32, 8, 32)
    img = G(torch.randn(3, G.z_dim), None, truncation_psi=0.7)
    assert img.shape == (3, 3, 32, 32) and torch.isfinite(img).all()
    assert load_run_config(run_a)["resolution"] == 32


def test_transfer_to_a_different_class_count_with_frozen_d_layers(run_a, datasets, tmp_path):
    opts = tiny(datasets["cond"], 0.008, c_dim=3, transfer=str(run_a), freezed=3, aug="noaug")
    assert opts.ema_rampup is None and opts.ada_kimg == 100  # the official transfer-learning settings
    source = load_file(str(run_a / "network-snapshot-000000.safetensors"))
    G, D, _, _ = build_networks_reported(opts, torch.device("cpu"))
    assert torch.equal(G.state_dict()["synthesis.b32.conv1.weight"], source["G_ema.synthesis.b32.conv1.weight"])
    assert G.state_dict()["mapping.embed.weight"].shape == (32, 3)
    assert G.state_dict()["mapping.fc0.weight"].shape == (32, 64)  # z + embedding: not copied, freshly initialised
    assert [p.requires_grad for p in D.b32.parameters()] == [False] * 6 + [True]  # fromrgb, conv0, conv1: frozen
    run_dir = tmp_path / "T"
    train(opts, run_dir)
    after = load_file(str(run_dir / "network-snapshot-000000.safetensors"))
    for key in ("b32.fromrgb.weight", "b32.conv0.weight", "b32.conv1.bias"):
        assert torch.equal(after[f"D.{key}"], source[f"D.{key}"]), key
    assert not torch.equal(after["D.b32.skip.weight"], source["D.b32.skip.weight"])
    assert json.loads((run_dir / "network-snapshot-000000.json").read_text())["class_names"] == ["class0", "class1", "class2"]
