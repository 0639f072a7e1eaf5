"""Benchmark suite (``make bench``); see ``benchmarks/bench.py``."""

from pathlib import Path

import simi_actuarial
from simi_actuarial.numba_cache import clear_if_stale

# The suite's cached numba functions inline the package's samplers: clear them when either
# changes (see simi_actuarial.numba_cache).
clear_if_stale(Path(__file__).resolve().parent, Path(simi_actuarial.__file__).resolve().parent)
