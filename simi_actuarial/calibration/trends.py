"""Trend estimation: log-linear regressions with named shocks and standard errors.

For a series ``v_t`` observed in years ``t``::

    log v_t = a + b (t - t_last) + sum_k d_k [t == k] + e_t,   e_t ~ N(0, s^2)

fitted by ordinary least squares. Each named shock year ``k`` has its own dummy, so the
shock neither bends the trend nor inflates its residual variance. Reported:

* annual growth ``g = exp(b) - 1``, standard error ``exp(b) se(b)`` (delta method), with
  ``se(b)^2 = s^2 [(X'X)^-1]_bb`` and ``s^2 = e'e / (n - p)``;
* each shock as a multiplier ``exp(d_k)`` on the level the trend gives for year ``k``,
  with standard error ``exp(d_k) se(d_k)``.

:func:`national_trends` applies this to the bundled national series (hospitals' cost per
admission and the residents' annual hospitalisation rate, NHC statistical bulletins
2015-2021; ``simi_actuarial/data/national_inpatient_trends.csv``): the defaults of
``risk.cost_trend``, ``risk.utilisation_trend``, ``risk.utilisation_shocks`` and the trend
uncertainty in :class:`~simi_actuarial.scenario.model_schema.RiskConfig` are these
estimates (a test checks that they agree).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd

#: The bundled national series (file name inside ``simi_actuarial/data``).
NATIONAL_SERIES = "national_inpatient_trends.csv"

#: Named shocks of the national series: years whose level is not on the trend.
COVID_2020 = {2020: "COVID-19: admissions fell nationally in 2020"}


@dataclass(frozen=True)
class Trend:
    """An estimated log-linear trend (see the module docstring)."""

    name: str
    growth: float
    se: float
    years: tuple[int, ...]
    residual_sd: float
    shocks: dict[int, float] = field(default_factory=dict)
    shock_se: dict[int, float] = field(default_factory=dict)
    shock_names: dict[int, str] = field(default_factory=dict)
    source: str = ""

    def describe(self) -> str:
        """One line: growth ± SE, years, shocks."""
        text = (f"{self.name}: {self.growth:+.2%}/yr (SE {self.se:.2%}), log-linear OLS on "
                f"{self.years[0]}-{self.years[-1]} (n={len(self.years)})")
        for k, m in sorted(self.shocks.items()):
            text += (f"; {k} shock x{m:.3f} (SE {self.shock_se[k]:.3f}"
                     + (f", {self.shock_names[k]}" if self.shock_names.get(k) else "") + ")")
        return text


def log_linear_trend(years: Sequence[int], values: Sequence[float],
                     shock_years: Iterable[int] | dict[int, str] = (), name: str = "",
                     source: str = "") -> Trend:
    """OLS log-linear trend of ``values`` with a dummy per year of ``shock_years``.

    Raises ``ValueError`` for non-positive values, an unknown shock year or fewer than
    ``p + 1`` observations (no residual degree of freedom for the standard error).
    """
    t = np.asarray(years, dtype=float)
    v = np.asarray(values, dtype=float)
    if t.shape != v.shape or t.ndim != 1:
        raise ValueError("years and values must be 1-d sequences of the same length")
    if np.any(~np.isfinite(v)) or np.any(v <= 0):
        raise ValueError("values must be finite and > 0 (the trend is log-linear)")
    names = dict(shock_years) if isinstance(shock_years, dict) else {
        int(k): "" for k in shock_years}
    shocks = sorted(names)
    missing = [k for k in shocks if k not in set(t.astype(int))]
    if missing:
        raise ValueError(f"shock year(s) {missing} not among the observed years")
    cols = [np.ones_like(t), t - t.max()] + [(t == k).astype(float) for k in shocks]
    x = np.column_stack(cols)
    n, p = x.shape
    if n <= p:
        raise ValueError(f"{n} observations for {p} coefficients: no degree of freedom left "
                         "for the standard error")
    y = np.log(v)
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ beta
    s2 = float(resid @ resid) / (n - p)
    cov = s2 * np.linalg.inv(x.T @ x)
    se = np.sqrt(np.diag(cov))
    eb = math.exp(beta[1])
    return Trend(
        name=name, growth=eb - 1.0, se=eb * float(se[1]),
        years=tuple(int(k) for k in t), residual_sd=math.sqrt(s2),
        shocks={k: math.exp(beta[2 + i]) for i, k in enumerate(shocks)},
        shock_se={k: math.exp(beta[2 + i]) * float(se[2 + i]) for i, k in enumerate(shocks)},
        shock_names={k: names[k] for k in shocks}, source=source)


def national_series() -> pd.DataFrame:
    """The bundled national cost-per-admission and hospitalisation-rate series."""
    with resources.files("simi_actuarial.data").joinpath(NATIONAL_SERIES).open() as fh:
        return pd.read_csv(fh)


def national_trends(last_year: int | None = None) -> dict[str, Trend]:
    """``cost`` (hospitals' cost per admission, no shock) and ``utilisation`` (annual
    hospitalisation rate, named 2020 shock) trends from the national series up to
    ``last_year`` (default: all, 2015-2021)."""
    df = national_series()
    if last_year is not None:
        df = df[df["year"] <= last_year]
    src = "NHC/NHFPC statistical bulletins on health development, 2015-2021"
    years = df["year"].astype(int).tolist()
    shocks = {k: v for k, v in COVID_2020.items() if k in years}
    return {
        "cost": log_linear_trend(years, df["cost_per_admission_cny"].astype(float).tolist(), name="cost per admission",
                                 source=src),
        "utilisation": log_linear_trend(years, df["hospitalisation_rate_pct"].astype(float).tolist(), shocks,
                                        name="hospitalisation rate", source=src),
    }
