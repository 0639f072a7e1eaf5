"""Observed vs fitted tables of a :class:`~simi_actuarial.fitting.fit.ClaimsFit`: by age
band (claimants, admissions), by level (admissions, mean cost, tail share, in-scope share)
and by cost band; and the empirical cost quantiles (from the binned counts, interpolated
log-linearly within a bin) for the QQ plot."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .extract import COST_EDGES

AGE_BANDS = (0, 5, 15, 25, 35, 45, 55, 65, 75, 85)
COST_BANDS = (0.0, 5000.0, 10000.0, 20000.0, 40000.0, 50000.0, 60000.0, 100000.0, 200000.0)


def by_age_band(fit) -> pd.DataFrame:
    """Insured, claimants and admissions per age band and sex, observed and fitted."""
    ins, p = fit.enrolment.insured, fit.claimants.prob_
    extra = np.where(np.arange(101) >= 60, fit.admissions.mean_old_, fit.admissions.mean_young_)
    band = np.searchsorted(np.asarray(AGE_BANDS), np.arange(101), side="right") - 1
    rows = []
    for b, lo in enumerate(AGE_BANDS):
        hi = AGE_BANDS[b + 1] - 1 if b + 1 < len(AGE_BANDS) else 100
        sel = band == b
        for s, sex in enumerate(("male", "female")):
            fc = float(np.sum(ins[sel, s] * p[sel, s]))
            rows.append({"ages": f"{lo}-{hi}" if hi < 100 else f"{lo}+", "sex": sex,
                         "insured": float(ins[sel, s].sum()),
                         "claimants_observed": float(fit.stats.claimants[sel, s].sum()),
                         "claimants_fitted": fc,
                         "admissions_observed": float(fit.stats.admissions[sel, s].sum()),
                         "admissions_fitted": float(np.sum(ins[sel, s] * p[sel, s]
                                                           * (1 + extra[sel])))})
    return pd.DataFrame(rows)


def by_level(fit) -> pd.DataFrame:
    """Per level: admissions share, mean cost, share above the threshold and in-scope share,
    observed and fitted (with the fitted standard errors)."""
    st, c = fit.stats, fit.costs
    n = st.level_by_age.sum(axis=0)
    rows = []
    for i, lvl in enumerate(st.levels):
        t = int(np.searchsorted(COST_EDGES, c.threshold_))
        npos = st.bin_n[i].sum()
        rows.append({
            "level": lvl, "admissions": float(n[i]),
            "share_observed": float(n[i] / n.sum()), "share_fitted": float(fit.levels.mix_[i]),
            "mean_cost_observed": float(st.cost_sum[i] / n[i]) if n[i] else np.nan,
            "mean_cost_fitted": float(c.mean_[i]), "mean_cost_se": float(c.mean_se_[i]),
            "tail_share_observed": float(st.bin_n[i, t:].sum() / npos) if npos else np.nan,
            "tail_share_fitted": float(c.p_tail_[i]),
            "inscope_share_observed": float(st.share_s1[i] / st.share_n[i])
            if st.share_n[i] else np.nan,
            "inscope_share_fitted": float(fit.inscope.mean_[i])})
    return pd.DataFrame(rows)


def _count_below(bin_n: np.ndarray, x: float) -> float:
    """Admissions costing less than ``x`` (``x`` a bin edge)."""
    return float(bin_n[: int(np.searchsorted(COST_EDGES, x))].sum()) if x > 0 else 0.0


def by_cost_band(fit) -> pd.DataFrame:
    """Admissions per cost band and level, observed and fitted (n x probability)."""
    st, rows = fit.stats, []
    edges = [*COST_BANDS, np.inf]
    for i, lvl in enumerate(st.levels):
        n = st.bin_n[i].sum()
        if n == 0:
            continue
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            obs = (n if np.isinf(hi) else _count_below(st.bin_n[i], hi)) - _count_below(
                st.bin_n[i], lo)
            fhi = 1.0 if np.isinf(hi) else float(fit.costs.cdf(i, hi))
            rows.append({"level": lvl, "from": lo, "to": hi, "observed": obs,
                         "fitted": n * (fhi - float(fit.costs.cdf(i, lo)))})
    return pd.DataFrame(rows)


def empirical_quantiles(bin_n: np.ndarray, probs) -> np.ndarray:
    """Quantiles of the binned costs (log-linear interpolation within a bin)."""
    cum = np.concatenate([[0.0], np.cumsum(bin_n)]) / bin_n.sum()
    upper = np.append(COST_EDGES[1:], COST_EDGES[-1] * 1.1)
    out = []
    for q in np.asarray(probs, float):
        b = int(np.clip(np.searchsorted(cum, q, side="right") - 1, 0, bin_n.size - 1))
        frac = (q - cum[b]) / max(cum[b + 1] - cum[b], 1e-300)
        out.append(COST_EDGES[b] * (upper[b] / COST_EDGES[b]) ** np.clip(frac, 0, 1))
    return np.array(out)
