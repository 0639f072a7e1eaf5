"""Shared fixtures: where the repository and its bundled scenarios are."""

from pathlib import Path

import pytest

from simi_actuarial.numba_cache import ensure_fresh_package_cache

# Tests call compiled functions directly, not only through the entry points that run the
# stale-cache guard: run it once before any of them loads cached machine code.
ensure_fresh_package_cache()

REPO_ROOT = Path(__file__).resolve().parent.parent
SCENARIOS_DIR = REPO_ROOT / "scenarios"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def scenarios_dir() -> Path:
    return SCENARIOS_DIR
