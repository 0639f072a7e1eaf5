"""Morbidity assumptions -> flat arrays for the compiled kernel."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..errors import ScenarioError
from .config import MorbidityConfig
from .severity import fit_mu_for_mean, spliced_mean

AGES = np.arange(101, dtype=float)


@dataclass(frozen=True)
class MorbidityArrays:
    """Per age/sex and per hospital level arrays (levels in the scenario's order)."""

    hosp_prob: np.ndarray
    adm_lambda: np.ndarray
    level_prob: np.ndarray
    cost_mu: np.ndarray
    cost_sigma: np.ndarray
    cost_threshold: np.ndarray
    cost_alpha: np.ndarray
    cost_ptail: np.ndarray
    inscope_mean: np.ndarray
    inscope_conc: np.ndarray
    os_prob: np.ndarray
    os_mu: float
    os_sigma: float
    os_inscope: float
    os_bmi_rate: float
    os_bmi_deductible: float
    expected_cost_per_admission: np.ndarray


def _shape(cfg: MorbidityConfig, old_level: float) -> np.ndarray:
    """Unscaled J-shaped hospitalisation probability (101, 2)."""
    base = (cfg.young_adult_rate + cfg.infant_rate * np.exp(-AGES / 3.0)
            + old_level * np.exp(cfg.ageing_slope * (AGES - 70)))
    out = np.stack([base, base], axis=1)
    women = (AGES >= 20) & (AGES < 40)
    out[women, 1] += cfg.maternity_rate
    out[AGES >= 50, 0] *= cfg.male_excess_old
    return out


def admissions_per_patient(cfg: MorbidityConfig) -> np.ndarray:
    """Poisson mean of extra admissions by age (101,)."""
    return np.where(AGES >= 60, cfg.extra_admissions_old, cfg.extra_admissions_young)


def hospitalisation_probability(cfg: MorbidityConfig, weights: np.ndarray) -> np.ndarray:
    """Probability of >= 1 admission by age and sex (101, 2), calibrated on ``weights``
    (insured by age and sex): admissions per insured equal ``cfg.admissions_per_insured`` and
    the 60+ rate equals ``cfg.older_adult_hospitalisation_rate`` (before the incidence
    multiplier)."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (101, 2) or w.sum() <= 0:
        raise ValueError("weights must be a (101, 2) array with a positive sum")
    adm = 1.0 + admissions_per_patient(cfg)[:, None]
    old = AGES >= 60

    def scaled(level):
        s = _shape(cfg, level)
        k = cfg.admissions_per_insured * w.sum() / np.sum(w * s * adm)
        return np.minimum(s * k, 1.0)

    def gap(level):
        p = scaled(level)
        return np.sum((w * p)[old]) / w[old].sum() - cfg.older_adult_hospitalisation_rate

    if w[old].sum() > 0 and gap(1e-6) < 0 < gap(10.0):
        level = optimize.brentq(gap, 1e-6, 10.0, xtol=1e-12)
    else:
        level = 0.1
    return np.minimum(scaled(level) * cfg.incidence_multiplier, 1.0)


def level_mix(cfg: MorbidityConfig, levels: list[str]) -> np.ndarray:
    """Admission shares over the scenario's levels (101, L); a level the scenario lacks
    folds into the nearest one it has (township -> primary, and so on)."""
    order = ["township", "primary", "secondary", "tertiary"]
    shares = np.zeros(len(levels))
    for name, share in cfg.level_mix.items():
        i = order.index(name)
        target = min(levels, key=lambda x: (abs(order.index(x) - i), -order.index(x)))
        shares[levels.index(target)] += share
    if shares.sum() <= 0:
        raise ScenarioError("morbidity", [("morbidity.level_mix", "shares sum to 0")])
    return np.tile(shares / shares.sum(), (101, 1))


def resolve_morbidity(cfg: MorbidityConfig, levels: list[str], age_sex_weights) -> MorbidityArrays:
    """Resolve ``cfg`` for the scenario's hospital ``levels`` and insured structure."""
    problems = []
    for field in ("cost_mean", "cost_sigma", "inscope_mean"):
        for lvl in levels:
            if lvl not in getattr(cfg, field):
                problems.append((f"morbidity.{field}.{lvl}", "no value for this hospital level"))
    if problems:
        raise ScenarioError("morbidity", problems)
    L = len(levels)
    mu = np.empty(L)
    thr = np.empty(L)
    for i, lvl in enumerate(levels):
        mu[i], thr[i] = fit_mu_for_mean(cfg.cost_mean[lvl] * cfg.cost_multiplier,
                                        cfg.cost_sigma[lvl], cfg.tail_threshold_quantile,
                                        cfg.tail_alpha, cfg.tail_probability)
    sigma = np.array([cfg.cost_sigma[lvl] for lvl in levels])
    alpha = np.full(L, cfg.tail_alpha)
    ptail = np.full(L, cfg.tail_probability)
    os_prob = np.minimum(cfg.os_prevalence_at_70 * np.exp(cfg.os_prevalence_slope * (AGES - 70)),
                         0.5)
    os_sigma = cfg.os_sigma
    return MorbidityArrays(
        hosp_prob=hospitalisation_probability(cfg, age_sex_weights),
        adm_lambda=admissions_per_patient(cfg),
        level_prob=level_mix(cfg, levels),
        cost_mu=mu, cost_sigma=sigma, cost_threshold=thr, cost_alpha=alpha, cost_ptail=ptail,
        inscope_mean=np.array([cfg.inscope_mean[lvl] for lvl in levels]),
        inscope_conc=np.full(L, cfg.inscope_concentration),
        os_prob=np.stack([os_prob, os_prob], axis=1),
        os_mu=math.log(cfg.os_mean_cost * cfg.cost_multiplier) - 0.5 * os_sigma**2,
        os_sigma=os_sigma, os_inscope=cfg.os_inscope, os_bmi_rate=cfg.os_bmi_rate,
        os_bmi_deductible=cfg.os_bmi_deductible,
        expected_cost_per_admission=np.array([
            spliced_mean(mu[i], sigma[i], thr[i], alpha[i], ptail[i]) for i in range(L)]),
    )
