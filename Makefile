# Two commands: `make run` starts the app, `make test` runs the whole suite. Both create the
# virtual environment in .venv on first use and reinstall only when a requirements file changes.
# Set-up also compiles the numba kernels once (connectivity loss, UMAP; about 1-2 minutes on a
# busy 2-core machine) and numba keeps them on disk, so the app's first λ > 0 run and first UMAP
# start in seconds; it is redone only when the kernels' source or the requirements change.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
# loopback by default; a classroom server listens on its network address: make run ADDRESS=0.0.0.0
ADDRESS ?= 127.0.0.1

.PHONY: run test lint format bench setup warmup clean gpu-check

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the app's packages into $(VENV) (once; a few minutes: torch, streamlit, ray, umap-learn)..."
	$(PY) -m pip install --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	@echo "Installing the test tools into $(VENV) (once)..."
	$(PY) -m pip install --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(VENV)/.warm: $(VENV)/.runtime corel_core/topology/_mst.py corel_core/analysis/warmup.py
	@echo "Compiling numba kernels once (kept on disk; about 1-2 minutes)..."
	$(PY) -m corel_core warmup
	touch $@

warmup: $(VENV)/.warm

setup: $(VENV)/.dev $(VENV)/.warm

run: $(VENV)/.runtime $(VENV)/.warm
	$(PY) -m ui.serve --server.port $(PORT) --server.address $(ADDRESS)

test: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(PY) -m pytest

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(VENV)/.runtime
	$(PY) -m corel_core bench persistence
	$(PY) -m corel_core bench connectivity

# On a machine with a CUDA GPU: the CUDA-marked tests (gpu_tests/) and GPU-vs-CPU timings, written
# to gpu-check.md ($OUT/gpu-check.md where $OUT is set). Exit status 2 when torch sees no GPU.
gpu-check: $(VENV)/.dev
	$(PY) gpu_tests/gpu_check.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
