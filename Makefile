# Two commands do everything on a fresh machine:
#   make run   - create .venv, install, run the default scenario
#   make test  - create .venv, install, lint and run the test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEFAULT_SCENARIO ?= scenarios/default.yaml
PATHS ?= 1000
OUT ?= results/default

.PHONY: run test lint venv clean validate calibrate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/simi validate $(DEFAULT_SCENARIO)
	$(BIN)/simi run $(DEFAULT_SCENARIO) --paths $(PATHS) --out $(OUT)

validate: $(STAMP)
	$(BIN)/simi validate scenarios/*.yaml scenarios/calibrated/*.yaml

calibrate: $(STAMP)
	for t in scenarios/calibrated/targets/*.yaml; do $(BIN)/simi calibrate --targets $$t --quiet || exit 1; done
	$(BIN)/simi backtest --out results/backtest --quiet

lint: $(STAMP)
	$(BIN)/ruff check simi_actuarial tests benchmarks

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) results .pytest_cache
