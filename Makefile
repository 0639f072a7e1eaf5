# Two commands do everything on a fresh machine:
#   make run   - create .venv, install, run the default scenario
#   make test  - create .venv, install, lint (ruff, mypy of the non-compiled layers) and run
#                the test suite (including the import-layer contracts, tests/test_layers.py)
#   make bench / make bench-quick - benchmark suite (benchmarks/bench.py; BENCH_ARGS=... passes
#     options, e.g. BENCH_ARGS="--set M.run_paths=100")
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench
BENCH_ARGS ?=
DEFAULT_SCENARIO ?= scenarios/default.yaml
PATHS ?= 1000
OUT ?= results/default

.PHONY: run test lint venv clean validate calibrate bench bench-quick

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

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
	$(BIN)/mypy

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) results .pytest_cache
