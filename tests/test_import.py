import io as _io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from curator.ingest.run import import_paths
from curator.workspace import Workspace
from manifests import io, schema
from manifests.verify import verify

FORMATS = [("png", "PNG"), ("jpg", "JPEG"), ("webp", "WEBP"), ("gif", "GIF"), ("bmp", "BMP"), ("tiff", "TIFF")]


def _mixed_folder(root: Path, n_good: int, n_broken: int) -> dict[str, str]:
    """n_good images in six formats over nested folders, plus n_broken files of four broken kinds."""
    rng = np.random.default_rng(0)
    expected: dict[str, str] = {}
    for i in range(n_good):
        ext, fmt = FORMATS[i % len(FORMATS)]
        sub = root / f"set{i % 7}" / ("deep" if i % 3 == 0 else "")
        sub.mkdir(parents=True, exist_ok=True)
        arr = rng.integers(0, 255, (16, 24, 3), dtype=np.uint8)
        img = Image.fromarray(arr)
        if fmt == "PNG" and i % 12 == 0:
            img = img.convert("RGBA")
        buf = _io.BytesIO()
        img.save(buf, fmt)
        path = sub / f"img{i:04d}.{ext}"
        path.write_bytes(buf.getvalue())
        expected[str(path.resolve())] = "kept"
    good_jpeg = (root / "set1" / "img0001.jpg").read_bytes()
    broken_dir = root / "broken"
    broken_dir.mkdir()
    kinds = {
        "empty": lambda i: b"",
        "not_image": lambda i: f"note {i}\n".encode(),
        "truncated": lambda i: good_jpeg[: len(good_jpeg) // 2 + i],
        "corrupt": lambda i: b"\x89PNG\r\n\x1a\n" + bytes([i]) * 50,
    }
    for i in range(n_broken):
        kind = list(kinds)[i % 4]
        path = broken_dir / f"{kind}_{i}.png"
        path.write_bytes(kinds[kind](i))
        expected[str(path.resolve())] = kind
    return expected


@pytest.mark.slow
def test_import_1000_mixed_with_20_broken_accounts_for_every_file(tmp_path):
    expected = _mixed_folder(tmp_path / "in", 1000, 20)
    ws = Workspace(tmp_path / "ws")
    result = import_paths(ws, [tmp_path / "in"], workers=2)
    assert result.files == 1020
    path = result.manifest_path
    assert schema.errors(json.loads(path.read_text())) == []
    m = io.load(path)

    seen: dict[str, str] = {}
    for item in m.items:
        for src in item.sources:
            seen[src.path] = item.status if item.status == "kept" else item.reasons[0].code
    assert seen == expected  # every file accounted for, with the right outcome
    assert verify(m, ws.root) == []

    again = import_paths(ws, [tmp_path / "in"], workers=2)
    assert again.new_items == 0 and again.new_sources == 0 and again.manifest_path is None
    assert len(ws.manifests.paths()) == 1


def test_sample_corpus_import(imported_ws, corpus_dir, corpus_labels):
    m = imported_ws.manifests.load("latest")
    by_path = {s.path: it for it in m.items for s in it.sources}
    for name, label in corpus_labels.items():
        item = by_path[str((corpus_dir / name).resolve())]
        if label.get("junk") in ("empty", "not_image", "truncated", "corrupt"):
            assert item.status == "rejected" and item.reasons[0].code == label["junk"], name
        else:
            assert item.status == "kept", name
        if label["kind"] == "exact_duplicate":
            assert by_path[str((corpus_dir / label["duplicate_of"]).resolve())] is item
    rotated = next(it for p, it in by_path.items() if p.endswith("_exif_rotated.jpg"))
    assert (rotated.width, rotated.height) == (128, 128)
    assert len(m.items) == len(corpus_labels) - sum(lab["kind"] == "exact_duplicate" for lab in corpus_labels.values())


def test_new_files_extend_the_latest_version(imported_ws, tmp_path):
    extra = tmp_path / "extra"
    extra.mkdir()
    Image.new("RGB", (10, 10), (1, 2, 3)).save(extra / "new.png")
    before = imported_ws.manifests.load("latest")
    result = import_paths(imported_ws, [extra], workers=1)
    after = imported_ws.manifests.load("latest")
    assert result.new_items == 1
    assert after.parent == before.id and len(after.items) == len(before.items) + 1


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, CURATOR_WORKSPACE=str(cwd))
    return subprocess.run([str(Path(sys.executable).parent / "curator"), *args], capture_output=True, text=True, env=env, cwd=cwd)


def test_cli_user_errors_are_one_line_without_traceback(tmp_path):
    for args in (["import", str(tmp_path / "missing")], ["manifest", "show"], ["manifest", "validate", str(tmp_path / "x.json")]):
        proc = _cli(*args, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1 and proc.stderr.startswith("error:"), proc.stderr


def test_cli_import_and_inspect_json(tmp_path, corpus_dir):
    proc = _cli("import", str(corpus_dir), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["new_items"] > 0 and out["rejected"]["empty"] == 1
    shown = json.loads(_cli("manifest", "show", "--json", cwd=tmp_path).stdout)
    assert shown["stage"] == "import" and shown["stats"]["items"] == out["new_items"]
    assert _cli("manifest", "verify", cwd=tmp_path).returncode == 0
    assert _cli("manifest", "validate", out["manifest"], cwd=tmp_path).returncode == 0
    next(iter((tmp_path / "objects").glob("*/*"))).write_bytes(b"changed")
    proc = _cli("manifest", "verify", cwd=tmp_path)
    assert proc.returncode == 2 and "changed:" in proc.stdout
