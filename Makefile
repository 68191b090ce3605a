# mammo-wgan — every target documented with '##'; `make` alone lists them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PROFILE ?= quick
DATA   ?=
RUN    ?= $(PROFILE)

.DEFAULT_GOAL := help
.PHONY: help install pipeline test test-notebooks lab benchmark benchmark-quality clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

install: $(VENV)/.installed ## Create .venv (if missing) and install the project with its test tools

pipeline: install ## Run the whole study headlessly (PROFILE=quick|full, DATA=folder, RUN=name)
	$(PY) -m gan_lib.pipeline --profile $(PROFILE) --run $(RUN) $(if $(DATA),--data $(DATA),)

test: install ## Run the test suite: unit tests + nbval on the notebooks (quick parameters)
	$(PY) -m pytest

test-notebooks: install ## Only the notebook tests: structure checks + nbval on every notebook (quick parameters)
	$(PY) -m pytest tests/test_notebooks.py notebooks/

lab: install ## Start JupyterLab on the notebooks (installs the 'lab' extra)
	$(PY) -m pip install --quiet -e '.[dev,lab]'
	$(VENV)/bin/jupyter lab notebooks/

benchmark: install ## Training-speed benchmark: naive fp32 reference vs project defaults (~10 min)
	$(PY) benchmarks/train_step.py

benchmark-quality: install ## Quality (SWD, diversity) per training minute, naive vs project trainer (~45 min)
	$(PY) benchmarks/quality_vs_time.py --publish

clean: ## Remove caches, executed runs and generated figures (keeps .venv and raw data)
	rm -rf runs data/processed/*/ .pytest_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
