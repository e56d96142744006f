"""`curator export`: the official training-set layout, its checks, and the offline multipliers."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from curator.cli.app import app
from curator.errors import CuratorError
from curator.export.config import ExportConfig
from curator.export.writer import export_manifest


def test_zip_has_official_layout_and_records_the_manifest(imported_ws, tmp_path):
    m = imported_ws.manifests.load("latest")
    out = tmp_path / "set.zip"
    r = export_manifest(m, imported_ws.store, out, ExportConfig(resolution=32, fit="crop"))
    kept = [it for it in m.kept() if it.object]
    assert r.images == r.items == len(kept)
    with zipfile.ZipFile(out) as zf:
        assert all(info.compress_type == zipfile.ZIP_STORED for info in zf.infolist())
        pngs = sorted(n for n in zf.namelist() if n.endswith(".png"))
        assert pngs[0] == "00000/img00000000.png" and len(pngs) == r.images
        assert json.loads(zf.read("dataset.json")) == {"labels": None}
        meta = json.loads(zf.read("curator.json"))
        img = Image.open(io.BytesIO(zf.read(pngs[-1])))
    assert meta["manifest_id"] == m.id and meta["resolution"] == 32
    assert {f["item"] for f in meta["files"]} == {it.id for it in kept}
    assert img.size == (32, 32) and img.mode == "RGB"


def test_labels_xflip_and_augment_multiply_the_set(imported_ws, tmp_path):
    m = imported_ws.manifests.load("latest")
    kept = [it for it in m.kept() if it.object]
    for i, it in enumerate(kept):
        it.label, it.cluster = (None, i % 2) if i % 3 else ("star", None)
    out = tmp_path / "folder"
    r = export_manifest(m, imported_ws.store, out, ExportConfig(resolution=16, fit="pad", xflip=True, augment=2), cond=True)
    assert r.images == 4 * len(kept) and r.classes == ["0", "1", "star"]
    labels = json.loads((out / "dataset.json").read_text())["labels"]
    assert len(labels) == r.images and {c for _, c in labels} == {0, 1, 2}
    files = json.loads((out / "curator.json").read_text())["files"]
    assert [f["variant"] for f in files[:4]] == ["original", "xflip", "augment0", "augment1"]
    original, flipped = (Image.open(out / f["file"]) for f in files[:2])
    assert (np.asarray(flipped) == np.asarray(original)[:, ::-1]).all()


def test_clear_errors(imported_ws, tmp_path):
    m = imported_ws.manifests.load("latest")
    with pytest.raises(CuratorError, match="not square"):
        export_manifest(m, imported_ws.store, tmp_path / "a.zip", ExportConfig(resolution=32))
    with pytest.raises(CuratorError, match="--resolution: must be a power of two"):  # refused when the option is read
        export_manifest(m, imported_ws.store, tmp_path / "b.zip", ExportConfig().override(resolution=48, fit="crop"))
    with pytest.raises(CuratorError, match="--cond needs a label"):
        export_manifest(m, imported_ws.store, tmp_path / "c.zip", ExportConfig(resolution=32, fit="crop"), cond=True)
    assert not (tmp_path / "a.zip").exists()


@pytest.mark.usefixtures("one_thread")  # it trains; see conftest
def test_cli_export_then_train_and_resume(imported_ws, tmp_path):
    runner = CliRunner()
    ws = ["-w", str(imported_ws.root)]
    res = runner.invoke(app, [*ws, "export", "--fit", "crop", "--resolution", "32", "--out", str(tmp_path / "s.zip"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["images"] > 0
    tiny = ["--batch", "4", "--aug", "noaug", "--channel-base", "256", "--channel-max", "16", "--tick", "0.008",
            "--snap", "1", "--workers", "0", "--device", "cpu"]
    res = runner.invoke(app, [*ws, "train", "--resolution", "32", "--fit", "crop", "--kimg", "0.008", *tiny])
    assert res.exit_code == 0, res.output
    run_dir = next((imported_ws.root / "runs").iterdir())
    # The run's config says which manifest (which images) it was trained on.
    assert json.loads((run_dir / "config.json").read_text())["manifest_id"] == imported_ws.manifests.load("latest").id
    res = runner.invoke(app, [*ws, "train", "--resume", str(run_dir), "--kimg", "0.024"])
    assert res.exit_code == 0, res.output
    stats = [json.loads(line) for line in (run_dir / "stats.jsonl").read_text().splitlines()]
    # The resumed run keeps its own tick length and continues the tick count.
    assert [s["kimg"] for s in stats] == pytest.approx([0.004, 0.008, 0.016, 0.024])
    assert [s["tick"] for s in stats] == [0, 1, 2, 3]
    res = runner.invoke(app, [*ws, "train", "--resolution", "32", "--fit", "crop", "--aug", "fixed"])
    assert isinstance(res.exception, CuratorError) and "--p" in str(res.exception)
