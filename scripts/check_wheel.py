"""Check that a built wheel holds every file of every top-level package of the source tree.

A data file the code reads (the manifest JSON Schema, py.typed, a template) reaches the wheel
only when pyproject's package-data names it, and a new top-level package only when
packages.find includes it. Both mistakes build without a warning and only fail on a user's
machine, so `make smoke-wheel` runs this before installing the wheel.

    python scripts/check_wheel.py dist/stylegan_curator-0.1.0-py3-none-any.whl .
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

# Folders at the top of the repository that are not shipped (they hold no __init__.py either).
NOT_SHIPPED = {"tests", "benchmarks", "scripts", "docs", "build", "dist"}


def source_files(root: Path) -> set[str]:
    """Files ('pkg/sub/file') of every top-level package (a folder with __init__.py) under `root`.

    Tracked files when `root` is a git checkout, so that editor leftovers and caches in a
    working copy do not count; every file otherwise (an unpacked sdist).
    """
    packages = sorted(p.name for p in root.iterdir() if (p / "__init__.py").is_file() and p.name not in NOT_SHIPPED)
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", *packages],
                                capture_output=True, check=True).stdout.decode().split("\0")
        files = {f for f in listed if f}
    except (OSError, subprocess.CalledProcessError):
        files = {p.relative_to(root).as_posix() for pkg in packages for p in (root / pkg).rglob("*") if p.is_file()}
    return {f for f in files if "__pycache__" not in f.split("/") and not f.endswith((".pyc", ".pyo"))}


def problems(wheel: Path, root: Path) -> list[str]:
    """One line per source file missing from the wheel, and per unexpected top-level entry in it."""
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    expected = source_files(root)
    missing = [f"missing from {wheel.name}: {f}" for f in sorted(expected - names)]
    shipped_tops = {f.split("/")[0] for f in expected}
    extra = sorted({n.split("/")[0] for n in names} - shipped_tops)
    extra = [f"unexpected top-level entry in {wheel.name}: {t}" for t in extra if not t.endswith((".dist-info", ".data"))]
    return missing + extra


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: check_wheel.py WHEEL SOURCE_ROOT", file=sys.stderr)
        return 2
    wheel, root = Path(argv[0]), Path(argv[1])
    found = problems(wheel, root)
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print("add the file to [tool.setuptools.package-data] / packages.find in pyproject.toml", file=sys.stderr)
        return 1
    print(f"{wheel.name}: all {len(source_files(root))} package files present")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
