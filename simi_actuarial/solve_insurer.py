"""The insurer's price: financing standards meeting targets on the insurer's or the BMI
fund's side of the contract, without re-simulation.

Claims do not depend on the standard, so for a flat-growing standard ``f * g_t``
(``g_t = (1 + growth)^(t - t0)``) every settlement term follows from the run's tallies by
:func:`~simi_actuarial.fund.accounting.project_funds`. Per path and year the insurer's
result is ``min(R, cap I)`` for ``R = (1 - m) I - S >= 0`` and
``-L + share * min(L, corridor I)`` for a loss ``L = -R``: piecewise linear and
non-decreasing in ``f``. Over a contract term of ``T`` years:

* ``insurer_loss``: P(sum_{t<T} insurer result < 0) <= alpha. Each path's cumulative
  result is non-decreasing in ``f``, so each path has a break-even standard (found by
  bisection); the solution is their order statistic, as for the fund's deficit targets.
* ``insurer_margin``: E[sum insurer result] / E[sum income] = value (a share of premium).
* ``fund_net_cost``: E[sum (fund's loss share - returned surplus)] / sum N_t = value, CNY per
  insured and year (negative: the fund gains from the contract). Not monotone in ``f``:
  losses beyond the corridor shrink the fund's share as ``f`` falls.

For the last two the objective is scanned on a grid of standards; every sign change is
refined by ``brentq`` and the smallest root is reported (all roots are listed). Confidence
intervals: bootstrap over paths, re-solving on each resample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from .fund.accounting import contract_terms, project_funds
from .solve import RequiredFinancing, _order_statistic

INSURER_TARGETS = ("insurer_loss", "insurer_margin", "fund_net_cost")
GRID = 241


class InsurerSolveError(ValueError):
    """No standard meets the target (the message says what range is attainable)."""


@dataclass(frozen=True)
class InsurerSolution(RequiredFinancing):
    """A solved standard for an insurer-side target, over a contract ``term`` (years)."""

    term: int = 0
    roots: tuple[float, ...] = ()


class _Problem:
    """Settlement of a run's paths at any flat-growing standard."""

    def __init__(self, result, term: int | None, growth: float):
        self.result = result
        self.scenario = result.scenario
        if self.scenario.fund.insurer is None:
            raise InsurerSolveError("fund.insurer: the scenario has no insurer contract")
        years = result.years
        self.term = len(years) if term is None else int(term)
        if not 1 <= self.term <= len(years):
            raise InsurerSolveError(f"--term must be between 1 and {len(years)} years")
        self.g = (1.0 + growth) ** (years - years[0])
        self.insured = result.insured
        self.claims = result.tally("simi_paid")
        self.bmi = result.tally("bmi_paid")
        fee = contract_terms(self.scenario)[0]
        a = self.g * self.insured * (1.0 - fee)
        # above this standard every path has a surplus every year
        self.f_high = float(max(np.max(self.claims / np.where(a > 0, a, np.nan)), 1.0)) * 1.5

    def funds(self, f, idx=None):
        """Settlement at standard ``f`` (scalar, or one per path of ``idx``)."""
        idx = slice(None) if idx is None else idx
        f = np.asarray(f, dtype=float)
        pc = self.g * (f[:, None] if f.ndim else f)
        return project_funds(self.scenario, self.insured, self.claims[idx], self.bmi[idx], pc)

    def per_path(self, target: str, f: float, idx=None) -> np.ndarray:
        """Per-path statistic whose mean is the target's objective at ``f``."""
        return _statistic(self.funds(f, idx), target, self.term, self.insured)

    def break_even(self, idx=None, iters: int = 64) -> np.ndarray:
        """Per path, the smallest standard with a cumulative insurer result >= 0 (bisection)."""
        n = self.claims[slice(None) if idx is None else idx].shape[0]
        lo, hi = np.zeros(n), np.full(n, self.f_high)
        for _ in range(iters):
            mid = 0.5 * (lo + hi)
            ok = self.funds(mid, idx).insurer_result[:, :self.term].sum(axis=1) >= 0
            hi = np.where(ok, mid, hi)
            lo = np.where(ok, lo, mid)
        return hi


def _roots(fun, grid: np.ndarray, values: np.ndarray) -> list[float]:
    """Every root of ``fun`` bracketed by a sign change of ``values`` on ``grid``."""
    out = []
    for k in range(len(grid) - 1):
        a, b = values[k], values[k + 1]
        if a == 0:
            out.append(float(grid[k]))
        elif a * b < 0:
            out.append(float(brentq(fun, grid[k], grid[k + 1], xtol=1e-6)))
    if values[-1] == 0:
        out.append(float(grid[-1]))
    return out


def solve_insurer(result, target: str, alpha: float = 0.05, value: float | None = None,
                  term: int | None = None, growth: float = 0.0, bootstrap: int = 199,
                  seed: int = 0) -> InsurerSolution:
    """Standard (first-year CNY per insured) meeting an insurer-side ``target`` (see the
    module docstring), with a 95 % bootstrap CI. ``result``: a run or its files."""
    if target not in INSURER_TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {INSURER_TARGETS}")
    prob = _Problem(result, term, growth)
    P = result.n_paths
    rng = np.random.default_rng([seed, 98])
    samples = [rng.integers(0, P, P) for _ in range(bootstrap)]
    roots: list[float] = []
    if target == "insurer_loss":
        if not 0 < alpha < 1:
            raise InsurerSolveError("alpha must be in (0, 1)")
        be = prob.break_even()
        est = math.ceil(_order_statistic(be, alpha) * 100.0 - 1e-6) / 100.0
        achieved = float(np.mean(be > est))
        boots = [_order_statistic(be[i], alpha) for i in samples]
        alpha_out, value = alpha, None
    else:
        if value is None:
            raise InsurerSolveError(f"--target {target} needs --value")
        grid = np.linspace(prob.f_high / GRID, prob.f_high, GRID)
        table = np.stack([prob.per_path(target, f) for f in grid], axis=1)  # (P, K)

        def solve_on(idx):
            vals = table[idx].mean(axis=0) - value
            found = _roots(lambda f: float(prob.per_path(target, f, idx).mean() - value),
                           grid, vals)
            return found, vals

        roots, vals = solve_on(np.arange(P))
        if not roots:
            span = vals + value
            raise InsurerSolveError(
                f"no standard in {grid[0]:,.2f}-{grid[-1]:,.2f} CNY gives {target} = {value:g}; "
                f"attainable: {np.nanmin(span):.4g} to {np.nanmax(span):.4g}")
        est = roots[0]
        achieved = float(prob.per_path(target, est).mean())
        boots = [r[0][0] if (r := solve_on(i))[0] else np.nan for i in samples]
        alpha_out = None
    boots = np.asarray(boots, dtype=float)
    lo, hi = ((float(np.nanpercentile(boots, 2.5)), float(np.nanpercentile(boots, 97.5)))
              if bootstrap and np.isfinite(boots).any() else (math.nan, math.nan))
    return InsurerSolution(
        target=target, alpha=alpha_out, value=value, year=None, growth=growth,
        per_capita=float(est), ci_low=lo, ci_high=hi, achieved_in_sample=achieved, paths=P,
        bootstrap=bootstrap, term=prob.term, roots=tuple(roots))


def _statistic(fp, target: str, T: int, insured: np.ndarray) -> np.ndarray:
    """Per path over the first ``T`` years: loss indicator (insurer_loss), margin on premium
    (insurer_margin) or the fund's net cost per insured and year (fund_net_cost)."""
    cum = fp.insurer_result[:, :T].sum(axis=1)
    if target == "insurer_margin":
        return cum / fp.simi_income[:, :T].sum(axis=1)
    if target == "fund_net_cost":
        return (fp.fund_loss_share[:, :T] - fp.returned_surplus[:, :T]).sum(axis=1) / \
            insured[:T].sum()
    return (cum < 0).astype(float)


def target_statistic(result, target: str, term: int) -> tuple[float, float]:
    """The target's statistic and its standard error on ``result`` at the scenario's own
    standard (used to verify a solution on fresh paths)."""
    fp = project_funds(result.scenario, result.insured, result.tally("simi_paid"),
                       result.tally("bmi_paid"))
    x = _statistic(fp, target, term, result.insured)
    n = len(x)
    return float(x.mean()), (float(x.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan)
