"""The README's promise, command by command: a user mistake is one line on stderr, exit code 2,
no traceback. Each row is a mistake someone will make; none of them may reach a traceback.

Rows marked "issue 14" were tracebacks or silent acceptances in the audit.
"""

from __future__ import annotations

import shutil

import pytest
import torch

import hostile

NO_GPU = not torch.cuda.is_available()

# (name, arguments; {ws} {tmp} {snap} {pkl} {many} are filled in, substring the line must hold)
MISTAKES = [
    # Workspaces and config
    ("workspace is a file (import)", ["-w", "/etc/passwd", "import", "{tmp}"], "not a folder"),  # issue 14
    ("workspace is a file (init)", ["-w", "/etc/hostname", "init"], "not a folder"),  # issue 14
    ("config not UTF-8", ["-w", "{badutf8}", "import", "{tmp}"], "not UTF-8"),
    ("config not TOML", ["-w", "{badtoml}", "import", "{tmp}"], "not valid TOML"),
    ("config unknown key", ["-w", "{badkey}", "import", "{tmp}"], "Extra inputs"),
    ("config negative workers", ["-w", "{badworkers}", "import", "{tmp}"], "workers"),
    # Click's own usage errors, in one line too
    ("unknown command", ["bogus"], "No such command"),
    ("missing argument", ["import"], "Missing"),
    ("integer option given text", ["-w", "{ws}", "train", "--batch", "abc"], "--batch"),
    ("unknown option", ["-w", "{ws}", "export", "--bogus"], "No such option"),
    # import
    ("import a missing path", ["-w", "{ws}", "import", "{tmp}/missing"], "no such file"),
    ("import --workers -1", ["-w", "{ws}", "import", "{many}", "--workers", "-1"], "--workers"),  # issue 14
    # manifest
    ("validate a folder", ["manifest", "validate", "{tmp}"], "a folder"),  # issue 14
    ("validate a missing file", ["manifest", "validate", "{tmp}/nothing.json"], "no such file"),
    ("validate non-JSON", ["manifest", "validate", "{notjson}"], "not valid JSON"),
    ("validate non-UTF-8", ["manifest", "validate", "{badutf8}/curator.toml"], "not UTF-8"),
    ("show an unknown ref", ["-w", "{ws}", "manifest", "show", "nosuchstage"], "no manifest"),
    ("diff an unknown ref", ["-w", "{ws}", "manifest", "diff", "latest", "ffff0000"], "no manifest"),
    ("show in an empty workspace", ["-w", "{tmp}/empty", "manifest", "show"], "no manifests"),
    # process / cluster
    ("process an unknown ref", ["-w", "{ws}", "process", "nosuchref"], "no manifest"),
    ("cluster --k-method bogus", ["-w", "{ws}", "cluster", "--k-method", "bogus"], "--k-method"),
    ("cluster --device bogus", ["-w", "{ws}", "cluster", "--embedder", "pixels", "--device", "bogus"], "--device bogus"),
    ("cluster --checkpoint for pixels", ["-w", "{ws}", "cluster", "--embedder", "pixels", "--checkpoint", "{tmp}/w.pth"],
     "not for 'pixels'"),  # was dropped silently
    ("config image_size for clip", ["-w", "{clipsize}", "import", "{tmp}"], "image_size = 336 is for the resnet50"),
    # export
    ("export --out in /proc", ["-w", "{ws}", "export", "--fit", "crop", "--resolution", "32", "--out", "/proc/x.zip"], "/proc"),  # issue 14
    ("export --out under a file", ["-w", "{ws}", "export", "--fit", "crop", "--resolution", "32", "--out", "/etc/hostname/x.zip"], "hostname"),
    ("export --resolution 0", ["-w", "{ws}", "export", "--resolution", "0"], "--resolution"),  # issue 14
    ("export --resolution 48", ["-w", "{ws}", "export", "--resolution", "48"], "power of two"),
    ("export --resolution 4096", ["-w", "{ws}", "export", "--resolution", "4096"], "power of two"),
    ("export --fit bogus", ["-w", "{ws}", "export", "--fit", "bogus"], "--fit"),
    ("export --augment -1", ["-w", "{ws}", "export", "--augment", "-1"], "--augment"),
    ("export non-square items", ["-w", "{ws}", "export", "--resolution", "32"], "not square"),
    # train
    ("train --batch 0", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--batch", "0", "--device", "cpu"], "batch"),  # issue 14
    ("train --kimg -1", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--kimg", "-1", "--device", "cpu"], "kimg"),  # issue 14
    ("train --kimg nan", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--kimg", "nan", "--device", "cpu"], "kimg"),
    ("train --glr 0", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--glr", "0", "--device", "cpu"], "glr"),
    ("train --gamma -1", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--gamma", "-1", "--device", "cpu"], "gamma"),
    ("train --p 2", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--aug", "fixed", "--p", "2", "--device", "cpu"], "--p"),
    ("train --snap 0", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--snap", "0", "--device", "cpu"], "snap"),
    ("train --tick 0", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--tick", "0", "--device", "cpu"], "tick"),
    ("train --channel-max 0", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--channel-max", "0", "--device", "cpu"], "--channel-max"),
    ("train --resolution 48", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "48"], "power of two"),
    ("train --resolution 0", ["-w", "{ws}", "train", "--resolution", "0"], "--resolution"),
    ("train --cfg bogus", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--cfg", "bogus", "--device", "cpu"], "--cfg"),
    ("train --aug bogus", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--aug", "bogus"], "--aug"),
    ("train --device bogus", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--device", "bogus"], "--device bogus"),
    ("train --resume a non-run", ["-w", "{ws}", "train", "--resume", "{tmp}"], "not a run folder"),
    ("train --transfer nowhere", ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--transfer", "{tmp}/nowhere.pkl", "--device", "cpu"], "no such file"),
    # generate
    ("generate --out is a file", ["generate", "{snap}", "--seeds", "0", "--out", "/etc/hostname"], "hostname"),  # issue 14
    ("generate --device bogus", ["generate", "{snap}", "--seeds", "0", "--out", "{tmp}/g", "--device", "bogus"], "--device bogus"),  # issue 14
    ("generate --trunc nan", ["generate", "{snap}", "--seeds", "0", "--out", "{tmp}/g", "--trunc", "nan"], "--truncation-psi"),  # issue 14
    ("generate --trunc-cutoff -1", ["generate", "{snap}", "--seeds", "0", "--out", "{tmp}/g", "--trunc-cutoff", "-1"], "--truncation-cutoff"),  # issue 14
    ("generate --mix-layers abc", ["generate", "{snap}", "--out", "{tmp}/g", "--style-mix", "--mix-layers", "abc"], "--mix-layers"),  # issue 14
    ("generate --seeds abc", ["generate", "{snap}", "--seeds", "abc", "--out", "{tmp}/g"], "bad seed list"),
    ("generate 4 billion seeds", ["generate", "{snap}", "--seeds", "0-4294967295", "--out", "{tmp}/g"], "more than"),
    ("generate --frames 1", ["generate", "{snap}", "--out", "{tmp}/g", "--frames", "1"], "--frames"),
    ("generate --noise-mode bogus", ["generate", "{snap}", "--out", "{tmp}/g", "--noise-mode", "bogus"], "--noise-mode"),
    ("generate --gif alone", ["generate", "{snap}", "--out", "{tmp}/g", "--gif"], "--gif needs --interpolate"),
    ("generate --class on unconditional", ["generate", "{snap}", "--seeds", "0", "--out", "{tmp}/g", "--class", "3"], "unconditional"),
    ("generate a missing checkpoint", ["generate", "{tmp}/nothing.safetensors", "--out", "{tmp}/g"], "no such checkpoint"),
    ("generate a pickle with wrong kwargs", ["generate", "{pkl}", "--seeds", "0", "--out", "{tmp}/g"], "constructor argument"),  # issue 14
    # eval
    ("eval a pickle with wrong kwargs", ["-w", "{ws}", "eval", "{pkl}", "--metrics", "swd"], "constructor argument"),  # issue 14
    ("eval --metrics bogus", ["-w", "{ws}", "eval", "{snap}", "--metrics", "bogus"], "bogus"),
    ("eval --num 0", ["-w", "{ws}", "eval", "{snap}", "--num", "0"], "--num"),
    ("eval --batch 0", ["-w", "{ws}", "eval", "{snap}", "--batch", "0"], "--batch"),
    ("eval --protocol bogus", ["-w", "{ws}", "eval", "{snap}", "--protocol", "bogus"], "--protocol"),
    ("eval --device bogus", ["-w", "{ws}", "eval", "{snap}", "--device", "bogus"], "--device bogus"),
    # review (refused before any database or server starts)
    ("review --port 99999", ["-w", "{ws}", "review", "--port", "99999", "--remote"], "--port"),  # issue 14
    ("review --port 0", ["-w", "{ws}", "review", "--port", "0", "--remote"], "--port"),
    # sample / collect
    ("sample --size 8", ["sample", "{tmp}/corpus", "--size", "8"], "--size"),
    ("collect an unknown subject", ["-w", "{ws}", "collect", "nosuchsubject"], "no preset"),
]
if NO_GPU:
    MISTAKES.append(("train --device cuda without a GPU",  # issue 14
                     ["-w", "{ws}", "train", "--fit", "crop", "--resolution", "32", "--device", "cuda"], "no CUDA GPU"))


@pytest.fixture(scope="module")
def places(tmp_path_factory, _imported_template) -> dict[str, str]:
    root = tmp_path_factory.mktemp("mistakes")
    ws = root / "ws"
    shutil.copytree(_imported_template, ws)
    tmp = root / "tmp"
    (tmp / "empty").mkdir(parents=True)
    many = root / "many"
    many.mkdir()
    for i in range(70):  # 64 files or more take the worker-pool path
        (many / f"{i}.txt").write_text(str(i))
    configs = {"badutf8": b"[import]\nworkers = 1 # \xff\xfe\n", "badtoml": b"[import\n", "badkey": b"[import]\nbogus = 1\n",
               "badworkers": b"[import]\nworkers = -1\n", "clipsize": b"[cluster]\nembedder = \"clip\"\nimage_size = 336\n"}
    out = {"ws": str(ws), "tmp": str(tmp), "many": str(many)}
    for name, text in configs.items():
        folder = root / name
        folder.mkdir()
        (folder / "curator.toml").write_bytes(text)
        out[name] = str(folder)
    (root / "notjson.json").write_text("{nope")
    out["notjson"] = str(root / "notjson.json")
    out["snap"] = str(hostile.tiny_snapshot(root / "run"))
    out["pkl"] = str(hostile.network_pickle(root / "wrong.pkl", {"z_dim": 8, "c_dim": 0, "w_dim": 8, "img_resolution": 8,
                                                                  "img_channels": 3, "num_layers": 2}))
    return out


def test_there_are_at_least_forty_mistakes():
    assert len(MISTAKES) >= 40
    assert len({name for name, _, _ in MISTAKES}) == len(MISTAKES)


@pytest.mark.parametrize("name, args, expected", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_user_mistake_is_one_line_and_exit_code_2(places, cli, name, args, expected):
    argv = [a.format(**places) for a in args]
    code, _out, err = cli(argv)
    line = hostile.one_line_error(code, err)
    assert expected in line, line


def test_a_genuine_bug_keeps_its_traceback(monkeypatch, capsys):
    from curator.cli import init_cmd

    def broken() -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(init_cmd, "workspace", broken)
    from curator.cli.app import main

    with pytest.raises(ZeroDivisionError):
        main(["init"])


def test_debug_mode_shows_the_traceback_of_a_user_mistake(monkeypatch, capsys, tmp_path):
    from curator.cli.app import main
    from curator.errors import CuratorError

    monkeypatch.setenv("CURATOR_DEBUG", "1")
    with pytest.raises(CuratorError):
        main(["-w", str(tmp_path), "import", str(tmp_path / "missing")])
