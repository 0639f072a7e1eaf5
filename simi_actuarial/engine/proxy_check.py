"""``--check-micro N``: the proxy checked against the microsimulation on its own outer paths.

The microsimulation runs paths ``0 .. N-1`` of the same run (same seed, so the same
systematic factors); for each tally the summed difference over those path-years is compared
with its standard deviation under the proxy::

    z = Σ_{p,t} (micro - proxy mean) / sqrt( Σ_{p,t} process var + Σ_t (Σ_p est sd)^2 )

``process var`` is the proxy's conditional variance of the path-year (claimant counts and
claim sizes); ``est sd`` the standard deviation of the proxy's estimated mean, common to all
paths (so summed before squaring: a conservative bound on its correlation across paths).
Under a correct proxy each z is about standard normal; any ``|z| > Z_FAIL`` fails the check.
The spread of the per path-year z (root mean square, about 1 when the conditional variance is
right) and its largest absolute value are reported beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .proxy.evaluate import process_variance
from .simulate import RawRun, run_batch, systematic_factors
from .tallies import TALLY_NAMES

#: |z| above which a tally fails the check (the issue's threshold; with 28 tallies a
#: correct proxy fails about once in 600 checks).
Z_FAIL = 4.0


@dataclass(frozen=True)
class MicroCheck:
    """Result of :func:`check_against_micro` (``table``: one row per tally)."""

    paths: int
    table: pd.DataFrame
    seconds_micro: float

    @property
    def max_abs_z(self) -> float:
        return float(self.table["z"].abs().max())

    @property
    def ok(self) -> bool:
        return bool(self.max_abs_z <= Z_FAIL)

    def message(self) -> str:
        """One line per failing tally (empty when the check passes)."""
        bad = self.table[self.table["z"].abs() > Z_FAIL]
        return "; ".join(f"{r.tally}: z = {r.z:+.2f} (micro {r.micro_mean:,.6g}, proxy "
                         f"{r.proxy_mean:,.6g} per path-year)" for r in bad.itertuples())


def check_against_micro(raw: RawRun, n_paths: int) -> MicroCheck:
    """Run the microsimulation on paths ``0 .. n_paths - 1`` of ``raw`` (a proxy run) and
    compare every tally (module docstring)."""
    import time

    if raw.proxy is None:
        raise ValueError("check_against_micro needs a run of the proxy engine")
    n = int(min(max(n_paths, 1), raw.tallies.shape[0]))
    t0 = time.perf_counter()
    micro = run_batch(replace(raw.model, proxy=None), raw.seed, 0, n).tallies
    seconds = time.perf_counter() - t0
    _, fac = systematic_factors(raw.model, raw.seed, 0, n)
    mean, var, est = process_variance(raw.proxy, fac)
    diff = micro - mean
    total_var = var.sum(axis=(0, 1)) + (np.sqrt(est).sum(axis=0) ** 2).sum(axis=0)
    d = diff.sum(axis=(0, 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(total_var > 0, d / np.sqrt(total_var), np.where(d == 0, 0.0, np.inf))
        zpy = np.where(var + est > 0, diff / np.sqrt(var + est), 0.0)
    table = pd.DataFrame({
        "tally": TALLY_NAMES,
        "micro_mean": micro.mean(axis=(0, 1)),
        "proxy_mean": mean.mean(axis=(0, 1)),
        "z": z,
        "path_year_z_rms": np.sqrt((zpy ** 2).mean(axis=(0, 1))),
        "path_year_z_max": np.abs(zpy).max(axis=(0, 1)),
        "estimation_share": np.divide(
            (np.sqrt(est).sum(axis=0) ** 2).sum(axis=0), total_var,
            out=np.zeros(len(TALLY_NAMES)), where=total_var > 0),
    })
    return MicroCheck(paths=n, table=table, seconds_micro=seconds)
