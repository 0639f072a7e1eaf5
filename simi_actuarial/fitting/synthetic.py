"""Synthetic claims extracts drawn from known parameters (tests, the walkthrough's example,
benchmarks): the same model the fit assumes, so a fit must recover the parameters.

Per age and sex cell, claimants ~ Binomial(insured, p(age, sex)); each claimant has 1 +
NegBin(mean, shape) admissions (mean by under 60 / 60+); each admission a level drawn from
its age band's mix, a spliced lognormal-Pareto cost (one threshold) and an in-scope share
~ Beta(m c, (1 - m) c). Persons' groups are drawn with the enrolment's group shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..morbidity.severity import spliced_quantile

AGES = np.arange(101)


def default_claimant_probability() -> np.ndarray:
    """A smooth J-shaped (101, 2) claimant probability (ASSUMPTION: illustrative only)."""
    base = 0.045 + 0.10 * np.exp(-AGES / 3.0) + 0.30 / (1.0 + np.exp(-(AGES - 78) / 12.0))
    male = base * (1.0 + 0.15 / (1.0 + np.exp(-(AGES - 50) / 6.0)))
    return np.stack([male, base], axis=1)


def default_structure() -> np.ndarray:
    """Insured shares by age and sex (101, 2): a smooth, slightly ageing profile."""
    w = np.exp(-((AGES - 45) / 32.0) ** 2) * np.where(AGES > 85, np.exp(-(AGES - 85) / 4), 1)
    s = np.stack([w, w * 1.02], axis=1)
    return s / s.sum()


@dataclass
class Truth:
    """Parameters of a synthetic extract (levels in ``levels`` order)."""

    levels: list = field(default_factory=lambda: ["township", "primary", "secondary",
                                                  "tertiary"])
    claimant_probability: np.ndarray = field(default_factory=default_claimant_probability)
    extra_young: float = 0.25
    extra_old: float = 0.5
    extra_shape: float = 0.8
    bands: list = field(default_factory=lambda: [0, 15, 45, 65, 80])
    band_mix: np.ndarray = field(default_factory=lambda: np.array(
        [[0.10, 0.20, 0.42, 0.28], [0.08, 0.17, 0.38, 0.37], [0.12, 0.18, 0.33, 0.37],
         [0.17, 0.20, 0.33, 0.30], [0.22, 0.23, 0.35, 0.20]]))
    mu: np.ndarray = field(default_factory=lambda: np.array([7.7, 7.9, 8.5, 9.2]))
    sigma: np.ndarray = field(default_factory=lambda: np.array([0.65, 0.7, 0.75, 0.8]))
    threshold: float = 50000.0
    p_tail: np.ndarray = field(default_factory=lambda: np.array([0.001, 0.002, 0.01, 0.04]))
    alpha: np.ndarray = field(default_factory=lambda: np.array([3.0, 3.0, 2.8, 2.4]))
    inscope_mean: np.ndarray = field(default_factory=lambda: np.array(
        [0.95, 0.94, 0.91, 0.88]))
    inscope_conc: float = 30.0


def draw_extract(truth: Truth, insured: np.ndarray, groups: dict, seed: int = 1):
    """Yield claims DataFrames (one per age) for the (101, 2) ``insured`` counts; ``groups``
    maps group name -> share."""
    rng = np.random.default_rng(seed)
    gnames, gshares = list(groups), np.array(list(groups.values()), float)
    band_of_age = np.searchsorted(np.asarray(truth.bands), AGES, side="right") - 1
    next_id = 0
    for age in range(101):
        frames = []
        for s, sex in enumerate(("male", "female")):
            n = int(rng.binomial(int(insured[age, s]), truth.claimant_probability[age, s]))
            if n == 0:
                continue
            m = truth.extra_old if age >= 60 else truth.extra_young
            r = truth.extra_shape
            k = 1 + rng.negative_binomial(r, r / (r + m), size=n)
            ids = np.repeat(np.arange(next_id, next_id + n), k)
            grp = np.repeat(rng.choice(len(gnames), size=n, p=gshares / gshares.sum()), k)
            next_id += n
            a = ids.size
            lv = rng.choice(len(truth.levels), size=a, p=truth.band_mix[band_of_age[age]])
            u = rng.random(a)
            cost = np.empty(a)
            for j in range(len(truth.levels)):
                sel = lv == j
                cost[sel] = spliced_quantile(u[sel], truth.mu[j], truth.sigma[j],
                                             truth.threshold, truth.alpha[j], truth.p_tail[j])
            mean = truth.inscope_mean[lv]
            share = rng.beta(mean * truth.inscope_conc, (1 - mean) * truth.inscope_conc)
            total = np.round(cost, 2)
            frames.append(pd.DataFrame({
                "person_id": np.char.add("P", ids.astype(str)), "age": age, "sex": sex,
                "group": np.asarray(gnames, dtype=object)[grp],
                "hospital_level": np.asarray(truth.levels, dtype=object)[lv],
                "total_cost": total, "in_scope_cost": np.minimum(np.round(total * share, 2),
                                                                 total)}))
        if frames:
            yield pd.concat(frames, ignore_index=True)


def write_extract(truth: Truth, insured_total: int, claims_path, enrolment_path,
                  groups: dict | None = None, seed: int = 1,
                  structure: np.ndarray | None = None) -> np.ndarray:
    """Write a synthetic claims CSV and its enrolment CSV; return the (101, 2) insured."""
    groups = groups or {"general": 1.0}
    shares = default_structure() if structure is None else structure / structure.sum()
    insured = np.round(shares * insured_total)
    first = True
    for frame in draw_extract(truth, insured, groups, seed):
        frame.to_csv(claims_path, mode="w" if first else "a", header=first, index=False)
        first = False
    rows = [{"age": a, "sex": sex, "group": g, "insured": int(round(insured[a, s] * sh))}
            for a in range(101) for s, sex in enumerate(("male", "female"))
            for g, sh in groups.items()]
    pd.DataFrame(rows).to_csv(enrolment_path, index=False)
    return insured


def main(argv=None) -> None:
    """``python -m simi_actuarial.fitting.synthetic CLAIMS.csv INSURED.csv [--insured N]
    [--seed S]``: a synthetic extract of the default :class:`Truth` (groups general 95 %,
    poor 5 %)."""
    import argparse

    ap = argparse.ArgumentParser(prog="python -m simi_actuarial.fitting.synthetic")
    ap.add_argument("claims")
    ap.add_argument("enrolment")
    ap.add_argument("--insured", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args(argv)
    write_extract(Truth(), a.insured, a.claims, a.enrolment,
                  groups={"general": 0.95, "poor": 0.05}, seed=a.seed)


if __name__ == "__main__":  # pragma: no cover
    main()
