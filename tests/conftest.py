"""Shared fixtures: where the repository, its bundled scenarios and the small test scenario
are."""

from pathlib import Path

import pytest

import simi_actuarial
from simi_actuarial.numba_cache import clear_if_stale, ensure_fresh_package_cache

# Tests call compiled functions directly, not only through the entry points that run the
# stale-cache guard: run it once before any of them loads cached machine code, for the
# package and for the tests' own cached functions (tests/v1_samplers.py inlines samplers).
ensure_fresh_package_cache()
clear_if_stale(Path(__file__).resolve().parent, Path(simi_actuarial.__file__).resolve().parent)

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS_DIR


@pytest.fixture(scope="session")
def small_guangxi() -> str:
    """The small Guangxi scenario of the engine and CLI tests (tests/data/small_guangxi.yaml:
    20,000 insured, rules pinned where hand computations depend on them)."""
    return str(REPO_ROOT / "tests" / "data" / "small_guangxi.yaml")
