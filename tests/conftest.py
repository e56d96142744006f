"""Shared fixtures: a small generated corpus and a workspace with it imported.

Everything is generated locally and offline; nothing is downloaded at test time.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("FIFTYONE_DO_NOT_TRACK", "true")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_WEIGHTS = SHARED / "weights"


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """Five mascot families, 8 each at 128 px, with exact/near duplicates and junk; labels in .labels.json."""
    from curator.sample import CorpusSpec, generate_corpus

    out = tmp_path_factory.mktemp("corpus") / "corpus"
    generate_corpus(out, CorpusSpec(per_family=8, size=128, exact_duplicates=4, near_duplicates=8, seed=1))
    return out


@pytest.fixture(scope="session")
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
def imported_ws(tmp_path, _imported_template):
    """A fresh workspace (copied per test) holding one import manifest of the sample corpus."""
    from curator.workspace import Workspace

    root = tmp_path / "ws"
    shutil.copytree(_imported_template, root)
    return Workspace(root)
