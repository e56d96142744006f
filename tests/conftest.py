"""Shared fixtures: a small generated corpus, a workspace with it imported, third-party weights.

Everything is generated locally. The one third-party file the tests need, the anime-face cascade,
is found the way the product finds it (see `_find_animeface`); when it cannot be had, the session
stops before any test runs with one message naming the file and where to put it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Iterator, NoReturn

import pytest

os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_WEIGHTS = SHARED / "weights"
ANIMEFACE_FILE = "lbpcascade_animeface.xml"
# Set by CI: never download; the file must already be in ../shared/weights or the test cache.
OFFLINE_ENV = "CURATOR_TESTS_OFFLINE"
_ANIMEFACE = pytest.StashKey[Path]()


def _find_animeface(config: pytest.Config) -> Path:
    """../shared/weights when present, else the test cache filled by the product's own
    fetch-with-checksum (`commons.weights.resolve`, which honours $CURATOR_WEIGHTS_MIRROR).

    The test cache is pytest's (.pytest_cache/d/curator/weights), not the user's
    ~/.cache/curator, so a test run leaves the user's cache alone.
    """
    from detectors.animeface import ANIMEFACE
    from commons.weights import resolve, source_url

    shared = SHARED_WEIGHTS / ANIMEFACE_FILE
    cache = getattr(config, "cache", None)  # absent under -p no:cacheprovider
    cache_root = cache.mkdir("curator") if cache is not None else Path(config.rootpath) / ".pytest_cache" / "curator"
    cached = cache_root / "weights" / ANIMEFACE_FILE

    def stop(why: str) -> NoReturn:
        pytest.exit(
            f"{ANIMEFACE_FILE} is needed by the detector and process tests and {why}. Download "
            f"{ANIMEFACE.url} (sha256 {ANIMEFACE.sha256}) and put it at {shared} (or {cached}), "
            f"then run the tests again.",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )

    for found in (shared, cached):
        if found.is_file():
            if hashlib.sha256(found.read_bytes()).hexdigest() == ANIMEFACE.sha256:
                return found
            if found == shared:
                stop(f"{shared} has the wrong sha256")
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        stop(f"is neither in {SHARED_WEIGHTS} nor in the test cache {cached.parent}, and {OFFLINE_ENV} forbids downloading it")
    saved = os.environ.get("CURATOR_CACHE")
    os.environ["CURATOR_CACHE"] = str(cache_root)
    try:
        return resolve(ANIMEFACE, timeout=20)
    except Exception as exc:  # MissingWeightsError: no network, a wrong checksum
        detail = str(exc).split(";")[0]  # the product's reason, not its advice (which names the user cache)
        if "could not be downloaded" in detail:
            detail = detail[detail.find(" (") + 2 : detail.rfind(")")]
        stop(f"is neither in {SHARED_WEIGHTS} nor in the test cache {cached.parent}, and fetching it from "
             f"{source_url(ANIMEFACE)} failed: {detail}")
    finally:
        if saved is None:
            os.environ.pop("CURATOR_CACHE", None)
        else:
            os.environ["CURATOR_CACHE"] = saved


def pytest_collection_finish(session: pytest.Session) -> None:
    """Find the cascade once, before the first test, and only when a selected test needs it."""
    if any("animeface_xml" in getattr(item, "fixturenames", ()) for item in session.items):
        session.config.stash[_ANIMEFACE] = _find_animeface(session.config)


@pytest.fixture(scope="session")
def animeface_xml(pytestconfig) -> Path:
    """The verified lbpcascade_animeface.xml (found at collection time; see `_find_animeface`)."""
    return pytestconfig.stash[_ANIMEFACE]


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """Five mascot families, 8 each at 128 px, with exact/near duplicates and junk; labels in .labels.json.
    (The painted-art cases have their own corpus in test_process_painted.py: here they would add
    clusters and crops the family-level tests do not expect.)"""
    from curator.sample import CorpusSpec, generate_corpus

    out = tmp_path_factory.mktemp("corpus") / "corpus"
    generate_corpus(out, CorpusSpec(per_family=8, size=128, exact_duplicates=4, near_duplicates=8, seed=1, painted=0))
    return out


@pytest.fixture(scope="module")  # not session: a module may have its own corpus_dir (test_process_painted)
def corpus_labels(corpus_dir) -> dict[str, dict]:
    return json.loads((corpus_dir / ".labels.json").read_text())


@pytest.fixture(scope="session")
def _imported_template(tmp_path_factory, corpus_dir) -> Path:
    from curator.ingest.run import import_paths
    from curator.workspace import Workspace

    root = tmp_path_factory.mktemp("ws-template") / "ws"
    ws = Workspace(root)
    ws.init()
    import_paths(ws, [corpus_dir], workers=1)
    return root


@pytest.fixture
def ws(tmp_path):
    """A fresh workspace at tmp_path/ws, initialised (its commented curator.toml written)."""
    from curator.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    ws.init()
    return ws


@pytest.fixture
def imported_ws(tmp_path, _imported_template):
    """A fresh workspace (copied per test) holding one import manifest of the sample corpus."""
    from curator.workspace import Workspace

    root = tmp_path / "ws"
    shutil.copytree(_imported_template, root)
    return Workspace(root)


@pytest.fixture(scope="module")
def one_thread() -> Iterator[None]:
    """One torch thread for a whole module (`pytestmark = pytest.mark.usefixtures("one_thread")`): bit-exact
    comparisons need the same reduction order, and other suites run beside it on 2 cores (oversubscription stalls)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def cli(capsys) -> Callable[[list[str]], tuple[int, str, str]]:
    """`curator ARGS` in this process: (exit code, stdout, stderr)."""
    from curator.cli.app import main

    def run(args: list[str]) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(args)
        out = capsys.readouterr()
        return exit_info.value.code or 0, out.out, out.err
    return run
