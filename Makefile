# Two commands: `make run` starts the app, `make test` runs the whole suite. Both create the
# virtual environment in .venv on first use and reinstall only when a requirements file changes.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint format bench setup clean gpu-check

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

setup: $(VENV)/.dev

run: $(VENV)/.runtime
	$(VENV)/bin/streamlit run app.py --server.port $(PORT)

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
