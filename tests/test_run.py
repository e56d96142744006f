"""`curator run`: the whole chain on the sample corpus at tiny size, resumed after a kill, planned, paused."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomli_w

from curator.workspace import Workspace
from manifests.io import now_iso

REPO = Path(__file__).resolve().parents[1]
STEPS = ["import", "process", "cluster", "review", "export", "train", "eval", "generate"]
EPOCH = "1700000000"  # a pinned clock: manifests' times, hence ids, are the same in every workspace


def tiny_config(animeface: Path) -> dict:
    """A run of seconds: pixel embeddings, 32 px, a 0.1 kimg StyleGAN2 with a snapshot every other tick."""
    return {
        "process": {"animeface_path": str(animeface), "workers": 1},
        "cluster": {"embedder": "pixels", "workers": 1},
        "export": {"resolution": 32, "fit": "crop"},
        "train": {"workers": 0, "device": "cpu"},
        "eval": {"num": 64, "device": "cpu"},
        "generate": {"seeds": [0, 1, 2, 3], "truncation_psi": 0.7},
        "run": {"snapshot_metrics_num": 64,
                "train": {"kimg": 0.1, "batch": 4, "channel_base": 512, "channel_max": 32, "z_dim": 32, "w_dim": 32,
                          "tick_kimg": 0.02, "snap": 2}},
    }


def new_workspace(root: Path, config: dict) -> Path:
    root.mkdir(parents=True)
    (root / "curator.toml").write_text(tomli_w.dumps(config))
    return root


def spawn(ws: Path, corpus: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1",
           "FIFTYONE_DO_NOT_TRACK": "true", "PYTHONWARNINGS": "ignore"}
    return subprocess.Popen([sys.executable, "-m", "curator.cli.app", "-w", str(ws), "run", "--from", str(corpus), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def finish(proc: subprocess.Popen) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    return out


def status(out: str) -> dict[str, str]:
    """step -> the word after its name on its line ('up', 'made', 'resumed', 'would', ...)."""
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if not line[:1].isspace() and parts and parts[0] in ("collect", *STEPS) and len(parts) > 1:
            found[parts[0]] = parts[1]
    return found


def versions(ws: Path) -> list[str]:
    return sorted(p.name for p in (ws / "manifests").glob("*.json"))


@pytest.fixture(scope="module")
def config(animeface_xml) -> dict:
    return tiny_config(animeface_xml)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, corpus_dir, config) -> tuple[Path, str]:
    ws = new_workspace(tmp_path_factory.mktemp("run-a") / "ws", config)
    return ws, finish(spawn(ws, corpus_dir, "--no-review"))


def test_the_whole_chain_runs_and_sums_up(uninterrupted):
    ws, out = uninterrupted
    assert status(out) == {name: "made" for name in STEPS if name != "review"} | {"review": "skipped"}
    assert [v.split("-")[1] for v in versions(ws)] == ["import", "process", "cluster"]
    run_dir = next((ws / "runs").iterdir())
    swd = [json.loads(line)["swd"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert len(swd) >= 2
    assert f"SWD at the first snapshot {swd[0]:.4g}, at the last {swd[-1]:.4g}" in out
    assert f"samples: {run_dir / 'samples' / 'grid.png'}" in out and (run_dir / "samples" / "grid.png").is_file()
    assert f"reals:   {run_dir / 'samples' / 'reals.png'}" in out and (run_dir / "samples" / "reals.png").is_file()
    assert f"run folder: {run_dir}" in out
    assert (run_dir / "network-snapshot-000000.eval.json").is_file()


def test_no_review_is_recorded_in_the_run_config(uninterrupted):
    ws, _ = uninterrupted
    config = json.loads((ws / "run.json").read_text())["config"]
    assert config["review"] == "skip" and config["review_skipped"] is True


def test_killed_during_training_then_run_again_gives_the_uninterrupted_result(tmp_path, corpus_dir, config, uninterrupted):
    ws_a, _ = uninterrupted
    ws = new_workspace(tmp_path / "ws", config)
    proc = spawn(ws, corpus_dir, "--no-review")
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        metrics = list((ws / "runs").glob("*/metrics.jsonl"))
        if metrics and len(metrics[0].read_text().splitlines()) >= 2 and (metrics[0].parent / "resume.pt").is_file():
            break
        assert proc.poll() is None, "the run ended before it could be killed during training"
        time.sleep(0.05)
    assert proc.poll() is None, "training finished before a second snapshot was seen"
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    before = versions(ws)
    record = json.loads((ws / "run.json").read_text())
    assert "train" not in record["steps"] and "export" in record["steps"]

    out = finish(spawn(ws, corpus_dir, "--no-review"))
    got = status(out)
    assert [got[s] for s in ("import", "process", "cluster", "review", "export")] == ["up"] * 5
    assert got["train"] == "resumed" and got["eval"] == "made" and got["generate"] == "made"
    assert versions(ws) == before == versions(ws_a)  # same versions, same content ids
    # The resumed training ends where the uninterrupted one did.
    run_a, run_b = next((ws_a / "runs").iterdir()), next((ws / "runs").iterdir())
    assert run_a.name == run_b.name
    last = lambda run: json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])  # noqa: E731
    assert last(run_b)["kimg"] == last(run_a)["kimg"] == 0.1
    # Resuming is exact (one thread each, the trainer's own resume state): the same final weights.
    weights = "network-snapshot-000000.safetensors"
    assert (run_b / weights).read_bytes() == (run_a / weights).read_bytes()


def test_dry_run_on_a_finished_run_says_everything_is_up_to_date(uninterrupted, corpus_dir, cli):
    ws, _ = uninterrupted
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review", "--dry-run"])
    assert code == 0
    assert status(out) == {name: "up" for name in STEPS}
    assert "plan: everything is up to date" in out


@pytest.mark.parametrize(("section", "key", "value", "rerun"), [
    ("eval", "num", 80, ["eval"]),
    ("generate", "truncation_psi", 0.5, ["generate"]),
    ("cluster", "outlier_z", 2.5, ["cluster", "review", "export", "train", "eval", "generate"]),
    ("process", "min_entropy", 2.5, ["process", "cluster", "review", "export", "train", "eval", "generate"]),
    ("export", "fit", "pad", ["export", "train", "eval", "generate"]),
])
def test_changing_one_threshold_names_exactly_the_steps_that_would_rerun(uninterrupted, corpus_dir, config, cli,
                                                                         tmp_path, section, key, value, rerun):
    ws_a, _ = uninterrupted
    ws = tmp_path / "ws"
    shutil.copytree(ws_a, ws)
    changed = json.loads(json.dumps(config))
    changed.setdefault(section, {})[key] = value
    (ws / "curator.toml").write_text(tomli_w.dumps(changed))
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review", "--dry-run"])
    assert code == 0
    got = status(out)
    assert [s for s in STEPS if got[s] == "would"] == rerun
    assert [s for s in STEPS if got[s] == "up"] == [s for s in STEPS if s not in rerun]
    assert f"plan: {', '.join(rerun)} would run" in out
    assert f"its settings changed ([{section}]" in out


def test_until_stops_after_the_named_step(tmp_path, corpus_dir, config, cli):
    ws = new_workspace(tmp_path / "ws", config)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "process"])
    assert code == 0, err
    assert status(out) == {"import": "made", "process": "made"}
    assert [v.split("-")[1] for v in versions(ws)] == ["import", "process"]
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--dry-run"])
    got = status(out)
    assert (got["import"], got["process"], got["cluster"]) == ("up", "up", "would")


def test_review_pauses_and_running_again_takes_the_reviewers_decisions(tmp_path, corpus_dir, config, cli):
    ws = new_workspace(tmp_path / "ws", config)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "export"])
    assert code == 0, err
    assert status(out) == {"import": "made", "process": "made", "cluster": "made", "review": "paused"}
    assert f"next: `curator run --from {corpus_dir}` again to continue" in out and "curator review" in out
    assert not (ws / "exports").exists() and not (ws / "cache" / "datasets").exists()
    # A dry run now says what is waiting.
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "export", "--dry-run"])
    assert status(out)["review"] == "would" and "takes your review decisions" in out

    # The reviewer rejects one crop (as `curator review --sync` would write it).
    clustered = Workspace(ws).manifests.latest(["cluster"])
    reviewed = _reject_one(Workspace(ws), clustered)

    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "export"])
    assert code == 0, err
    got = status(out)
    assert (got["cluster"], got["review"], got["export"]) == ("up", "continued", "made")
    assert f"version {reviewed.id[:12]}" in out
    export = json.loads((ws / "run.json").read_text())["steps"]["export"]
    assert export["input"] == reviewed.id and export["done"]["counts"]["images"] == clustered.summary()["kept"] - 1


def test_contradictory_options_are_one_line_errors(tmp_path, corpus_dir, cli):
    code, _, err = cli(["-w", str(tmp_path), "run", "--from", str(corpus_dir), "--review-now", "--no-review"])
    assert code == 2 and "contradict" in err and "Traceback" not in err
    code, _, err = cli(["-w", str(tmp_path), "run", "elf", "--from", str(corpus_dir), "--dry-run"])
    assert code == 2 and "not both" in err
    code, _, err = cli(["-w", str(tmp_path), "run", "--from", str(tmp_path / "nowhere"), "--dry-run"])
    assert code == 2 and "no such folder" in err
    code, _, err = cli(["-w", str(tmp_path), "run", "--from", str(corpus_dir), "--until", "deploy", "--dry-run"])
    assert code == 2 and "--until must be" in err


def test_source_date_epoch_pins_manifest_times(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert now_iso() == "2023-11-14T22:13:20+00:00"
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert now_iso() != "2023-11-14T22:13:20+00:00"


def _reject_one(ws: Workspace, manifest) -> object:
    """What a reviewer's sync writes: the version with one kept crop rejected, stage 'review'."""
    from manifests import Reason

    items = [it.model_copy(deep=True) for it in manifest.items]
    next(it for it in items if it.status == "kept").reject(Reason(code="review_reject", stage="review"))
    return ws.manifests.commit(manifest, "review", {"reviewer": "test"}, items, {"review": {"reject": 1}}).manifest


def test_review_now_opens_the_app_and_continues_with_the_decisions(tmp_path, corpus_dir, config, cli, monkeypatch):
    import curator.review.session as session

    opened = []

    def app(ws, manifest, open_browser=True, say=print):
        opened.append(manifest.id)
        return _reject_one(ws, manifest)

    monkeypatch.setattr(session, "review_in_app", app)
    ws = new_workspace(tmp_path / "ws", config)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "export", "--review-now"])
    assert code == 0, err
    clustered = Workspace(ws).manifests.latest(["cluster"])
    reviewed = Workspace(ws).manifests.latest(["review"])
    assert opened == [clustered.id] and reviewed.parent == clustered.id
    got = status(out)
    assert (got["review"], got["export"]) == ("made", "made") and f"version {reviewed.id[:12]}" in out
    # Done once: the same command again opens nothing.
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--until", "export", "--review-now"])
    assert code == 0 and opened == [clustered.id] and status(out)["review"] == "up"


def test_a_subject_starts_with_collect(tmp_path, cli):
    code, out, err = cli(["-w", str(tmp_path), "run", "elf", "--dry-run"])
    assert code == 0, err
    got = status(out)
    assert list(got) == ["collect", *STEPS[1:]] and set(got.values()) == {"would"}
    assert "asks the sources for new images" in out and "after collect" in out


def test_without_its_record_the_run_redoes_no_stage_and_reuses_the_finished_training(uninterrupted, corpus_dir, cli,
                                                                                      tmp_path):
    ws_a, _ = uninterrupted
    ws = tmp_path / "ws"
    shutil.copytree(ws_a, ws)
    (ws / "run.json").unlink()
    before = versions(ws)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review", "--until", "train"])
    assert code == 0, err
    got = status(out)
    # Each stage finds its version already there (ManifestRepo.commit writes nothing) and the run folder finished.
    assert [got[s] for s in ("import", "process", "cluster", "train")] == ["nothing", "unchanged", "unchanged", "reused"]
    assert versions(ws) == before


def test_asking_for_more_kimg_resumes_the_finished_run(uninterrupted, corpus_dir, config, cli, tmp_path):
    ws_a, _ = uninterrupted
    ws = tmp_path / "ws"
    shutil.copytree(ws_a, ws)
    longer = json.loads(json.dumps(config))
    longer["run"]["train"]["kimg"] = 0.14
    (ws / "curator.toml").write_text(tomli_w.dumps(longer))
    args = ("-w", str(ws), "run", "--from", str(corpus_dir), "--no-review")
    code, out, _ = cli([*args, "--dry-run"])
    got = status(out)
    assert [s for s in STEPS if got[s] == "would"] == ["train", "eval", "generate"]
    assert "train     would run   resumes its run from the snapshot at 0.1 kimg" in out
    code, out, err = cli([*args, "--until", "train"])
    assert code == 0, err
    assert "train     resumed from 0.1 kimg" in out
    runs = list((ws / "runs").iterdir())
    assert len(runs) == 1 and json.loads((runs[0] / "metrics.jsonl").read_text().splitlines()[-1])["kimg"] == 0.14


def test_a_misspelt_trainer_option_stops_the_run_before_its_first_step(tmp_path, corpus_dir, config, cli):
    bad = {**config, "run": {**config["run"], "train": {**config["run"]["train"], "kimgs": 2}}}
    ws = new_workspace(tmp_path / "ws", bad)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review"])
    assert code == 2 and "kimgs" in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (ws / "manifests").exists() or versions(ws) == []


def test_run_trains_yurugans_model_when_run_train_names_it(tmp_path, corpus_dir, config, cli):
    yuru = {**config, "run": {**config["run"], "cond": True, "snapshot_metrics": [],
                              "train": {"model": "yurugan", "kimg": 0.04, "batch": 4, "snap": 1, "tick_kimg": 0.02,
                                        "channel_max": 32}}}
    ws = new_workspace(tmp_path / "ws", yuru)
    code, out, err = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review", "--until", "train"])
    assert code == 0, err
    assert status(out)["train"] == "made"
    run_dir = next((ws / "runs").iterdir())
    assert json.loads((run_dir / "config.json").read_text())["model"] == "yurugan"
    code, out, _ = cli(["-w", str(ws), "run", "--from", str(corpus_dir), "--no-review", "--until", "train", "--dry-run"])
    assert code == 0 and status(out)["train"] == "up" and "everything is up to date" in out
