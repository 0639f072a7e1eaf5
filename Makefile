# Two commands do everything on a fresh machine:
#   make run   - create .venv, install, run the default scenario
#   make test  - create .venv, install, lint (ruff, mypy of the non-compiled layers) and run
#                the test suite (including the import-layer contracts, tests/test_layers.py)
#   make fuzz  - the long fuzz campaign: fresh random examples (not derandomized), FUZZ_SCALE
#     times each property's example count in `make test` (default 12: about 9,500 examples,
#     ~11 min on 2 busy cores); per-property counts at the end, log in results/fuzz.log
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
FUZZ_SCALE ?= 12
FUZZ_TESTS ?= $(wildcard tests/test_fuzz_*.py) tests/test_number_text.py

.PHONY: run test lint venv clean validate calibrate bench bench-quick fuzz

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
	$(BIN)/simi run $(DEFAULT_SCENARIO) --paths $(PATHS) --out $(OUT) --force  # make run: redo

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

fuzz: $(STAMP)
	@test "$(FUZZ_SCALE)" -ge 2 || { echo "FUZZ_SCALE must be >= 2 (1 is the derandomized CI run)"; exit 2; }
	mkdir -p results
	SIMI_FUZZ_SCALE=$(FUZZ_SCALE) $(BIN)/python -m pytest -q -p no:cacheprovider $(FUZZ_TESTS) \
		--hypothesis-show-statistics > results/fuzz.log 2>&1; rc=$$?; \
		$(BIN)/python tests/fuzz_report.py results/fuzz.log; exit $$rc

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.bench $(BENCH_ARGS)

bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.bench --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) results .pytest_cache
