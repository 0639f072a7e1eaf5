"""One-at-a-time sensitivity of deficit risk and required financing to the assumptions.

Each assumption (a numeric scenario field, by dotted path) is moved by ``-delta`` and
``+delta`` relative to its value (a year history is scaled value by value); the scenario is
re-simulated on common random numbers (same seed, same path numbers) and compared path by
path with the base run. Reported per assumption and side:

* ``p_deficit``: P(accumulated SIMI deficit in any year of the horizon) (``target
  accumulated``) or P(current deficit in the last year) (``target current``), with the paired
  standard error of its difference from the base;
* ``required``: the financing standard (first-year CNY per insured) that keeps that
  probability at most ``alpha`` (:func:`simi_actuarial.solve.required_financing`), with a
  paired bootstrap 95 % CI of its difference from the base.

The tornado orders assumptions by the swing ``|high - low|`` of each metric.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .engine.streams import SENSITIVITY_BOOTSTRAP_STREAM
from .errors import ScenarioError
from .scenario.base import is_history
from .scenario.loader import scenario_from_dict
from .scenario.overrides import apply_assignment, path_keys
from .scenario.schema import Scenario
from .solve import _order_statistic, break_even, required_financing
from .stats import mean_se, prob_se

#: (dotted path, label) of the assumptions varied by default: every systematic-risk,
#: morbidity-level, demographic and fund assumption with a non-zero default.
DEFAULT_ASSUMPTIONS = (
    ("risk.cost_trend", "medical cost trend"),
    ("risk.utilisation_trend", "utilisation trend"),
    ("risk.cost_shock_sd", "cost shock sd"),
    ("risk.utilisation_shock_sd", "utilisation shock sd"),
    ("risk.trend_uncertainty_sd", "trend uncertainty sd"),
    ("morbidity.cost_multiplier", "cost level"),
    ("morbidity.incidence_multiplier", "hospitalisation level"),
    ("population.mortality.improvement", "mortality improvement"),
    ("population.birth_rate", "birth rate"),
    ("population.participation_trend", "participation trend"),
    ("economy.income_growth", "income growth"),
    ("fund.interest_rate", "interest rate"),
)
TARGETS = ("accumulated", "current")


@dataclass
class Sensitivity:
    """Result of :func:`sensitivity`: ``table`` has one row for the base and one per
    (assumption, side)."""

    table: pd.DataFrame
    delta: float
    alpha: float
    target: str
    paths: int
    seed: int

    def swings(self) -> pd.DataFrame:
        """One row per assumption: low/high values of both metrics and their swings,
        sorted by the swing of the required financing."""
        t = self.table[self.table.side != "base"]
        wide = t.pivot(index=["assumption", "label"], columns="side",
                       values=["value", "p_deficit", "required"])
        wide.columns = [f"{m}_{s}" for m, s in wide.columns]
        wide = wide.reset_index()
        wide["p_deficit_swing"] = (wide.p_deficit_high - wide.p_deficit_low).abs()
        wide["required_swing"] = (wide.required_high - wide.required_low).abs()
        return wide.sort_values("required_swing", ascending=False, ignore_index=True)


def get_field(data: dict, path: str):
    """The value at ``path`` (dotted) in a scenario mapping; ScenarioError if absent."""
    node = data
    for key in path_keys(path):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, dict) and isinstance(key, int) and str(key) in node:
            node = node[str(key)]
        else:
            raise ScenarioError("sensitivity", [(path, "no such field in the scenario")])
    return node


def scaled(value, factor: float, path: str):
    """``value`` (a number or a year history of numbers) times ``factor``."""
    if isinstance(value, bool) or value is None:
        raise ScenarioError("sensitivity", [(path, f"not a number (got {value!r})")])
    if isinstance(value, (int, float)):
        if value == 0:
            raise ScenarioError("sensitivity", [(
                path, "is 0 in this scenario: a relative change does not move it")])
        return float(value) * factor
    if isinstance(value, dict) and is_history(value) and value:
        return {y: scaled(v, factor, path) for y, v in value.items()}
    raise ScenarioError("sensitivity", [(
        path, f"only numbers or year histories of numbers can be varied (got {value!r})")])


def perturbed(scenario: Scenario, path: str, factor: float) -> tuple[Scenario, object]:
    """A copy of ``scenario`` with the field at ``path`` multiplied by ``factor``; raises
    ScenarioError naming the field if the result is invalid (e.g. out of its range)."""
    data = scenario.model_dump()
    value = scaled(get_field(data, path), factor, path)
    new = apply_assignment(data, path_keys(path), value)  # (returns a copy)
    return scenario_from_dict(new, f"{scenario.name} with {path} x {factor:g}"), value


def _indicator(result, target: str) -> np.ndarray:
    f = result.funds
    if target == "accumulated":
        return (f.simi_accumulated < 0).any(axis=1).astype(float)
    return (f.simi_balance[:, -1] < 0).astype(float)


def _fmt(value) -> str:
    """A varied value for the progress line (6 significant digits, no float noise)."""
    return "scaled history" if isinstance(value, dict) else f"{value:.6g}"


def saturated(table) -> float | None:
    """The common P(deficit) when every run (base and variants) has the same value of 0
    or 1: nothing to show in a tornado; else None."""
    p = table["p_deficit"].to_numpy()
    return float(p[0]) if p.size and p[0] in (0.0, 1.0) and (p == p[0]).all() else None


def sensitivity(scenario: Scenario, assumptions=None, delta: float = 0.1,
                paths: int | None = None, seed: int | None = None, threads: int | None = None,
                alpha: float = 0.05, target: str = "accumulated", bootstrap: int = 199,
                progress: bool = False, batch_paths: int | None = None,
                engine: str = "micro", design=None) -> Sensitivity:
    """Vary each assumption by ``±delta`` (relative) on common random numbers.

    ``assumptions``: dotted paths, or ``(path, label)`` pairs (default
    :data:`DEFAULT_ASSUMPTIONS`). All perturbed scenarios are validated before any
    simulation, so a bad field fails fast with every problem listed. ``engine``/``design``:
    as for :func:`simi_actuarial.api.simulate`, the same for every run (with the proxy,
    each run rebuilds its tables on the same seed: common random numbers inside too).
    """
    from .api import simulate

    if not 0 < delta < 1:
        raise ScenarioError("--delta", [("--delta", f"must be in (0, 1), got {delta}")])
    if not 0 < alpha < 1:
        raise ScenarioError("--alpha", [("--alpha", f"must be in (0, 1), got {alpha}")])
    if target not in TARGETS:
        raise ScenarioError("--target", [("--target", f"must be one of {TARGETS}")])
    items = [(a, a) if isinstance(a, str) else tuple(a)
             for a in (DEFAULT_ASSUMPTIONS if assumptions is None else assumptions)]
    if not items:
        raise ScenarioError("sensitivity", [("--vary", "no assumption to vary")])
    base_data = scenario.model_dump()
    runs, problems = [], []
    for path, label in items:
        for side, factor in (("low", 1.0 - delta), ("high", 1.0 + delta)):
            try:
                sc, value = perturbed(scenario, path, factor)
            except ScenarioError as exc:
                problems.extend(exc.problems)
                break
            runs.append((path, label, side, value, sc))
    if problems:
        raise ScenarioError(f"{scenario.name} (sensitivity ±{delta:g})",
                            list(dict.fromkeys(problems)))

    base = simulate(scenario, paths, seed, threads, batch_paths, progress=progress,
                    engine=engine, design=design)
    P, seed_used = base.n_paths, base.raw.seed
    rng = np.random.default_rng([seed_used, SENSITIVITY_BOOTSTRAP_STREAM])
    boot_idx = [rng.integers(0, P, P) for _ in range(bootstrap)]
    year = None if target == "accumulated" else int(base.years[-1])
    be_base = break_even(base, target, year)
    ind_base = _indicator(base, target)
    p_base, p_base_se = prob_se(ind_base)
    req_base = required_financing(base, target, alpha, year, bootstrap=0).per_capita
    rows = [{"assumption": "base", "label": "base", "side": "base", "value": math.nan,
             "p_deficit": float(p_base), "p_deficit_se": float(p_base_se),
             "p_deficit_diff": 0.0, "p_deficit_diff_se": 0.0, "required": req_base,
             "required_diff": 0.0, "required_diff_ci95_low": 0.0,
             "required_diff_ci95_high": 0.0}]
    for k, (path, label, side, value, sc) in enumerate(runs, start=1):
        if progress:
            print(f"sensitivity: run {k}/{len(runs)}: {path} {side} ({_fmt(value)})",
                  file=sys.stderr, flush=True)
        res = simulate(sc, P, seed_used, threads, batch_paths, progress=progress,
                       engine=engine, design=design)
        ind = _indicator(res, target)
        p, p_se = prob_se(ind)
        d, d_se = mean_se((ind - ind_base)[:, None])
        be = break_even(res, target, year)
        req = required_financing(res, target, alpha, year, bootstrap=0).per_capita
        diffs = np.array([_order_statistic(be[i], alpha) - _order_statistic(be_base[i], alpha)
                          for i in boot_idx]) if bootstrap else np.array([math.nan])
        rows.append({
            "assumption": path, "label": label, "side": side,
            "value": value if not isinstance(value, dict) else math.nan,
            "p_deficit": float(p), "p_deficit_se": float(p_se),
            "p_deficit_diff": float(d[0]), "p_deficit_diff_se": float(d_se[0]),
            "required": req, "required_diff": req - req_base,
            "required_diff_ci95_low": float(np.percentile(diffs, 2.5)),
            "required_diff_ci95_high": float(np.percentile(diffs, 97.5)),
        })
    table = pd.DataFrame(rows)
    table["base_value"] = [math.nan] + [_base_number(get_field(base_data, r[0])) for r in runs]
    return Sensitivity(table=table, delta=delta, alpha=alpha, target=target, paths=P,
                       seed=seed_used)


def _base_number(value) -> float:
    return float(value) if isinstance(value, (int, float)) else math.nan
