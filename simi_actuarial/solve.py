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
from .stats import Z95

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
    #: proxy engine only: sd of the standard from the proxy's estimation error (included in
    #: the CI, in quadrature with the bootstrap's half-widths)
    proxy_error_sd: float | None = None

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
               growth: float = 0.0, claims: np.ndarray | None = None) -> np.ndarray:
    """Per-path break-even standard (first-year CNY per insured) for ``target``
    (``claims``: SIMI claims (P, Y) to use instead of the run's)."""
    if target == "current":
        t = _year_index(result.years, year)
        claims = result.tally("simi_paid") if claims is None else claims
        return claims[:, t] / _income_per_standard(result, growth)[t]
    if target == "accumulated":
        return accumulated_break_even_by_year(result, growth, claims)[:, -1]
    raise ValueError(f"unknown target {target!r}; expected one of {TARGETS}")


def _income_per_standard(result: SimulationResult, growth: float) -> np.ndarray:
    """``a_t = g_t N_t (1 - m_t)``: the SIMI fund's income per CNY of first-year standard."""
    years = result.years
    fee, _, _, _ = contract_terms(result.scenario)
    a = (1.0 + growth) ** (years - years[0]) * result.insured * (1.0 - fee)  # (Y,)
    if np.any(a <= 0):
        raise ValueError("zero insured or a 100 % management fee: no standard can break even")
    return a


def accumulated_break_even_by_year(result: SimulationResult, growth: float = 0.0,
                                   claims: np.ndarray | None = None) -> np.ndarray:
    """(P, Y): per path, the smallest first-year standard with no accumulated deficit in any
    year up to each year, ``max_{s <= t} need_s / have_s`` with (module docstring)
    ``need_t = Σ_{s<=t} S_s (1+r)^(t-s) - A_0 (1+r)^(t+1)``, ``have_t = Σ_{s<=t} a_s (1+r)^(t-s)``.
    P(accumulated deficit by year t at standard f) is the share of paths above f in column t."""
    a = _income_per_standard(result, growth)
    r = result.scenario.fund.interest_rate
    A0 = result.scenario.fund.simi_opening_balance
    Y = len(a)
    disc = np.array([[(1 + r) ** (t - s) if s <= t else 0.0 for s in range(Y)]
                     for t in range(Y)])  # (t, s)
    claims = result.tally("simi_paid") if claims is None else claims
    need = claims @ disc.T - A0 * (1 + r) ** (np.arange(Y) + 1)  # (P, Y)
    return np.maximum.accumulate(need / (disc @ a), axis=1)


def proxy_error_of_standard(result: SimulationResult, target: str, alpha: float | None,
                            year: int | None = None, growth: float = 0.0,
                            value: float | None = None) -> float | None:
    """For a proxy run: the standard deviation of the standard from the proxy's own
    estimation error (delta method). The error of the estimated mean claims is common to all
    paths of a year (within a year all paths are moved together, a conservative bound) and
    independent between years (each year's inner simulations use their own random streams)::

        sd^2 = Σ_t ((q(S + sd_t e_t) - q(S - sd_t e_t)) / 2)^2

    ``q`` the α order statistic of the per-path break-evens, ``sd_t`` the per-path sd of the
    estimated mean SIMI claims of year ``t``. For ``loss_ratio`` (the mean claims over paths
    / ``value Σ_t g_t N_t``) the error moves the standard one for one::

        sd = sqrt(Σ_t (mean_p sd_pt)^2) / (value Σ_t g_t N_t)   (t over ``year`` or the horizon)

    ``None`` for a microsimulation run."""
    sd = result.estimation_sd("simi_paid")
    if sd is None:
        return None
    if target == "loss_ratio":
        if value is None or value <= 0:
            raise ValueError("target loss_ratio needs --value > 0")
        years = result.years
        g = (1.0 + growth) ** (years - years[0])
        sel = slice(None) if year is None else slice(_year_index(years, year),
                                                     _year_index(years, year) + 1)
        den = value * float(np.sum((g * result.insured)[sel]))
        return float(math.sqrt(float(np.sum(sd.mean(axis=0)[sel] ** 2))) / den)
    if alpha is None:
        raise ValueError(f"target {target!r} needs alpha")
    claims = result.tally("simi_paid")
    total = 0.0
    for t in range(claims.shape[1]):
        if not sd[:, t].any():
            continue
        moved = []
        for sign in (1.0, -1.0):
            c = claims.copy()
            c[:, t] += sign * sd[:, t]
            moved.append(_order_statistic(break_even(result, target, year, growth, c), alpha))
        total += ((moved[0] - moved[1]) / 2.0) ** 2
    return float(math.sqrt(total))


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
    proxy_sd = proxy_error_of_standard(result, target, alpha_out, year, growth, value)
    if proxy_sd is not None and boots is not None:
        # the proxy's own estimation error, common to all paths, added in quadrature
        lo = est - math.hypot(est - lo, Z95 * proxy_sd)
        hi = est + math.hypot(hi - est, Z95 * proxy_sd)
    if target == "current" and year is None:
        year = int(result.years[-1])
    return RequiredFinancing(
        target=target, alpha=alpha_out, value=value, year=year, growth=growth,
        per_capita=float(est), ci_low=lo, ci_high=hi, achieved_in_sample=achieved, paths=P,
        bootstrap=bootstrap, proxy_error_sd=proxy_sd,
    )
