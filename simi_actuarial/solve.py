"""Required financing standard for a risk target, without re-simulation.

The SIMI layer's balance is linear in the per-capita financing standard. With the standard
``f * g_t`` in year t (``g_t = (1 + growth)^(t - t0)``), insured ``N_t``, management-fee
share ``m_t`` and claims ``S_t``::

    balance_t(f) = f * a_t - S_t,          a_t = g_t * N_t * (1 - m_t)
    A_t(f)       = A_0 (1 + r)^(t + 1) + sum_{s <= t} balance_s(f) (1 + r)^(t - s)

so each path has a break-even standard: ``S_t / a_t`` for the current balance of year t, and
``max_t`` of the break-even of ``A_t`` for "no accumulated deficit in any year". The standard
meeting ``P(deficit) <= alpha`` is the order statistic of the per-path break-evens that leaves
at most ``alpha * P`` paths above it, rounded up to the cent. A bootstrap over paths gives its confidence interval.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from .engine.streams import FINANCING_BOOTSTRAP_STREAM
from .fund.accounting import contract_terms
from .results import SimulationResult

TARGETS = ("current", "accumulated", "loss_ratio")


@dataclass(frozen=True)
class RequiredFinancing:
    """A solved financing standard (CNY per insured in the first year, growing at
    ``growth``) with its bootstrap confidence interval."""

    target: str
    alpha: float | None
    value: float | None
    year: int | None
    growth: float
    per_capita: float
    ci_low: float
    ci_high: float
    achieved_in_sample: float | None
    paths: int
    bootstrap: int

    def schedule(self, years) -> dict[int, float]:
        """The standard per year as a history usable in ``financing.simi_per_capita``."""
        t0 = years[0]
        return {int(y): float(self.per_capita * (1 + self.growth) ** (y - t0)) for y in years}

    def as_dict(self) -> dict:
        return asdict(self)


def _order_statistic(x: np.ndarray, alpha: float) -> float:
    """Smallest v among x with at most floor(alpha * n) values of x above v."""
    s = np.sort(x)
    n = s.shape[-1]
    k = max(int(math.ceil((1.0 - alpha) * n - 1e-9)), 1)
    return float(s[..., k - 1]) if s.ndim == 1 else s[..., k - 1]


def break_even(result: SimulationResult, target: str, year: int | None = None,
               growth: float = 0.0) -> np.ndarray:
    """Per-path break-even standard (first-year CNY per insured) for ``target``."""
    years = result.years
    fee, _, _, _ = contract_terms(result.scenario)
    g = (1.0 + growth) ** (years - years[0])
    a = g * result.insured * (1.0 - fee)  # (Y,)
    claims = result.tally("simi_paid")  # (P, Y)
    if np.any(a <= 0):
        raise ValueError("zero insured or a 100 % management fee: no standard can break even")
    if target == "current":
        t = _year_index(years, year)
        return claims[:, t] / a[t]
    if target == "accumulated":
        r = result.scenario.fund.interest_rate
        A0 = result.scenario.fund.simi_opening_balance
        Y = len(years)
        disc = np.array([[(1 + r) ** (t - s) if s <= t else 0.0 for s in range(Y)]
                         for t in range(Y)])  # (t, s)
        need = claims @ disc.T - A0 * (1 + r) ** (np.arange(Y) + 1)  # (P, Y)
        have = disc @ a  # (Y,)
        return (need / have).max(axis=1)
    raise ValueError(f"unknown target {target!r}; expected one of {TARGETS}")


def _year_index(years: np.ndarray, year: int | None) -> int:
    if year is None:
        return len(years) - 1
    hits = np.nonzero(years == year)[0]
    if hits.size == 0:
        raise ValueError(f"year {year} is outside the horizon {years[0]}-{years[-1]}")
    return int(hits[0])


def required_financing(result: SimulationResult, target: str = "accumulated",
                       alpha: float = 0.05, year: int | None = None, value: float | None = None,
                       growth: float = 0.0, bootstrap: int = 999,
                       seed: int = 0) -> RequiredFinancing:
    """Financing standard meeting the target:

    * ``current``: P(current SIMI deficit in ``year``) <= ``alpha`` (default: last year);
    * ``accumulated``: P(accumulated deficit in any year of the horizon) <= ``alpha``;
    * ``loss_ratio``: expected claims / income = ``value`` (over the horizon, or in ``year``).
    """
    rng = np.random.default_rng([seed, FINANCING_BOOTSTRAP_STREAM])
    P = result.n_paths
    if target == "loss_ratio":
        if value is None or value <= 0:
            raise ValueError("target loss_ratio needs --value > 0")
        years = result.years
        g = (1.0 + growth) ** (years - years[0])
        claims = result.tally("simi_paid")
        sel = slice(None) if year is None else _year_index(years, year)
        den = value * np.sum((g * result.insured)[sel])

        def stat(idx):
            return float(np.sum(claims[idx].mean(axis=0)[sel]) / den)

        est = stat(np.arange(P))
        achieved = None
        alpha_out = None
    else:
        if not 0 < alpha < 1:
            raise ValueError("alpha must be in (0, 1)")
        be = break_even(result, target, year, growth)

        def stat(idx):
            return _order_statistic(be[idx], alpha)

        # Rounded up to the cent, as standards are published: exactly at a path's
        # break-even its balance is 0 only up to rounding error, and could read as a deficit.
        est = math.ceil(stat(np.arange(P)) * 100.0 - 1e-6) / 100.0
        achieved = float(np.mean(be > est))
        alpha_out = alpha
    boots = np.array([stat(rng.integers(0, P, P)) for _ in range(bootstrap)]) if bootstrap else None
    lo, hi = ((float(np.percentile(boots, 2.5)), float(np.percentile(boots, 97.5)))
              if boots is not None else (math.nan, math.nan))
    if target == "current" and year is None:
        year = int(result.years[-1])
    return RequiredFinancing(
        target=target, alpha=alpha_out, value=value, year=year, growth=growth,
        per_capita=float(est), ci_low=lo, ci_high=hi, achieved_in_sample=achieved, paths=P,
        bootstrap=bootstrap,
    )
