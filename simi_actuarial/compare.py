"""Baseline vs reform on common random numbers: paired differences with confidence intervals.

Both scenarios are simulated with the same seed and path numbers, so every claimant in a
cell draws the same random numbers in both runs; differences are computed path by path and
their standard errors reflect only what the rules change. A scenario compared with itself
gives exactly zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .results import SimulationResult
from .stats import Z95, mean_se


def _metrics(r: SimulationResult) -> dict[str, np.ndarray]:
    f = r.funds
    n = r.insured
    return {
        "simi_claims": f.simi_claims,
        "simi_per_insured": f.simi_claims / n,
        "simi_beneficiaries": r.tally("simi_beneficiaries"),
        "bmi_paid": r.tally("bmi_paid"),
        "assistance_paid": r.tally("assistance_paid"),
        "patient_burden": r.tally("patient_in_scope") + r.tally("self_pay"),
        "patient_burden_per_claimant": (r.tally("patient_in_scope") + r.tally("self_pay"))
        / np.maximum(r.tally("claimants"), 1.0),
        "che_rate": r.tally("che_cases") / n,
        "current_deficit": (f.simi_balance < 0).astype(float),
        "accumulated_deficit": (f.simi_accumulated < 0).astype(float),
        "simi_accumulated_balance": f.simi_accumulated,
        "total_cost": r.tally("total_cost"),
    }


@dataclass
class Comparison:
    """Paired differences reform − base by year (``table``), with both results kept."""

    base: SimulationResult
    reform: SimulationResult

    @property
    def table(self) -> pd.DataFrame:
        if not np.array_equal(self.base.years, self.reform.years):
            raise ValueError("base and reform must have the same horizon")
        mb, mr = _metrics(self.base), _metrics(self.reform)
        rows = []
        for name in mb:
            d = mr[name] - mb[name]
            m, se = mean_se(d)
            base_m = mb[name].mean(axis=0)
            reform_m = mr[name].mean(axis=0)
            for t, year in enumerate(self.base.years):
                rows.append({
                    "metric": name, "year": int(year), "base": base_m[t], "reform": reform_m[t],
                    "difference": m[t], "difference_se": se[t],
                    "ci95_low": m[t] - Z95 * se[t], "ci95_high": m[t] + Z95 * se[t],
                })
        return pd.DataFrame(rows)

    def required_standard_change(self, alpha: float = 0.05, bootstrap: int = 999,
                                 seed: int = 0) -> dict:
        """Required standard (P(accumulated deficit in any year) <= ``alpha``) of base and
        reform, and its change with a paired bootstrap 95 % CI (the same resampled paths
        for both: common random numbers)."""
        from .solve import _order_statistic, break_even

        be_b = break_even(self.base, "accumulated")
        be_r = break_even(self.reform, "accumulated")
        b, r = _order_statistic(be_b, alpha), _order_statistic(be_r, alpha)
        rng = np.random.default_rng([seed, 98])
        P = be_b.shape[0]
        diffs = []
        for _ in range(bootstrap):
            idx = rng.integers(0, P, P)
            diffs.append(_order_statistic(be_r[idx], alpha) - _order_statistic(be_b[idx], alpha))
        lo, hi = np.percentile(diffs, [2.5, 97.5]) if diffs else (np.nan, np.nan)
        return {"alpha": alpha, "base": b, "reform": r, "change": r - b,
                "ci95_low": float(lo), "ci95_high": float(hi)}
