"""`curator generate` and `curator eval` end to end on a tiny randomly initialised StyleGAN2 snapshot."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


G_KWARGS = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32, img_channels=3, mapping_kwargs={"num_layers": 2},
                synthesis_kwargs={"channel_base": 256, "channel_max": 16})
D_KWARGS = dict(c_dim=0, img_resolution=32, img_channels=3, channel_base=256, channel_max=16)


def _dataset_zip(path: Path, count: int = 12, side: int = 32) -> Path:
    """A training ZIP in the official layout: `count` smooth random side x side images, no labels."""
    rng = np.random.default_rng(0)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for i in range(count):
            img = Image.fromarray(rng.integers(0, 256, (4, 4, 3), dtype=np.uint8)).resize((side, side), Image.BILINEAR)
            buf = io.BytesIO()
            img.save(buf, "PNG")
            zf.writestr(f"{i:05d}/img{i:08d}.png", buf.getvalue())
        zf.writestr("dataset.json", json.dumps({"labels": None}))
    return path


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory) -> Path:
    """A run folder with one snapshot whose options point at a 32 px training ZIP."""
    from trainers.stylegan2.checkpoint import save_snapshot
    from trainers.stylegan2.networks import Discriminator, Generator

    root = tmp_path_factory.mktemp("run")
    data = _dataset_zip(root / "train.zip")
    torch.manual_seed(0)
    G, D = Generator(**G_KWARGS).eval(), Discriminator(**D_KWARGS)
    with torch.no_grad():
        G.mapping.w_avg.normal_()  # a trained G has a non-zero average w
    run = root / "runs" / "tiny"
    run.mkdir(parents=True)
    save_snapshot(run / "network-snapshot-000000", {"G": G, "D": D, "G_ema": G}, {"G": G_KWARGS, "D": D_KWARGS},
                  {"cur_nimg": 0, "options": {"data": str(data)}})
    return run


def _png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def test_generate_writes_seeds_grid_interpolation_gif_and_style_mix(tmp_path, tiny_run, cli):
    from curator.generate.sampling import seed_latents, to_uint8
    from trainers.stylegan2.checkpoint import load_generator

    out = tmp_path / "out"
    code, _, err = cli(["-w", str(tmp_path), "generate", str(tiny_run), "--seeds", "0-3", "--grid", "--interpolate",
                        "--frames", "3", "--gif", "--style-mix", "--out", str(out)])
    assert code == 0, err
    assert Image.open(out / "grid.png").size == (64, 64)
    assert Image.open(out / "interpolation.png").size == (3 * 32, 4 * 32)  # a row per leg, 4 legs (loop)
    assert Image.open(out / "interpolation.gif").n_frames == 12
    assert Image.open(out / "style-mix.png").size == (5 * 32, 5 * 32)
    record = json.loads((out / "generate.json").read_text())
    assert record["options"]["seeds"] == [0, 1, 2, 3]
    # A seed is the official numpy latent: regenerate seed 2 by hand and compare pixels.
    G = load_generator(tiny_run)
    with torch.no_grad():
        expected = to_uint8(G(seed_latents([2], 16), torch.zeros(1, 0), noise_mode="const"))[0].permute(1, 2, 0).numpy()
    assert np.array_equal(_png(out / "seed0002.png"), expected)
    # The interpolation starts each leg at its seed's image.
    strip = _png(out / "interpolation.png")
    assert np.array_equal(strip[64:96, 0:32], _png(out / "seed0002.png"))
    # Style mixing's diagonal mixes a seed with itself: the seed's own image.
    table = _png(out / "style-mix.png")
    assert np.array_equal(table[32:64, 32:64], _png(out / "seed0000.png"))


def test_truncation_zero_gives_the_average_image_for_every_seed(tmp_path, tiny_run, cli):
    for psi, out in (("0", tmp_path / "t0"), ("1", tmp_path / "t1")):
        code, _, err = cli(["-w", str(tmp_path), "generate", str(tiny_run), "--seeds", "5,9", "--trunc", psi,
                            "--out", str(out)])
        assert code == 0, err
    assert np.array_equal(_png(tmp_path / "t0" / "seed0005.png"), _png(tmp_path / "t0" / "seed0009.png"))
    assert not np.array_equal(_png(tmp_path / "t1" / "seed0005.png"), _png(tmp_path / "t1" / "seed0009.png"))


def test_eval_swd_against_the_runs_training_set_and_a_manifest(imported_ws, tiny_run, cli):
    ws = str(imported_ws.root)
    code, out, err = cli(["-w", ws, "eval", str(tiny_run), "--metrics", "swd", "--num", "16", "--batch", "8", "--json"])
    assert code == 0, err
    record = json.loads(out)
    written = tiny_run / "network-snapshot-000000.eval.json"
    assert record["file"] == str(written)
    saved = json.loads(written.read_text())
    assert set(saved["results"]) == {"swd", "swd_32", "swd_16"}
    assert saved["results"]["swd"] > 0
    assert saved["config"]["num"] == 16 and saved["real"].startswith("zip:")
    # The sample corpus's kept items (128 px) are centre-cropped and resized to the generator's 32 px.
    code, out, err = cli(["-w", ws, "eval", str(tiny_run), "--metrics", "swd", "--num", "16", "--data", "latest", "--json"])
    assert code == 0, err
    assert json.loads(out)["real"].startswith("manifest:")


@pytest.mark.parametrize("args, message", [
    (["eval", "nowhere", "--metrics", "swd"], "no such checkpoint"),
    (["eval", "RUN", "--metrics", "bogus", "--num", "10"], "unknown metric bogus"),
    (["eval", "RUN", "--metrics", "swd", "--protocol", "sharp"], "--protocol must be legacy-tf or clean"),
    (["generate", "RUN", "--seeds", "x-y", "--out", "o"], "bad seed list"),
    (["generate", "RUN", "--class", "3", "--out", "o"], "unconditional"),
])
def test_user_errors_are_one_line(tmp_path, tiny_run, cli, args, message):
    args = [str(tiny_run) if a == "RUN" else a for a in args]
    code, _, err = cli(["-w", str(tmp_path), *args])
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_real_statistics_are_cached_per_dataset(tmp_path, tiny_run, monkeypatch):
    from curator.evaluate.config import EvalConfig
    from curator.evaluate.inception import FIDInception, randomize_
    from curator.evaluate.run import evaluate, evaluate_snapshot
    from curator.evaluate.sources import ZipImages
    from curator.evaluate.stats_cache import StatsCache
    from trainers.stylegan2.checkpoint import load_generator

    weights = tmp_path / "inception.pth"
    torch.save(randomize_(FIDInception()).state_dict(), weights)
    G = load_generator(tiny_run)
    config = EvalConfig(inception_weights=str(weights), batch=4)
    data = _dataset_zip(tmp_path / "four.zip", count=4)
    cache = StatsCache(tmp_path / "cache")
    first = evaluate(G, ZipImages(data), ["kid", "swd"], 4, config, cache, torch.device("cpu"))
    kinds = sorted(json.loads(p.read_text())["kind"] for p in (tmp_path / "cache").glob("*.json"))
    assert kinds == ["features", "swd"]

    def no_reads(self, batch):
        raise AssertionError("real images read again despite the cache")

    monkeypatch.setattr(ZipImages, "batches", no_reads)
    assert evaluate(G, ZipImages(data), ["kid", "swd"], 4, config, cache, torch.device("cpu")) == first
    # The trainer's entry point shares the same cache layout, and leaves a training-mode G as it was.
    G.train()
    w_avg = G.mapping.w_avg.clone()
    assert evaluate_snapshot(G, data, ["swd"], 4, tmp_path / "cache", "cpu")["swd"] == first["swd"]
    assert G.training and torch.equal(G.mapping.w_avg, w_avg)


def test_seed_lists_and_class_labels():
    from curator.errors import CuratorError
    from curator.generate.sampling import class_labels, parse_layers, parse_seeds

    assert parse_seeds("0-3, 10,12-13") == [0, 1, 2, 3, 10, 12, 13]
    assert parse_layers("0-6", num_ws=4) == [0, 1, 2, 3]

    class Conditional(torch.nn.Module):
        c_dim = 3

    labels = class_labels(Conditional(), 2, n=2)
    assert labels.tolist() == [[0, 0, 1], [0, 0, 1]]
    with pytest.raises(CuratorError, match="between 0 and 2"):
        class_labels(Conditional(), None, n=1)


def test_conditional_fakes_use_only_the_datasets_classes():
    from curator.evaluate.sources import generated_batches

    class Recorder(torch.nn.Module):
        z_dim, c_dim = 4, 5

        def __init__(self) -> None:
            super().__init__()
            self.seen: list[torch.Tensor] = []

        def forward(self, z, c, noise_mode="const"):
            self.seen.append(c.clone())
            return torch.zeros(len(z), 3, 8, 8)

    G = Recorder()
    batches = list(generated_batches(G, 50, 16, seed=0, device=torch.device("cpu"), labels=[1, 3]))
    assert [len(b) for b in batches] == [16, 16, 16, 2]
    assert batches[0].dtype == torch.uint8 and int(batches[0][0, 0, 0, 0]) == 128  # 0.0 -> mid grey
    c = torch.cat(G.seen)
    assert torch.equal(c.sum(1), torch.ones(50))  # one-hot
    assert set(c.argmax(1).tolist()) == {1, 3}
