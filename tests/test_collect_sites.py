"""`curator collect` through gallery-dl's real extractors for every source, against local fakes.

Each site's fake (tests/fakesites/) answers the API requests its gallery-dl extractor makes, on
the real host names: gallery-dl's `proxy` option points at a local TLS-terminating proxy and its
`verify` option at the test CA that signed the proxy's certificate. Nothing reaches the internet:
hosts without a fake are refused, and HOME is a temporary folder whose gallery-dl config holds
fake credentials (Gelbooru's API key, Pixiv's refresh token; Pinterest gets a cookies.txt).
"""

from __future__ import annotations

import json
import re
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fakesites.artstation import ArtStation  # noqa: E402
from fakesites.danbooru import Danbooru, Safebooru  # noqa: E402
from fakesites.deviantart import DeviantArt  # noqa: E402
from fakesites.flickr import Flickr  # noqa: E402
from fakesites.gelbooru import API_KEY, USER_ID, Gelbooru  # noqa: E402
from fakesites.pinterest import Pinterest  # noqa: E402
from fakesites.pixiv import REFRESH_TOKEN, Pixiv  # noqa: E402
from fakesites.proxy import Fault, FakeInternet, Faults, key_of  # noqa: E402
from fakesites.wikimedia import Wikimedia  # noqa: E402
from fakesites.works import make_works  # noqa: E402

from curator.collect import gallerydl  # noqa: E402
from curator.collect.run import CollectRequest, collect  # noqa: E402
from curator.collect.sources import registry  # noqa: E402
from curator.workspace import Workspace  # noqa: E402
from manifests.verify import verify  # noqa: E402

SITES = [Danbooru, Safebooru, DeviantArt, ArtStation, Wikimedia,
         Flickr, Gelbooru, Pixiv, Pinterest]
RATED = {"danbooru", "safebooru", "deviantart", "artstation", "gelbooru", "pixiv"}  # sites whose API says what is mature
BASE_TOML = """
[collect]
request_interval = 0
retry_backoff = 0.05
backoff_429 = 0.05
timeout = 5
[collect.filters]
min_size = 64
"""


@pytest.fixture(autouse=True)
def offline_home(monkeypatch, tmp_path):
    home = tmp_path / "home"
    cfg = home / ".config" / "gallery-dl" / "config.json"
    cfg.parent.mkdir(parents=True)
    cfg.write_text(json.dumps({"extractor": {"gelbooru": {"api-key": API_KEY, "user-id": USER_ID},
                                             "pixiv": {"refresh-token": REFRESH_TOKEN}}}))
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(var, "http://127.0.0.1:9")  # whatever ignores gallery-dl's proxy option fails at once
    (tmp_path / "cookies.txt").write_text(Pinterest.cookies_txt())


def _workspace(tmp_path: Path, net: FakeInternet, names: list[str]) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.init()
    opts = json.dumps(net.options)
    toml = BASE_TOML
    for name in names:
        extra = ', threshold = 1' if name in ("danbooru", "safebooru") else ""
        # TOML inline table from the JSON options (keys quoted: 'proxy-env' has a dash).
        inline = "{" + ", ".join(f'"{k}" = {json.dumps(v)}' for k, v in json.loads(opts).items()) + extra + "}"
        toml += f"[collect.sites.{name}]\noptions = {inline}\n"
        if name == "pinterest":
            toml += f'cookies = "{tmp_path / "cookies.txt"}"\n'
    ws.config_path.write_text(toml)
    return Workspace(ws.root)


@pytest.mark.parametrize("site_cls", SITES, ids=lambda c: c.name)
def test_source_end_to_end(site_cls, tmp_path):
    rated = site_cls.name in RATED
    works = make_works(5, mature=(3,) if rated else ())
    site = site_cls(works)
    allowed = [w for w in works if not w.mature]
    cut, noai = allowed[1], works[3]  # works[3] is found again by the 'mascot' query
    faults = Faults(cut={key_of(site.file_url(cut))},
                    headers={key_of(site.file_url(noai)): {"X-Robots-Tag": "noai"}})
    if site.retries_429:
        # On the last page: gallery-dl's DeviantArt client keeps a 1 s pause per call after a 429.
        faults.before[site.api_key] = [None] * getattr(site, "pages_before_last", 0) + [
            Fault(429, {"Retry-After": "1"}, b'{"error": "rate limited"}')]
    file_429 = site.name == "wikimedia"  # Commons' upload servers answer 429 too: the download is retried
    if file_429:
        faults.before[key_of(site.file_url(allowed[0]))] = [Fault(429, {"Retry-After": "1"}, b"")]
    with FakeInternet([site], tmp_path / "ca", faults) as net:
        ws = _workspace(tmp_path, net, [site.name])
        assert registry()[site.name].login is None or gallerydl.has_credentials(
            registry()[site.name](), ws.config.collect.site(site.name)), "fake credentials are seen"
        # The shipped 'elf' preset, spelled the way each site's API wants it.
        (query,) = ws.config.collect.subjects["elf"].queries_for(site.name)
        assert query == site.query("elf")
        result = collect(ws, CollectRequest("elf", sources={site.name: None}))
        file_hits = {w.id: net.hits[key_of(site.file_url(w))] for w in works}
        requests_first = sum(net.hits.values())
        (report,) = result.reports
        assert report.status == "ok", report
        assert (report.new, report.failed) == (len(allowed), 0), report
        # The run's own count of requests is exactly what the sites answered.
        assert report.requests == requests_first
        assert report.rate_limited == site.retries_429 + file_429
        assert report.waited >= (1.0 if site.retries_429 else 0.0)
        assert report.per_hour > 0 and report.seconds > 0

        # A second query finding posts already collected downloads nothing.
        again = collect(ws, CollectRequest("elf", queries=[site.query("mascot")], sources={site.name: None}))
        assert {w.id: net.hits[key_of(site.file_url(w))] for w in works} == file_hits
        (second,) = again.reports
        assert second.status == "ok" and second.new == 0
        assert second.already == sum("mascot" in w.tags for w in allowed)
        assert again.manifest_path is None

    for w in works:  # the cut download was fetched again, mature posts never
        assert file_hits[w.id] == (0 if w.mature else 2 if w is cut or (file_429 and w is allowed[0]) else 1), w.id
    m = ws.manifests.load("latest")
    assert m.stage == "collect" and not verify(m, ws.root)
    assert len(m.items) == len(allowed)
    by_page = {it.sources[0].page: it for it in m.items}
    for w in allowed:
        want = site.expected(w, query)
        item = by_page[want["page"]]
        src = item.sources[0]
        got = {k: getattr(src, k) for k in want}
        assert got == want, w.id
        if w is noai:
            assert item.status == "rejected" and item.object is None and src.opt_out == ["X-Robots-Tag: noai"]
        else:
            assert item.status == "kept" and ws.store.get_bytes(item.id) == w.image, w.id
    stats = m.stats["collect"][site.name]
    assert stats["requests"] == report.requests and "per_hour" in stats


def test_one_source_failing_does_not_stop_the_others(tmp_path):
    """A login wall (Pixiv refuses the token), a 403 (ArtStation) and a 429 that gallery-dl's Flickr
    client does not retry each fail alone, with a reason and what to do; Wikimedia completes."""
    works = make_works(3, mature=())
    pixiv, art, flickr, wiki = Pixiv(works), ArtStation(works), Flickr(works), Wikimedia(works)
    pixiv.refused = True
    faults = Faults(before={art.api_key: [Fault(403, body=b"<html>Forbidden</html>")] * 10,
                    flickr.api_key: [Fault(429, {"Retry-After": "3600"}, b"Too Many Requests")]})
    with FakeInternet([pixiv, art, flickr, wiki], tmp_path / "ca", faults) as net:
        ws = _workspace(tmp_path, net, ["pixiv", "artstation", "flickr", "wikimedia"])
        proc = subprocess.run([sys.executable, "-m", "curator.cli.app", "-w", str(ws.root), "collect", "elf",
                               "-s", "pixiv", "-s", "artstation", "-s", "flickr", "-s", "wikimedia"],
                              capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "250"})
        assert not any(net.hits[key_of(s.file_url(w))] for s in (pixiv, art, flickr) for w in works)
    assert proc.returncode == 0, proc.stderr
    for column in ("requests", "429s", "waited", "images/h"):
        assert column in proc.stdout
    stats = ws.manifests.load("latest").stats["collect"]
    assert stats["wikimedia"]["status"] == "ok" and stats["wikimedia"]["new"] == len(works)
    assert stats["pixiv"]["status"] == "failed" and stats["pixiv"]["reason"] == "login required"
    assert "refresh-token" in stats["pixiv"]["advice"]
    assert stats["artstation"]["status"] == "failed" and stats["artstation"]["reason"] == "403 Forbidden"
    assert "cookies" in stats["artstation"]["advice"]
    assert stats["flickr"]["status"] == "failed" and stats["flickr"]["reason"] == "rate limited (429)"
    assert stats["flickr"]["rate_limited"] == 1 and "request_interval" in stats["flickr"]["advice"]


def test_politeness_is_configurable_per_site(tmp_path, ws):
    ws.config_path.write_text("[collect]\nrequest_interval = 2.0\n[collect.sites.deviantart]\nrequest_interval = 5.0\n"
                              'options = {metadata = false, "wait-min" = 3}\n')
    cfg = Workspace(ws.root).config.collect
    src = registry()["deviantart"]()
    conf = gallerydl.build_config(src, cfg, cfg.site("deviantart"), tmp_path / "s", tmp_path / "a", False)["extractor"]
    assert (conf["sleep-request"], conf["wait-min"], conf["metadata"]) == (5.0, 3, False)
    flickr = registry()["flickr"]()
    conf = gallerydl.build_config(flickr, cfg, cfg.site("flickr"), tmp_path / "s", tmp_path / "a", False)["extractor"]
    assert conf["sleep-request"] == 2.0 and conf["metadata"] == ["license"]


def test_shipped_presets_use_each_sites_spelling():
    """Booru tags are one token each, Commons categories are names without their namespace,
    DeviantArt tags are single words (anything else becomes a costly site search)."""
    from curator.collect.config import CollectConfig

    for subject, preset in CollectConfig().subjects.items():
        for source in ("danbooru", "safebooru", "gelbooru"):
            for tag in preset.queries_for(source):
                assert " " not in tag and tag == tag.lower(), (subject, source, tag)
        for category in preset.queries_for("wikimedia"):
            assert not category.lower().startswith("category:") and category[0].isupper(), (subject, category)
            (url,) = registry()["wikimedia"]().urls(category)
            assert url.startswith("https://commons.wikimedia.org/wiki/Category:") and " " not in url
        for tag in preset.queries_for("deviantart"):
            assert re.fullmatch(r"\w+", tag, re.ASCII), (subject, tag)
            assert registry()["deviantart"]().urls(tag) == [f"https://www.deviantart.com/tag/{tag}"]
        for tag in preset.queries_for("pixiv"):
            assert " " not in tag, (subject, tag)


def test_size_filter_reads_nested_fields():
    """ArtStation and DeviantArt give an image's size inside the post ('asset', 'content'): the
    filter gallery-dl evaluates must read it there, and let a post without it through."""
    from curator.collect.config import FilterConfig

    f = FilterConfig(min_size=256)
    for name, key, base in (("artstation", "asset", {"adult_content": False, "tags": []}),
                            ("deviantart", "content", {"is_mature": False})):
        expr = registry()[name]().filter_expression(f)

        def passes(meta: dict) -> bool:
            return bool(eval(expr, {}, {"extension": "png", **base, **meta}))  # noqa: S307 (what gallery-dl does)

        assert not passes({key: {"width": 100, "height": 900}})
        assert passes({key: {"width": 300, "height": 900}})
        assert passes({})  # size unknown before download: checked after it instead
