"""The direction of imports: curator uses its libraries, the libraries never use curator.

The contracts live in pyproject.toml's [tool.importlinter]; these tests run them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LIBRARIES = ("manifests", "detectors", "trainers", "commons")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    code = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True))"
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_the_libraries_stand_alone():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_the_check_fails_when_a_library_imports_curator(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    for name in LIBRARIES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "curator").mkdir()
    (tmp_path / "curator" / "__init__.py").write_text("")
    (tmp_path / "curator" / "errors.py").write_text("class CuratorError(Exception):\n    pass\n")
    repo = tmp_path / "manifests" / "repo.py"
    repo.write_text(repo.read_text().replace("from manifests import io\n", "from curator.errors import CuratorError\nfrom manifests import io\n"))

    result = lint_imports(tmp_path)
    assert result.returncode == 1
    assert "curator over independent libraries over commons BROKEN" in result.stdout
    assert "manifests.repo -> curator.errors" in result.stdout
