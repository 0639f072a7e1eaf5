"""simi_actuarial — Monte Carlo model of China's Serious Illness Medical Insurance fund.

Public API (pinned by ``tests/test_public_api.py``)::

    load_scenario(path, overrides=())      -> Scenario
    simulate(scenario, paths, seed, ...)   -> SimulationResult (.summary, .paths, .funds)
    required_financing(result, target, alpha, ...) -> RequiredFinancing
    compare(base, reform, paths, seed)     -> Comparison (.table)
    write_results(result, out_dir)
    resolve_rules(scenario)                -> RuleTable
    reimburse_frame(scenario, year, claims_df) -> per-person payments
"""

__version__ = "0.1.0"

from . import numba_cache as _numba_cache  # noqa: E402

_numba_cache.ensure_fresh_package_cache()  # before any compiled code loads (see numba_cache)

from .api import compare, simulate, write_results  # noqa: E402
from .claims import reimburse_file, reimburse_frame  # noqa: E402
from .compare import Comparison  # noqa: E402
from .errors import ClaimsError, ScenarioError, SimiInputError  # noqa: E402
from .results import SimulationResult  # noqa: E402
from .rules.arrays import RuleTable, resolve_rules  # noqa: E402
from .scenario.loader import load_scenario  # noqa: E402
from .scenario.schema import Scenario  # noqa: E402
from .solve import RequiredFinancing, required_financing  # noqa: E402

__all__ = [
    "ClaimsError",
    "Comparison",
    "RequiredFinancing",
    "RuleTable",
    "Scenario",
    "ScenarioError",
    "SimiInputError",
    "SimulationResult",
    "compare",
    "load_scenario",
    "reimburse_file",
    "reimburse_frame",
    "required_financing",
    "resolve_rules",
    "simulate",
    "write_results",
]
