"""simi_actuarial — Monte Carlo model of China's Serious Illness Medical Insurance fund.

Public API (pinned by ``tests/test_public_api.py``)::

    load_scenario(path, overrides=())      -> Scenario
    simulate(scenario, paths, seed, ..., engine="micro"|"proxy", design=ProxyDesign(...))
                                           -> SimulationResult (.summary, .paths, .funds)
    required_financing(result, target, alpha, ...) -> RequiredFinancing
    compare(base, reform, paths, seed, ..., engine, design) -> Comparison (.table)
    write_results(result, out_dir)
    resolve_rules(scenario)                -> RuleTable
    reimburse_frame(scenario, year, claims_df) -> per-person payments
"""

from .api import compare, simulate, write_results
from .claims import reimburse_file, reimburse_frame
from .compare import Comparison
from .engine.proxy.design import ProxyDesign
from .errors import ClaimsError, ScenarioError, SimiInputError
from .results import SimulationResult
from .rules.arrays import RuleTable, resolve_rules
from .scenario.loader import load_scenario
from .scenario.schema import Scenario
from .solve import RequiredFinancing, required_financing
from .version import __version__ as __version__

__all__ = [
    "ClaimsError",
    "Comparison",
    "ProxyDesign",
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
