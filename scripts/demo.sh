#!/usr/bin/env bash
# The README's demo: the whole pipeline on the project's own generated sample corpus, offline.
# Run through `make demo`, which creates .venv first and puts it on PATH.
set -euo pipefail
export FIFTYONE_DO_NOT_TRACK=true HF_HUB_OFFLINE=1

WS=${DEMO_WORKSPACE:-demo-workspace}
rm -rf "$WS"
mkdir -p "$WS"
export CURATOR_WORKSPACE="$PWD/$WS"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. generate the sample corpus (5 mascot families, duplicates and junk mixed in)"
curator sample "$WS/sample" --per-family 40 --size 256

step "2. import it into the workspace's object store and a first manifest"
curator init
curator import "$WS/sample"
curator manifest show
