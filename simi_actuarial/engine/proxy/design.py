"""The proxy's design: where in cost-factor space the per-claimant moments are estimated,
and on how many inner claimants.

Grid. The systematic cost index of year ``t`` is lognormal to a very good approximation
(:mod:`~simi_actuarial.engine.systematic`)::

    log ci_t = y_t log(1 + trend) + x_t + log level,   y_t = year_t - base_year
    sd(log ci_t)^2 ≈ (y_t sd_trend / (1 + trend))^2 + sd_shock^2 Σ_{j=0..t} ar^(2j) + sd_level^2

The grid of year ``t`` is ``grid_points`` values of ``log ci`` spaced evenly over the mean
± ``grid_sd`` standard deviations (at least ± ``MIN_HALF_WIDTH``); the moments are
interpolated between them by 4-point (cubic) Lagrange interpolation. An outer path-year
outside its grid is refused (at ± 6.5 sd: probability about 1e-10 per path-year).

Inner sample. Per year, the inner claimants per grid point ``B_t`` default to
``inner_multiple`` × the expected claimants of the year, clipped to
[``min_inner``, ``max_inner``] (ASSUMPTION: the error budget of docs/performance.md; the
proxy's own estimation error is measured and reported with every run). They are allocated
to the (age, group, claim type) classes in proportion to the expected claimants and split
into ``replicates`` independent replicate units (the covariance comes from the spread
between replicates).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ...errors import SimiInputError
from ...scenario.model_schema import RiskConfig

#: Smallest half-width of a year's grid in log cost index (a scenario without systematic
#: cost risk still gets a grid that its paths fall well inside).
MIN_HALF_WIDTH = 0.02
#: Upper bounds of the design (each inner kernel call holds 3 x grid_points x replicates
#: units of every year: 101 x 1024 would need about 2 GB per call).
MAX_GRID_POINTS = 101
MAX_REPLICATES = 1024
#: Largest accepted leave-one-out interpolation error of a year's mean money tallies at the
#: grid's interior nodes within ± 4 sd (cubic through the two neighbours on each side, i.e.
#: at twice the spacing: the error at the real spacing is about 16 times smaller, so 8 %
#: here is about 0.5 % between the nodes). ASSUMPTION; at the defaults the bundled
#: scenarios stay below 0.1 %.
MAX_INTERPOLATION_ERROR = 0.08


class ProxyDesignError(SimiInputError):
    """The proxy's design does not suit the scenario (exit 2 with the message)."""

    def __init__(self, field: str, message: str):
        super().__init__("proxy engine", [(field, message)])


@dataclass(frozen=True)
class ProxyDesign:
    """Settings of the proxy engine (recorded in the run manifest)."""

    grid_points: int = 11        # cost-factor grid points per year (>= 4)
    grid_sd: float = 6.5         # half-width of the grid in standard deviations of log ci
    inner_multiple: float = 4.0  # inner claimants per grid point / expected claimants of the year
    min_inner: int = 200_000     # ... at least
    max_inner: int = 8_000_000   # ... at most (Guangxi size: about the expected claimants)
    replicates: int = 64         # independent replicate units per class (covariance; 8 left
    #                              the median process sd of SIMI paid 4-10 % low: docs/performance.md)
    process_noise: bool = True   # False: the conditional mean only (noise-free objective)

    def __post_init__(self) -> None:
        problems = []
        if not 4 <= self.grid_points <= MAX_GRID_POINTS:
            problems.append(f"grid_points must be between 4 (cubic interpolation) and "
                            f"{MAX_GRID_POINTS}, got {self.grid_points}")
        if not self.grid_sd > 0:
            problems.append(f"grid_sd must be > 0, got {self.grid_sd}")
        if not self.inner_multiple > 0:
            problems.append(f"inner_multiple must be > 0, got {self.inner_multiple}")
        if not 1 <= self.min_inner <= self.max_inner:
            problems.append(f"min_inner must be between 1 and max_inner ({self.max_inner:,}), "
                            f"got {self.min_inner:,}")
        if not 2 <= self.replicates <= MAX_REPLICATES:
            problems.append(f"replicates must be between 2 (covariance) and {MAX_REPLICATES}, "
                            f"got {self.replicates}")
        if not self.inner_multiple < float("inf"):
            problems.append("inner_multiple must be finite")
        if problems:
            raise ValueError("proxy design: " + "; ".join(problems))

    def as_dict(self) -> dict:
        return asdict(self)


def log_cost_moments(risk: RiskConfig, years: np.ndarray, base_year: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation of ``log ci_t`` per year (formula in the module doc)."""
    y = np.asarray(years, dtype=float) - float(base_year)
    t = np.arange(len(y))
    g = 1.0 + risk.cost_trend
    mean = y * np.log(g) - 0.5 * risk.cost_level_uncertainty_sd ** 2
    ar2 = risk.cost_shock_ar ** 2
    shock_var = risk.cost_shock_sd ** 2 * np.array([np.sum(ar2 ** np.arange(k + 1)) for k in t])
    var = (y * risk.trend_uncertainty_sd / g) ** 2 + shock_var + risk.cost_level_uncertainty_sd ** 2
    return mean, np.sqrt(var)


def cost_grid(design: ProxyDesign, risk: RiskConfig, years: np.ndarray, base_year: int) -> np.ndarray:
    """(Y, K) grid of ``log ci`` per year."""
    mean, sd = log_cost_moments(risk, years, base_year)
    half = np.maximum(design.grid_sd * sd, MIN_HALF_WIDTH)
    u = np.linspace(-1.0, 1.0, design.grid_points)
    return mean[:, None] + half[:, None] * u[None, :]


def inner_claimants(design: ProxyDesign, expected: np.ndarray) -> np.ndarray:
    """Inner claimants per grid point for each year, from the expected claimants ``(Y,)``."""
    b = np.clip(design.inner_multiple * np.asarray(expected, dtype=float),
                design.min_inner, design.max_inner)
    return np.ceil(b).astype(np.int64)
