# Two commands for a new user: `make reproduce` and `make test`. Each builds .venv first (skipped when done).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline, single-threaded torch, a shared cache inside the checkout.
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export TOKENIZERS_PARALLELISM := false
export MPLBACKEND := Agg
export DEBIASLENS_CACHE ?= $(CURDIR)/.cache/debiaslens
PROFILES ?= faceworld minilm faceworld-assistant

.PHONY: setup browser test reproduce test-slow bench docs clean

setup: $(STAMP) browser

# Headless Chromium for the index.html test: Debian's package where no Chromium/Chrome is installed.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || command -v google-chrome >/dev/null || \
	  { command -v apt-get >/dev/null && { $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	    { $(SUDO) apt-get update -q >/dev/null 2>&1 && $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1; }; }; } || \
	  echo "note: no Chromium could be installed; the index.html browser test will be skipped"

# uv installs the lock in about 20 s where pip takes about 140 s (the same versions); pip when uv cannot be had.
UV := $(BIN)/uv pip install -q --python $(BIN)/python
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv==0.13.10 || $(BIN)/python -m pip install -q --upgrade pip
	if [ -x $(BIN)/uv ]; then $(UV) -r requirements.lock && $(UV) --no-deps -e .; \
	else $(BIN)/python -m pip install -q -r requirements.lock && $(BIN)/python -m pip install -q --no-deps -e .; fi
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name python3 >/dev/null
	touch $(STAMP)

test: $(STAMP) browser
	tools/unchanged.sh nbs -- $(BIN)/nbdev-clean
	tools/unchanged.sh debiaslens_nb -- $(BIN)/nbdev-export
	$(BIN)/ruff check --select F,B --ignore B905 debiaslens_nb tests bench tools
	$(BIN)/ruff check --select E501 nbs tests bench tools
	$(BIN)/python tools/import_graph.py
	$(BIN)/nbdev-test --n-workers 2 --skip-folder-re '^figures$$'
	$(BIN)/pytest -q -n 2 --dist loadgroup --no-loadscope-reorder --durations 12 -m 'not slow' tests

test-slow: $(STAMP)
	$(BIN)/nbdev-test --n-workers 1 --flags slow --skip-folder-re '^figures$$'
	$(BIN)/pytest -q -m slow tests

# Two profiles at a time, one per core, each with two figure kernels at a time; the FaceWorld assistant's starts when
# one of the first two is done (it reuses the faceworld profile's image SAEs). `make reproduce PROFILES=minilm` runs one.
reproduce: $(STAMP)
	@echo "reproducing $(PROFILES), two at a time; each profile's output is printed when it finishes"
	$(MAKE) --no-print-directory --output-sync=target -j 2 $(addprefix reproduce-,$(PROFILES))

reproduce-%: $(STAMP)
	$(BIN)/debiaslens reproduce --profile $* --out reports --jobs 2

docs: $(STAMP)
	$(BIN)/python tools/render_docs.py --out _html

# The reference SAE trainer for bench/sae_vs_reference.py: never a dependency of the package, installed without
# its own dependencies (its trainer needs only torch and einops).
bench: $(STAMP)
	$(BIN)/python -m pip install -q --no-deps dictionary-learning==0.1.0 einops==0.8.2
	for b in bench/*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf reports _docs _proc _html .pytest_cache
