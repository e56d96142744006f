"""Issue 14: every observation of the hardening audit (except the review App and transfer),
reproduced, with the behaviour that replaced it. Fast, offline, CPU only.

Import: FIFOs, devices, sockets, symlink loops, unreadable folders, non-UTF-8 names.
Workspace: one writer at a time; a full disk stops with one line and leaves nothing behind.
Manifests: object paths confined to the store; a missing object is one line.
Checkpoints: pickle bombs, huge allocations, cycles, tampered safetensors, snapshot JSON and resume.pt.
Files: created 0644 under the umask.
"""

from __future__ import annotations

import io
import json
import os
import resource
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import hostile
from curator.errors import CuratorError
from curator.ingest.run import import_paths
from curator.workspace import Workspace
from manifests import io as mio
from manifests.errors import ManifestError
from trainers.errors import TrainerError

REPO = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, PYTHONPATH=str(REPO))


def _png(path: Path, seed: int = 0, side: int = 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(path)
    return path


def _curator(*args: str, timeout: float = 120, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "curator.cli.app", *args], capture_output=True, text=True, env=ENV,
                          timeout=timeout, **kw)


def _by_path(ws: Workspace) -> dict[str, list]:
    out: dict[str, list] = {}
    for it in ws.manifests.load("latest").items:
        for s in it.sources:
            out.setdefault(s.path, []).append(it)
    return out


def _objects(ws: Workspace) -> list[Path]:
    return [p for p in (ws.root / "objects").rglob("*") if p.is_file()]


# ------------------------------------------------------------------------------------------ import


def test_fifo_device_socket_and_symlink_loop_are_rejected_and_the_batch_goes_on(tmp_path):
    src = tmp_path / "in"
    _png(src / "good.png")
    os.mkfifo(src / "x.png")  # used to hang forever in open()
    (src / "zero.png").symlink_to("/dev/zero")  # used to read until memory ran out
    (src / "loop1").symlink_to("loop2")  # used to abort the whole import
    (src / "loop2").symlink_to("loop1")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock.png"))
    try:
        # A subprocess with a timeout and a memory limit: a hang or an unbounded read fails the test, not the suite.
        proc = _curator("-w", str(tmp_path / "ws"), "import", str(src), "--json", timeout=120)
    finally:
        sock.close()
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rejected"] == {"not_a_file": 3, "symlink_loop": 2}
    ws = Workspace(tmp_path / "ws")
    reasons = {p: [r.code for it in items for r in it.reasons] for p, items in _by_path(ws).items()}
    assert reasons[str(src / "good.png")] == []
    assert reasons[str(src / "x.png")] == ["not_a_file"]
    assert reasons["/dev/zero"] == ["not_a_file"]
    assert reasons[str(src / "sock.png")] == ["not_a_file"]
    assert reasons[str(src / "loop1")] == ["symlink_loop"] and reasons[str(src / "loop2")] == ["symlink_loop"]
    assert len(_objects(ws)) == 1  # nothing stored for what was not read


def test_reads_are_bounded_by_the_limit_not_by_the_reported_size(tmp_path, monkeypatch):
    from curator.ingest import worker

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(300_000))
    settings = worker.IngestSettings(str(tmp_path / "objects"), 100_000, 10_000_000, frozenset())
    reads: list[int] = []
    real_read = os.read
    monkeypatch.setattr(worker.os, "read", lambda fd, n: (reads.append(n), real_read(fd, n))[1])
    result = worker.ingest_file(big, settings)
    assert result.reject_code == "too_large" and not result.stored and result.size == 300_000
    assert max(reads) <= 1 << 20  # chunked reads, never read(st_size)
    assert not (tmp_path / "objects").exists()


def test_non_utf8_file_name_is_stored_losslessly_and_shown_escaped(tmp_path, ws):
    src = tmp_path / "in"
    src.mkdir()
    raw = os.fsencode(src) + b"/bad\xff\xfe.png"
    with open(raw, "wb") as fh:
        fh.write(_png(tmp_path / "p.png").read_bytes())
    result = import_paths(ws, [src], workers=1)  # used to abort while writing the manifest
    assert result.new_items == 1 and result.manifest_path is not None
    (item,) = ws.manifests.load("latest").items
    source = item.sources[0]
    assert source.path == str(src) + "/bad\\xff\\xfe.png"
    assert bytes.fromhex(source.extra["path_bytes"]) == raw
    assert item.status == "kept" and len(_objects(ws)) == 1


def test_unreadable_folder_is_a_rejection_with_its_reason(tmp_path, monkeypatch):
    from curator.ingest import reader

    src = tmp_path / "in"
    (src / "locked").mkdir(parents=True)
    _png(src / "ok.png")
    _png(src / "locked" / "hidden.png", 1)
    real = os.scandir

    def scandir(path):  # the tests may run as root, for whom chmod 000 hides nothing
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(reader.os, "scandir", scandir)
    ws = Workspace(tmp_path / "ws")
    result = import_paths(ws, [src], workers=1)
    assert result.rejected == {"unreadable_folder": 1}
    (locked,) = _by_path(ws)[str(src / "locked")]
    assert locked.reasons[0].code == "unreadable_folder" and "Permission denied" in locked.reasons[0].detail


def test_a_file_unreadable_once_is_not_duplicated_when_read_later(tmp_path, monkeypatch):
    from curator.ingest import worker

    src = tmp_path / "in"
    _png(src / "a.png")
    _png(src / "b.png", 1)
    real_open = os.open

    def failing_open(path, flags, *a):
        if str(path).endswith("b.png"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, flags, *a)

    ws = Workspace(tmp_path / "ws")
    monkeypatch.setattr(worker.os, "open", failing_open)
    import_paths(ws, [src], workers=1)
    import_paths(ws, [src], workers=1)  # still unreadable: the same entry, not a second one
    assert [it.reasons[0].code for it in _by_path(ws)[str(src / "b.png")]] == ["unreadable"]
    assert len(ws.manifests.load("latest").items) == 2
    monkeypatch.setattr(worker.os, "open", real_open)
    import_paths(ws, [src], workers=1)
    latest = ws.manifests.load("latest")
    (b,) = _by_path(ws)[str(src / "b.png")]  # used to appear twice: kept, and the stale rejection
    assert b.status == "kept" and len(latest.items) == 2


# -------------------------------------------------------------------------------- one writer at a time


def test_two_imports_at_once_wait_for_each_other_and_chain_their_versions(tmp_path, ws):
    from curator.lock import workspace_lock

    folders = []
    for name in ("a", "b"):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(3):
            _png(folder / f"{i}.png", seed=hash(name) % 1000 + i)
        folders.append(folder)
    with workspace_lock(ws.root, "test"):  # both start while the workspace is busy
        procs = [subprocess.Popen([sys.executable, "-m", "curator.cli.app", "-w", str(ws.root), "import", str(f)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV) for f in folders]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all((ws.root / ".curator.lock").exists() for _ in procs):
            time.sleep(0.1)
        time.sleep(3)  # long enough for both to reach the lock
        assert all(p.poll() is None for p in procs)  # waiting, not failing
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("waiting for curator test" in err for _, err in outs), outs
    versions = [mio.load(p) for p in ws.manifests.paths()]
    assert len(versions) == 2
    assert versions[0].parent is None and versions[1].parent == versions[0].id  # never both from parent=None
    assert len(versions[1].items) == 6  # the latest holds both imports


def test_the_lock_is_reentrant_and_released_by_a_dead_holder(tmp_path):
    from curator.lock import workspace_lock

    with workspace_lock(tmp_path, "outer"):
        with workspace_lock(tmp_path, "inner"):
            pass
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from curator.lock import workspace_lock\n"
                               f"with workspace_lock(Path({str(tmp_path)!r}), 'holder'):\n    print('in', flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    assert holder.stdout.readline().strip() == "in"
    holder.kill()  # kill -9 while holding it
    holder.wait()
    started = time.monotonic()
    with workspace_lock(tmp_path, "after"):
        assert time.monotonic() - started < 5


# ------------------------------------------------------------------------------------------- full disk


def _fsize_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_file_that_cannot_be_stored_stops_the_import_with_one_line_and_no_orphans(tmp_path, ws):
    src = tmp_path / "in"
    for i in range(5):
        _png(src / f"small{i}.png", seed=i)
    _png(src / "zbig.png", seed=9, side=200)  # ~120 KB: over the 64 KB file-size limit below
    proc = subprocess.run([sys.executable, "-m", "curator.cli.app", "-w", str(ws.root), "import", str(src)],
                          capture_output=True, text=True, env=ENV, timeout=120, preexec_fn=_fsize_limit(64_000))
    line = hostile.one_line_error(proc.returncode, proc.stderr)
    assert "needs about" in line and str(ws.root / "objects") in line
    assert ws.manifests.paths() == []  # no version
    assert _objects(ws) == []  # the five small objects written before were taken back
    assert not list((ws.root / ".journal").glob("*"))
    # Space freed (no limit): the same command imports everything, once.
    result = import_paths(ws, [src], workers=1)
    assert result.new_items == 6 and not result.rejected and len(_objects(ws)) == 6


def test_objects_of_a_killed_import_are_reclaimed_by_the_next_one(tmp_path, ws):
    from curator.ingest.run import JOURNAL_DIR

    src = tmp_path / "in"
    _png(src / "a.png")
    # What a kill -9 between storing and committing leaves: a journalled object no manifest names.
    orphan = ws.store.put_bytes(b"half an import")
    (ws.root / JOURNAL_DIR).mkdir()
    (ws.root / JOURNAL_DIR / "import-999.journal").write_text(orphan + "\n")
    import_paths(ws, [src], workers=1)
    assert orphan not in ws.store and len(_objects(ws)) == 1


@hostile.skip_unless_root
def test_a_full_tmpfs_is_one_line_and_leaves_the_disk_as_it_was(tmp_path):
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(disk)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        src = tmp_path / "in"
        for i in range(40):
            _png(src / f"{i:03d}.png", seed=i, side=150)  # ~68 KB each, 2.7 MB in all
        ws_root = disk / "ws"
        proc = _curator("-w", str(ws_root), "import", str(src))
        line = hostile.one_line_error(proc.returncode, proc.stderr)
        assert "no space left" in line and "needs about" in line, line
        ws = Workspace(ws_root)
        assert ws.manifests.paths() == [] and _objects(ws) == []  # used to leave 437 orphan objects
    finally:
        subprocess.run(["umount", str(disk)], check=False)


# ------------------------------------------------------------------------------------------- manifests


def _tamper_object(ws: Workspace, obj: str) -> Path:
    m = ws.manifests.load("latest")
    m.items[0].object = obj
    data = mio.to_data(m)
    data["items"][0]["object"] = obj  # bypass the model, as a hand-edited file would
    data["id"] = mio.hashlib.sha256(mio.canonical_json(data).encode()).hexdigest()
    path = ws.root / "manifests" / f"{len(ws.manifests.paths()) + 1:04d}-import-{data['id'][:12]}.json"
    path.write_text(mio.readable_json(data))
    return path


def test_an_object_path_outside_the_store_is_refused_everywhere(imported_ws, tmp_path, cli):
    outside = tmp_path / "x"
    outside.write_bytes(b"secret")
    bad_id = imported_ws.manifests.load("latest").items[0].id[:12]
    path = _tamper_object(imported_ws, "../../../../../../../.." + str(outside))
    code, out, err = cli(["manifest", "validate", str(path)])
    assert code == 2 and bad_id in out  # used to pass
    code, _, err = cli(["-w", str(imported_ws.root), "manifest", "verify", "latest"])
    assert bad_id in hostile.one_line_error(code, err)  # used to hash the outside file
    with pytest.raises(ManifestError, match=bad_id):
        imported_ws.manifests.load("latest")  # so process, export, train and review never see it
    code, _, err = cli(["-w", str(imported_ws.root), "process", "latest"])
    assert "not their own" in hostile.one_line_error(code, err)


def test_the_schema_and_the_store_refuse_foreign_object_paths(tmp_path):
    from manifests import schema

    data = {"schema_version": 1, "created": "x", "stage": "import",
            "items": [{"id": "a" * 64, "bytes": 1, "object": "/etc/shadow"}]}
    assert any("items/0/object" in e for e in schema.errors(data))
    with pytest.raises(CuratorError, match="not an object id"):
        Workspace(tmp_path).store.path("../../etc/shadow")


def test_a_missing_object_is_one_line_in_export_and_train(imported_ws, tmp_path, cli):
    m = imported_ws.manifests.load("latest")
    victim = m.kept()[0]
    imported_ws.store.path(victim.id).unlink()
    ws = ["-w", str(imported_ws.root)]
    code, _, err = cli([*ws, "export", "--fit", "crop", "--resolution", "32", "--out", str(tmp_path / "s.zip")])
    assert victim.id[:12] in hostile.one_line_error(code, err)  # used to be a FileNotFoundError traceback
    code, _, err = cli([*ws, "train", "--fit", "crop", "--resolution", "32", "--kimg", "0.01", "--device", "cpu"])
    assert "missing from the store" in hostile.one_line_error(code, err)
    code, _, err = cli([*ws, "manifest", "verify"])
    assert code == 2 and "missing" in err


# ----------------------------------------------------------------------------------------- checkpoints


@pytest.mark.parametrize("name, kwargs, message", [
    ("bomb", {"x": hostile.billion_laughs()}, "objects once unpacked"),  # used to grow to 1.5 GB
    ("cycle", {"x": hostile.self_referencing()}, "nested more than"),  # used to end in RecursionError
    ("bytearray", {"x": hostile.huge_bytearray()}, "bytearray of 42,949,672,960 bytes"),  # 40 GiB
    ("wrong-kwargs", {"z_dim": 8, "bogus": 1}, "constructor argument"),
    ("string-kwargs", "abc", "not a StyleGAN2-ADA pickle"),
])
def test_hostile_network_pickles_are_one_line(tmp_path, name, kwargs, message):
    from trainers.stylegan2.checkpoint import load_networks

    path = hostile.network_pickle(tmp_path / f"{name}.pkl", kwargs)
    assert path.stat().st_size < 2000
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(TrainerError, match=message) as info:
        load_networks(path)
    assert "\n" not in str(info.value) and "weights_only" not in str(info.value)
    assert time.monotonic() - started < 10
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 300 * 1024  # KB: well under 300 MB more


def test_pickle_opcode_and_size_caps(tmp_path, monkeypatch):
    import pickle

    from trainers.stylegan2 import safe_load

    deep = tmp_path / "deep.pkl"
    deep.write_bytes(b"\x80\x04" + b"(" * 5000 + b".")
    with pytest.raises(TrainerError, match="nested more than"):
        safe_load.scan_pickle(deep)
    long = tmp_path / "long.pkl"
    long.write_bytes(pickle.dumps(list(range(5000)), protocol=4))
    safe_load.scan_pickle(long)
    monkeypatch.setattr(safe_load, "MAX_PICKLE_OPS", 1000)
    with pytest.raises(TrainerError, match="pickle operations"):
        safe_load.scan_pickle(long)
    monkeypatch.setattr(safe_load, "MAX_PICKLE_BYTES", 100)
    with pytest.raises(TrainerError, match="more than any network pickle needs"):
        safe_load.scan_pickle(long)


def _header(path: Path) -> tuple[dict, bytes]:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n]), raw[8 + n:]


def _write_safetensors(path: Path, header: dict | bytes, data: bytes) -> None:
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    path.write_bytes(struct.pack("<Q", len(text)) + text + data)


def _tampered_headers(header: dict) -> dict[str, object]:
    first = next(k for k in header if k != "__metadata__")
    bad_offsets = json.loads(json.dumps(header))
    bad_offsets[first]["data_offsets"] = [0, 1 << 50]
    huge_shape = json.loads(json.dumps(header))
    huge_shape[first]["shape"] = [1 << 40, 1 << 40]
    return {"deep": b"[" * 100_000 + b"]" * 100_000, "offsets": bad_offsets, "shape": huge_shape,
            "dtype": {**header, first: {**header[first], "dtype": "OBJECT"}}}


def test_tampered_safetensors_are_one_line(tmp_path):
    from trainers.stylegan2.checkpoint import load_generator

    weights = hostile.tiny_snapshot(tmp_path / "run")
    header, data = _header(weights)
    meta = weights.with_suffix(".json")
    cases = _tampered_headers(header)
    for name, bad in cases.items():
        target = tmp_path / name / weights.name
        target.parent.mkdir()
        target.with_suffix(".json").write_bytes(meta.read_bytes())
        _write_safetensors(target, bad, data)
        with pytest.raises(TrainerError) as info:
            load_generator(target)
        assert "\n" not in str(info.value), name
    huge = tmp_path / "huge" / weights.name  # a header length of 2^62
    huge.parent.mkdir()
    huge.with_suffix(".json").write_bytes(meta.read_bytes())
    huge.write_bytes(struct.pack("<Q", 1 << 62) + weights.read_bytes()[8:])
    with pytest.raises(TrainerError, match="header of"):
        load_generator(huge)


@pytest.mark.parametrize("change, message", [
    (lambda m: m["G_kwargs"].update(bogus=1), "bogus: Extra inputs are not permitted"),
    (lambda m: m.update(G_kwargs="abc"), "must be a JSON object"),
    (lambda m: m["G_kwargs"]["mapping_kwargs"].update(num_layers=100_000), "num_layers"),  # used to allocate 2.4 GB
    (lambda m: m["G_kwargs"].update(img_resolution=48), "power of two"),
    (lambda m: m["G_kwargs"].update(img_resolution=1 << 20), "img_resolution"),
    (lambda m: m["G_kwargs"]["synthesis_kwargs"].update(channel_max=1 << 30), "channel_max"),
    (lambda m: m["G_kwargs"].update(w_dim=16), "do not fit"),
    (lambda m: m.pop("G_kwargs"), "no G_kwargs"),
])
def test_snapshot_json_is_checked_before_anything_is_built(tmp_path, change, message):
    from trainers.stylegan2.checkpoint import load_generator

    weights = hostile.tiny_snapshot(tmp_path / "run")
    meta = json.loads(weights.with_suffix(".json").read_text())
    change(meta)
    weights.with_suffix(".json").write_text(json.dumps(meta))
    with pytest.raises(TrainerError, match=message) as info:
        load_generator(weights)
    assert "\n" not in str(info.value)


def _resume_cases(good: dict) -> dict[str, bytes]:
    import torch

    def saved(obj) -> bytes:
        buf = io.BytesIO()
        torch.save(obj, buf)
        return buf.getvalue()

    whole = saved(good)
    return {"random": os.urandom(4096), "truncated": whole[: len(whole) // 2], "empty-dict": saved({}),
            "code": saved({"x": TrainerError("a class, not a tensor")}), "empty-file": b""}


def test_a_damaged_resume_state_is_one_line_naming_the_file_and_what_to_do(tmp_path):
    from trainers.stylegan2.checkpoint import load_resume_state

    weights = hostile.tiny_snapshot(tmp_path / "run")
    good = {"counters": {}, "G": {}, "D": {}, "G_ema": {}, "opt": {}, "rng": {}}
    for name, data in _resume_cases(good).items():
        path = weights.parent / "resume.pt"
        path.write_bytes(data)
        with pytest.raises(TrainerError) as info:
            load_resume_state(path)
        text = str(info.value)
        assert str(path) in text and "--transfer" in text and weights.name in text, (name, text)
        assert "\n" not in text and "weights_only" not in text and "WeightsUnpickler" not in text, (name, text)


def test_a_resume_state_with_wrong_shapes_stops_the_run_with_one_line(tmp_path):
    import torch

    from test_eval_cli import _dataset_zip
    from trainers.stylegan2.options import options_from_preset
    from trainers.stylegan2.training_loop import train

    data = _dataset_zip(tmp_path / "train.zip", 4, 8)
    opts = options_from_preset("auto", 8, str(data), kimg=0.004, batch=4, aug="noaug", channel_base=64, channel_max=8,
                               map_layers=1, z_dim=8, w_dim=8, tick_kimg=0.004, snap=1, device="cpu", grid=(2, 2))
    run_dir = tmp_path / "run"
    torch.set_num_threads(1)
    train(opts, run_dir)
    state = torch.load(run_dir / "resume.pt", weights_only=True)
    first = next(iter(state["G"]))
    state["G"][first] = torch.zeros(3, 3, 3)
    torch.save(state, run_dir / "resume.pt")
    with pytest.raises(TrainerError, match="damaged resume state") as info:
        train(opts.model_copy(update={"kimg": 0.008}), run_dir)
    assert "--transfer" in str(info.value) and "\n" not in str(info.value)


# ------------------------------------------------------------------------------------------ file modes


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600)])
def test_files_users_get_follow_the_umask(tmp_path, umask, mode):
    from commons.atomic import write_bytes, write_text

    old = os.umask(umask)
    try:
        write_text(tmp_path / "manifest.json", "{}")
        write_bytes(tmp_path / "grid.png", b"x")
        ws = Workspace(tmp_path / "ws")
        ws.init()
        import_paths(ws, [_png(tmp_path / "a.png")], workers=1)  # config, manifest and object
    finally:
        os.umask(old)
    for path in [tmp_path / "manifest.json", tmp_path / "grid.png", ws.config_path, *ws.manifests.paths(), *_objects(ws)]:
        assert path.stat().st_mode & 0o777 == mode, path


# ------------------------------------------------------------------- beyond the audit's list


def _chunk(kind: bytes, data: bytes) -> bytes:
    import zlib

    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _raw_png(w: int, h: int, idat: bytes, extra: bytes = b"") -> bytes:
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + extra
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


def test_image_bombs_are_rejected_from_their_headers(tmp_path):
    import zlib

    src = tmp_path / "in"
    src.mkdir()
    tiny = zlib.compress(b"\x00" * 25 * 8)
    (src / "dims.png").write_bytes(_raw_png(20000, 20000, zlib.compress(b"\x00" * 60001 * 100)))  # 400 Mpx
    (src / "iccp.png").write_bytes(_raw_png(8, 8, tiny, _chunk(b"iCCP", b"x\x00\x00" + zlib.compress(b"\x00" * (64 << 20)))))
    (src / "ztxt.png").write_bytes(_raw_png(8, 8, tiny, _chunk(b"zTXt", b"k\x00\x00" + zlib.compress(b"A" * (64 << 20)))))
    ws = Workspace(tmp_path / "ws")
    started = time.monotonic()
    result = import_paths(ws, [src], workers=1)
    assert time.monotonic() - started < 20
    assert result.rejected == {"too_many_pixels": 1, "corrupt": 2}


def test_padding_an_extreme_aspect_ratio_stays_small(tmp_path):
    from curator.export.config import ExportConfig
    from curator.export.writer import export_manifest

    ws = Workspace(tmp_path / "ws")
    Image.new("RGB", (1_000_000, 1), "red").save(tmp_path / "wide.png")  # padded first, it was a 3 TB square
    import_paths(ws, [tmp_path / "wide.png"], workers=1)
    result = export_manifest(ws.manifests.load("latest"), ws.store, tmp_path / "o.zip", ExportConfig(resolution=32, fit="pad"))
    assert result.images == 1


def test_hostile_training_zips_are_one_line(tmp_path, cli):
    import zipfile
    import zlib

    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w") as zf:
        zf.writestr("00000/img00000000.png", _raw_png(20000, 20000, zlib.compress(b"\x00" * 60001 * 100)))
        zf.writestr("dataset.json", "{}")
    inflate = tmp_path / "inflate.zip"
    with zipfile.ZipFile(inflate, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("00000/img00000000.png", b"\x00" * (80 << 20))  # 80 MB of zeros in ~80 KB
        zf.writestr("dataset.json", "{}")
    (tmp_path / "not.zip").write_text("not a zip")
    for data, expected in ((bomb, "20000x20000"), (inflate, "unpacks to"), (tmp_path / "not.zip", "not a training-set ZIP")):
        code, _, err = cli(["-w", str(tmp_path / "ws"), "train", str(data), "--device", "cpu"])
        assert expected in hostile.one_line_error(code, err), err


def test_deeply_nested_json_is_refused_in_one_line(tmp_path, cli):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ManifestError, match="nested too deeply"):
        mio.load(deep)
    code, _, err = cli(["manifest", "validate", str(deep)])
    assert "nested too deeply" in hostile.one_line_error(code, err)


def test_an_io_error_in_the_store_stops_the_import_and_takes_its_objects_back(tmp_path, monkeypatch, ws):
    import errno

    from curator.store import ObjectStore

    src = tmp_path / "in"
    for i in range(4):
        _png(src / f"{i}.png", seed=i)
    real, calls = ObjectStore.put_bytes, []

    def flaky(self, data, oid=None, durable=True):
        calls.append(oid)
        if len(calls) == 3:
            raise OSError(errno.EIO, "Input/output error", str(self.path(oid)))
        return real(self, data, oid, durable)

    monkeypatch.setattr(ObjectStore, "put_bytes", flaky)
    with pytest.raises(CuratorError, match="input/output error while storing .* nothing was recorded"):
        import_paths(ws, [src], workers=1)
    assert len(calls) == 3 and _objects(ws) == [] and ws.manifests.paths() == []


def test_disk_errors_from_any_command_are_one_line_with_the_free_space(tmp_path):
    import errno

    from curator.errors import describe_os_error

    full = describe_os_error(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x.zip")))
    assert full.startswith(f"{tmp_path / 'x.zip'}: no space left") and "free there" in full
    assert "input/output error" in describe_os_error(OSError(errno.EIO, "Input/output error", "/d/f"))
    assert describe_os_error(OSError(errno.EACCES, "Permission denied", "/etc/x")) == "/etc/x: Permission denied"
    assert describe_os_error(OSError(errno.ECONNRESET, "reset")) is None  # not about the user's files: a bug, traceback


def test_a_pickled_storage_holding_an_object_never_shows_torchs_unsafe_advice(tmp_path):
    import torch

    from trainers.stylegan2.legacy_pkl import load_official_pkl

    blob = io.BytesIO()
    torch.save(TrainerError("not tensor data"), blob)
    storage = hostile._Call(torch.storage._load_from_bytes, blob.getvalue())
    path = hostile.network_pickle(tmp_path / "s.pkl", {"x": storage})
    with pytest.raises(TrainerError) as info:
        load_official_pkl(path)
    assert "weights_only" not in str(info.value) and "something other than tensor data" in str(info.value)
