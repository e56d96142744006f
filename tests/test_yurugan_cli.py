"""`curator train --model yurugan` -> `curator generate` (per class, interpolation) -> `curator eval` (SWD, GS)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image


pytestmark = pytest.mark.usefixtures("one_thread")  # bit-exact comparisons; see conftest


@pytest.fixture(scope="module")
def ws_and_set(tmp_path_factory, _imported_template) -> tuple[Path, Path]:
    """The imported sample corpus and a 32 px export labelled with three classes (as clusters would be)."""
    import shutil

    from curator.export.config import ExportConfig
    from curator.export.writer import export_manifest
    from curator.workspace import Workspace

    root = tmp_path_factory.mktemp("ws") / "ws"
    shutil.copytree(_imported_template, root)
    ws = Workspace(root)
    manifest = ws.manifests.load("latest")
    for i, item in enumerate(manifest.kept()):
        item.cluster = i % 3
    out = export_manifest(manifest, ws.store, root / "cond.zip", ExportConfig(resolution=32, fit="crop"), cond=True).path
    return root, out


@pytest.fixture(scope="module")
def yuru_run(ws_and_set) -> Path:
    import sys
    from subprocess import run

    root, data = ws_and_set
    run_dir = root / "runs" / "yuru"
    # In a subprocess: the CLI's SystemExit and progress bar stay out of this module's capsys.
    cmd = [sys.executable, "-m", "curator.cli.app", "-w", str(root), "train", str(data), "--model", "yurugan", "--cond",
           "--kimg", "0.032", "--batch", "8", "--tick", "0.016", "--snap", "1", "--channel-max", "32", "--device", "cpu",
           "--workers", "0", "--out", str(run_dir)]
    done = run(cmd, capture_output=True, text=True, timeout=300, env={**__import__("os").environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0, done.stderr
    assert "3 classes" in done.stdout
    return run_dir


def test_train_writes_a_yurugan_run(yuru_run):
    config = json.loads((yuru_run / "config.json").read_text())
    assert (config["model"], config["c_dim"], config["batch"], config["ch_max"]) == ("yurugan", 3, 8, 32)
    meta = json.loads((yuru_run / "network-snapshot-000000.json").read_text())
    assert meta["format"] == "curator-yurugan/1" and meta["cur_nimg"] == 32


def test_generate_per_class_with_a_class_fixed_interpolation(yuru_run, tmp_path, cli):
    images = {}
    for cls in (0, 2):
        code, _, err = cli(["generate", str(yuru_run), "--seeds", "0-2", "--class", str(cls), "--interpolate",
                            "--frames", "3", "--out", str(tmp_path / f"c{cls}"), "--device", "cpu"])
        assert code == 0, err
        images[cls] = np.asarray(Image.open(tmp_path / f"c{cls}" / "seed0000.png"))
        assert images[cls].shape == (32, 32, 3)
        assert Image.open(tmp_path / f"c{cls}" / "interpolation.png").size == (3 * 32, 3 * 32)
    assert not np.array_equal(images[0], images[2])  # same seed, another class, another image
    code, _, err = cli(["generate", str(yuru_run), "--seeds", "0", "--out", str(tmp_path / "x")])
    assert code == 2 and "give --class between 0 and 2" in err


def test_interpolation_keeps_the_class_fixed(yuru_run):
    from curator.generate.sampling import map_seeds
    from trainers.yurugan.checkpoint import load_generator

    G = load_generator(yuru_run)
    ws = map_seeds(G, [0, 1], 1, 1.0, None, torch.device("cpu"))
    path = ws[0][None] + torch.linspace(0, 1, 5)[:, None, None] * (ws[1] - ws[0])[None]
    assert torch.equal(path[:, :, G.z_chunk:], torch.eye(3)[1].expand(5, G.num_ws, 3))


def test_eval_with_swd_and_geometry_score(yuru_run, ws_and_set, cli):
    root, _ = ws_and_set
    code, out, err = cli(["-w", str(root), "eval", str(yuru_run), "--metrics", "swd,gs", "--num", "40", "--device", "cpu",
                          "--json"])
    assert code == 0, err
    results = json.loads(out)["results"]
    assert results["gs"] >= 0 and results["swd"] > 0
    assert (yuru_run / "network-snapshot-000000.mrlt.png").is_file()


def test_resume_continues_the_same_model(yuru_run, ws_and_set, cli):
    root, _ = ws_and_set
    code, _, err = cli(["-w", str(root), "train", "--resume", str(yuru_run), "--model", "stylegan2"])
    assert code == 2 and "is a yurugan run" in err


@pytest.mark.parametrize("flags, message", [(["--model", "nope"], "--model nope: choose one of stylegan2, yurugan"),
                                            (["--model", "yurugan", "--gamma", "1"], "--gamma: not an option of --model yurugan"),
                                            (["--model", "yurugan", "--batch", "1"], "--batch")])
def test_bad_model_options_are_one_line_errors(ws_and_set, flags, message, cli):
    root, data = ws_and_set
    code, _, err = cli(["-w", str(root), "train", str(data), "--cond", "--kimg", "0.01", *flags])
    assert code == 2 and message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
