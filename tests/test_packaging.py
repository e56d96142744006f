"""Packaging: one name everywhere, the wheel-contents check, and how tests get third-party weights."""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

import curator
from fakesites.proxy import FolderServer

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
README = (ROOT / "README.md").read_text()


def test_one_name_and_one_version_everywhere(capsys):
    from curator.cli.app import main
    from manifests import io
    from manifests.errors import ManifestError
    from manifests.model import SCHEMA_VERSION

    project = PYPROJECT["project"]
    assert project["name"] == curator.DISTRIBUTION == "stylegan-curator"
    assert project["scripts"] == {"curator": "curator.cli.app:main"}
    # The version has one source, read by setuptools.
    assert "version" not in project and "version" in project["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "curator.__version__"}
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0 and capsys.readouterr().out.strip() == f"stylegan-curator {curator.__version__}"
    # The README installs this project, never the unrelated `curator` on PyPI.
    assert f"pip install {curator.DISTRIBUTION}\n" in README or f"pip install {curator.DISTRIBUTION} " in README
    assert not re.search(r"pip install (-U )?curator\b", README)
    with pytest.raises(ManifestError, match=f"pip install -U {curator.DISTRIBUTION}"):
        io.parse({"schema_version": SCHEMA_VERSION + 1})


def test_requires_python_is_what_ci_runs_and_the_readme_says():
    spec = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert platform.python_version() in spec  # the suite runs on a supported version
    assert "3.10.13" not in spec and "3.12.0" not in spec  # tomllib; nothing CI does not test
    assert "Python 3.11" in README and PYPROJECT["project"]["requires-python"] in README
    assert PYPROJECT["project"]["license"] == "MIT" and (ROOT / "LICENSE").is_file()


def _check_wheel():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import check_wheel
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    return check_wheel


def test_wheel_check_names_a_missing_data_file_and_a_missing_package(tmp_path):
    check_wheel = _check_wheel()
    src = tmp_path / "src"
    for rel in ("pkg/__init__.py", "pkg/data/schema.json", "other/__init__.py", "tests/test_x.py", "README.md"):
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text("x")
    (src / "pkg" / "__pycache__").mkdir()
    (src / "pkg" / "__pycache__" / "m.cpython-311.pyc").write_bytes(b"")

    def wheel(name: str, members: list[str]) -> Path:
        path = tmp_path / name
        with zipfile.ZipFile(path, "w") as zf:
            for m in members + ["x-0.1.dist-info/METADATA"]:
                zf.writestr(m, "x")
        return path

    complete = wheel("ok.whl", ["pkg/__init__.py", "pkg/data/schema.json", "other/__init__.py"])
    assert check_wheel.problems(complete, src) == []
    broken = wheel("broken.whl", ["pkg/__init__.py", "tests/test_x.py"])
    assert check_wheel.problems(broken, src) == [
        "missing from broken.whl: other/__init__.py",
        "missing from broken.whl: pkg/data/schema.json",
        "unexpected top-level entry in broken.whl: tests",
    ]
    assert check_wheel.main([str(broken), str(src)]) == 1 and check_wheel.main([str(complete), str(src)]) == 0


def _fresh_clone(tmp_path: Path) -> Path:
    """A checkout's tests folder with no ../shared beside it, running the real conftest."""
    clone = tmp_path / "clone"
    (clone / "tests").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", clone / "tests" / "conftest.py")
    (clone / "tests" / "test_needs.py").write_text(
        "def test_cascade(animeface_xml):\n    assert b'<opencv_storage>' in animeface_xml.read_bytes()\n\n"
        "def test_cascade_again(animeface_xml):\n    assert animeface_xml.is_file()\n\n"
        "def test_plain():\n    assert True\n"
    )
    assert not (tmp_path / "shared").exists()
    return clone


def _pytest(clone: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CURATOR_TESTS_OFFLINE", "CURATOR_WEIGHTS_MIRROR", "CURATOR_CACHE")}
    clean["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=clone,
                          env={**clean, **env}, capture_output=True, text=True, timeout=300)


def test_fresh_clone_offline_stops_once_naming_the_file_and_where_to_put_it(tmp_path):
    clone = _fresh_clone(tmp_path)
    run = _pytest(clone, "tests", CURATOR_TESTS_OFFLINE="1")
    out = run.stdout + run.stderr
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, out
    assert out.count("lbpcascade_animeface.xml is needed") == 1 and " passed" not in out and " failed" not in out
    assert str(tmp_path / "shared" / "weights" / "lbpcascade_animeface.xml") in out
    assert "https://raw.githubusercontent.com/nagadomi/lbpcascade_animeface/master/lbpcascade_animeface.xml" in out
    # Tests that need no weights still run on their own.
    plain = _pytest(clone, "tests/test_needs.py::test_plain", CURATOR_TESTS_OFFLINE="1")
    assert plain.returncode == 0 and "1 passed" in plain.stdout


def test_fresh_clone_online_fetches_into_the_test_cache_with_the_product_checksum(tmp_path, animeface_xml):
    """The public home is simulated by a local server (CURATOR_WEIGHTS_MIRROR): no test downloads."""
    clone = _fresh_clone(tmp_path)
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(animeface_xml, served / "lbpcascade_animeface.xml")
    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "lbpcascade_animeface.xml").write_bytes(b"<html>a captive portal</html>")
    cached = clone / ".pytest_cache" / "d" / "curator" / "weights" / "lbpcascade_animeface.xml"
    with FolderServer(tmp_path) as server:
        wrong = _pytest(clone, "tests", CURATOR_WEIGHTS_MIRROR=f"{server.url}/wrong")
        assert wrong.returncode == pytest.ExitCode.USAGE_ERROR and "downloaded file has sha256" in wrong.stdout + wrong.stderr
        assert not cached.exists()
        run = _pytest(clone, "tests", CURATOR_WEIGHTS_MIRROR=f"{server.url}/served")
        assert run.returncode == 0 and "3 passed" in run.stdout, run.stdout + run.stderr
    assert cached.read_bytes() == animeface_xml.read_bytes()
    # From then on the verified copy in the test cache serves, offline too.
    again = _pytest(clone, "tests", CURATOR_TESTS_OFFLINE="1")
    assert again.returncode == 0 and "3 passed" in again.stdout
