"""`curator collect` end to end through the real gallery-dl Danbooru extractor, against a local server.

Nothing here reaches the internet: the server is on 127.0.0.1, every other host goes to a
proxy that refuses connections, and HOME is a temporary folder so no user gallery-dl config
(with real credentials) is read.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fakebooru import API, FakeBooru, file_key, make_posts, refuse  # noqa: E402
from fakesites.proxy import Faults  # noqa: E402

from curator.collect.run import CollectRequest, collect  # noqa: E402
from curator.errors import CuratorError  # noqa: E402
from curator.workspace import Workspace  # noqa: E402
from manifests.verify import verify  # noqa: E402

POSTS = make_posts(12)
ALLOWED = [p for p in POSTS if not p.mature and "3d" not in p.tags]  # 3 is explicit, 5 is tagged 3d
TOML = """
[collect]
request_interval = 0
retry_backoff = 0.05
backoff_429 = 0.05
timeout = 5
user_gallery_dl_config = false
[collect.filters]
min_size = 64
[collect.sites.danbooru]
options = {threshold = 1}
[collect.sites.safebooru]
options = {threshold = 1}
"""


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "home" / ".config"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # discard port: anything non-local fails at once
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")


@pytest.fixture
def ws(ws: Workspace) -> Workspace:  # conftest's, with this module's settings
    ws.config_path.write_text(TOML)
    return ws


def _request(booru: FakeBooru, **kw) -> CollectRequest:
    return CollectRequest("elf", queries=["elf", "mascot"], sources={"danbooru": booru.root}, **kw)


def test_collects_every_allowed_post_once_through_faults(ws):
    truncated, flaky, noai = ALLOWED[1], ALLOWED[2], ALLOWED[3]
    faults = Faults(before={API: refuse(429, 500), file_key(flaky): refuse(500)}, cut={file_key(truncated)},
                    headers={file_key(noai): {"X-Robots-Tag": "noai, noimageai"}})
    with FakeBooru(POSTS, faults) as booru:
        result = collect(ws, _request(booru))
        hits_after_first = booru.file_hits()
        again = collect(ws, _request(booru))
        assert booru.file_hits() == hits_after_first, "a second run must fetch no file again"

    (report,) = result.reports
    assert report.status == "ok", report
    assert (report.new, report.failed) == (len(ALLOWED), 0)
    assert report.found == len(POSTS) + sum("mascot" in p.tags for p in POSTS)
    assert report.already == sum("mascot" in p.tags for p in ALLOWED)  # found again by the second query
    assert report.filtered == 2 + ("mascot" in POSTS[2].tags) + ("mascot" in POSTS[4].tags)
    # Disallowed posts are never downloaded; retried files were fetched until whole, the rest once.
    for post in POSTS:
        expected = 0 if post not in ALLOWED else 2 if post in (truncated, flaky) else 1
        assert hits_after_first[file_key(post)] == expected, post.id

    m = ws.manifests.load("latest")
    assert m.stage == "collect" and result.manifest_path is not None and again.manifest_path is None
    assert len(m.items) == len(ALLOWED) and not verify(m, ws.root)
    by_page = {it.sources[0].page: it for it in m.items}
    for post in ALLOWED:
        item = by_page[f"{booru.root}/posts/{post.id}"]
        src = item.sources[0]
        assert (src.site, src.url, src.artist, src.rating, src.query) == (
            "danbooru", booru.site.file_url(post), post.artist, "general", "elf")
        assert "elf" in src.tags and src.posted.startswith("2024-01-") and src.fetched and src.extra["id"] == post.id
        if post is noai:
            assert item.status == "rejected" and item.object is None and src.opt_out == ["X-Robots-Tag: noai, noimageai"]
            assert [r.code for r in item.reasons] == ["opt_out"]
        else:
            assert item.status == "kept" and ws.store.get_bytes(item.id) == post.image
            assert (item.width, item.height, item.format) == (post.size, post.size, "PNG")
    assert m.stats["collect"]["danbooru"]["new"] == len(ALLOWED)


def test_kill_mid_run_then_resume_fetches_nothing_twice(ws):
    with FakeBooru(POSTS, Faults(file_delay=0.15)) as booru:
        cmd = [sys.executable, "-m", "curator.cli.app", "-w", str(ws.root), "collect", "elf", "-q", "elf", "-q", "mascot",
               "--source", f"danbooru={booru.root}"]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while len(_stored(ws)) < 3 and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.02)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)  # curator and its gallery-dl child, like a lost terminal
            proc.wait()
        assert not ws.manifests.paths(), "the run was killed before it could write a manifest"
        stored_at_kill = _stored(ws)
        hits_at_kill = booru.file_hits()
        assert 3 <= len(stored_at_kill) < len(ALLOWED)

        result = collect(ws, _request(booru))
        hits = booru.file_hits()

    for post in ALLOWED:
        if post.image in stored_at_kill:
            assert hits[file_key(post)] == hits_at_kill[file_key(post)], f"post {post.id} fetched again"
        assert hits[file_key(post)] <= 2  # at most the one download the kill interrupted is repeated
    m = ws.manifests.load("latest")
    assert sorted(it.id for it in m.items) == sorted({it.id for it in m.items})
    assert {it.sources[0].page for it in m.items} == {f"{booru.root}/posts/{p.id}" for p in ALLOWED}
    assert not verify(m, ws.root) and result.reports[0].status == "ok"
    assert not (ws.root / "cache" / "collect" / "journal.jsonl").exists()


def _stored(ws: Workspace) -> set[bytes]:
    root = ws.store.root
    return {p.read_bytes() for p in root.glob("*/*")} if root.is_dir() else set()


def test_failing_source_does_not_stop_the_others(ws):
    refusing = Faults(before={API: refuse(403) * 20})
    with FakeBooru(POSTS) as good, FakeBooru(POSTS, refusing) as bad:
        result = collect(ws, CollectRequest("elf", queries=["elf"], sources={"danbooru": good.root,
                                                                            "safebooru": bad.root}))
        assert not bad.file_hits()
    reports = {r.source: r for r in result.reports}
    assert reports["danbooru"].status == "ok" and reports["danbooru"].new == len(ALLOWED)
    assert reports["safebooru"].status == "failed" and reports["safebooru"].reason == "403 Forbidden"
    assert "cookies" in reports["safebooru"].advice
    assert len(ws.manifests.load("latest").items) == len(ALLOWED)


def test_dry_run_and_limits(ws):
    with FakeBooru(POSTS) as booru:
        dry = collect(ws, _request(booru, dry_run=True))
        assert not booru.file_hits() and not ws.manifests.paths()
        assert sorted(int(k) for k, _, _ in dry.reports[0].would) == sorted(p.id for p in ALLOWED)
        limited = collect(ws, _request(booru, limit=4))
        assert limited.reports[0].status == "limit"
        assert len(ws.manifests.load("latest").items) == 4
        rest = collect(ws, _request(booru))
        assert rest.reports[0].new <= len(ALLOWED) - 4  # leftovers past the limit are swept, not refetched
        # Only a download the limit interrupted may be asked for again (and is resumed, not restarted).
        assert sum(n - 1 for n in booru.file_hits().values()) <= 1
    assert len(ws.manifests.load("latest").items) == len(ALLOWED)


def test_presets_sources_and_user_errors(ws):
    cfg = ws.config.collect
    assert {"elf", "mascot", "yuru-chara"} <= set(cfg.subjects)
    ws.config_path.write_text(TOML + '[collect.subjects.kappa]\nqueries = ["kappa"]\n')
    ws = Workspace(ws.root)
    assert {"elf", "kappa"} <= set(ws.config.collect.subjects), "a user preset adds to the shipped ones"
    with pytest.raises(CuratorError, match="no preset for subject 'goblin'"):
        collect(ws, CollectRequest("goblin"))
    with pytest.raises(CuratorError, match="unknown source 'nosuchsite'"):
        collect(ws, CollectRequest("elf", sources={"nosuchsite": None}))
    # Pixiv needs a refresh token that this (empty) home has not got: reported, not attempted.
    (report,) = collect(ws, CollectRequest("elf", sources={"pixiv": None})).reports
    assert report.status == "skipped" and "refresh-token" in report.advice


def test_cli_reports_user_errors_in_one_line(ws):
    proc = subprocess.run([sys.executable, "-m", "curator.cli.app", "-w", str(ws.root), "collect", "elf",
                           "--source", "danbooru=ftp://x"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "must start with http" in proc.stderr and "Traceback" not in proc.stderr


def test_journal_keeps_items_a_killed_run_left_even_after_a_torn_line(tmp_path):
    from curator.collect.writer import Journal
    from manifests import Item

    path = tmp_path / "journal.jsonl"
    first, second = Item(id="a" * 64, bytes=1), Item(id="b" * 64, bytes=2)
    path.write_text(first.model_dump_json(exclude_defaults=True) + "\n" + '{"id": "cut sh')  # killed mid-line
    journal = Journal(path)
    journal.append(second)
    journal.close()
    assert [it.id for it in journal.items()] == [first.id, second.id]
    # The file alone (what the next run would read after a kill now) holds both as well.
    assert [it.id for it in Journal(path).items()] == [first.id, second.id]
    journal.clear()
    assert not path.exists() and list(journal.items()) == []
