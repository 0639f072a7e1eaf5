"""Morbidity assumptions -> flat arrays for the compiled kernel.

Calibration (all on the insured age-sex weights the caller passes; the engine passes the
national reference structure, so that an older scenario population costs more):

* hospitalisation probability by age and sex: a J-shaped curve (infant bump, flat minimum
  in the teens, maternity bump, exponential rise with age), scaled so that admissions per
  insured equal ``admissions_per_insured`` *exactly*, with the level of the rising part
  solved so that the older adults' rate equals ``older_adult_hospitalisation_rate``;
* hospital level mix by age: ``level_mix`` tilted by age band, columns rescaled so the
  admission-weighted mix equals ``level_mix``;
* cost per admission: lognormal ``mu`` per level solved so the spliced mean equals
  ``cost_mean`` (so the mix reproduces the national 8,023 CNY per admission).

Check figures (defaults, national structure, Nanning 2022 SIMI rules on the Zhanjiang BMI
rules of ``scenarios/nanning_2020.yaml``, 5 % special group; SIMI-paid episodes by total cost;
Nanning: nanning_2022_episodes_by_cost_band.csv, 7,265 episodes). See the module's report for
how they were computed; they are a check, not a fit of every band:

===================  ==========  =======================================
band (CNY)           Nanning     model
===================  ==========  =======================================
0-20k                73.8 %      see ``MorbidityConfig`` docs / report
20-40k               17.0 %
40-60k               3.9 %
60k+ (mean)          5.4 % (101k)
===================  ==========  =======================================
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..errors import ScenarioError
from ..scenario.morbidity_schema import LEVELS, MorbidityConfig
from .severity import extra_admissions_cdf, fit_mu_for_mean, spliced_mean

AGES = np.arange(101, dtype=float)
N_AGES = 101


@dataclass(frozen=True)
class MorbidityArrays:
    """Flat float64 arrays for the kernel; levels in the scenario's order (length L).

    ``hosp_prob`` (101, 2): P(>= 1 admission) by age and sex (0 = male, 1 = female).
    ``adm_lambda`` (101,): mean admissions beyond the first; ``adm_shape``: their gamma
    mixing shape (``inf`` = Poisson); ``adm_cdf`` (101, K): their CDF table (sample with
    ``draw_extra_admissions_table``).
    ``level_prob`` (101, L): level of an admission by age (rows sum to 1).
    ``cost_*`` (L,): spliced severity parameters in base-year CNY (``cost_threshold`` is
    ``inf`` where ``cost_ptail`` is 0). ``inscope_mean``/``inscope_conc`` (L,): Beta in-scope
    share. ``os_prob`` (101, 2) and the ``os_*`` scalars: outpatient special disease.
    ``expected_cost_per_admission`` (L,): analytic mean cost per admission (reporting).
    """

    hosp_prob: np.ndarray
    adm_lambda: np.ndarray
    adm_shape: float
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
    #: (101, K) CDF table of the extra admissions by age (``extra_admissions_cdf`` of
    #: ``adm_lambda`` and ``adm_shape``), sampled by inversion in the kernel; built here on
    #: the host when not given.
    adm_cdf: np.ndarray | None = None

    def __post_init__(self):
        if self.adm_cdf is None:
            object.__setattr__(self, "adm_cdf",
                               extra_admissions_cdf(self.adm_lambda, self.adm_shape))


def _per_level(value, level: str):
    """A per-level parameter's value for ``level`` (a number applies to every level)."""
    return value[level] if isinstance(value, dict) else value


def extra_admissions_mean(cfg: MorbidityConfig) -> np.ndarray:
    """Mean admissions beyond the first per hospitalised person, by age (101,)."""
    return np.where(AGES >= 60, cfg.extra_admissions_old, cfg.extra_admissions_young)


def _j_shape(cfg: MorbidityConfig, old_level: float) -> np.ndarray:
    """Unscaled J-shaped hospitalisation probability (101, 2)."""
    base = (cfg.young_adult_rate + cfg.infant_rate * np.exp(-AGES / 3.0)
            + old_level * np.exp(cfg.ageing_slope * (AGES - 70)))
    out = np.stack([base, base], axis=1)
    out[(AGES >= 20) & (AGES < 40), 1] += cfg.maternity_rate
    out[AGES >= 50, 0] *= cfg.male_excess_old
    return out


def _weights(age_sex_weights) -> np.ndarray:
    w = np.asarray(age_sex_weights, dtype=float)
    if w.shape != (N_AGES, 2) or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("age_sex_weights must be a (101, 2) array of non-negative weights "
                         "with a positive sum")
    return w


def hospitalisation_probability(cfg: MorbidityConfig, age_sex_weights) -> np.ndarray:
    """Probability of >= 1 admission in a year by age and sex (101, 2).

    A fitted ``cfg.claimant_probability`` table is returned as is (times
    ``cfg.incidence_multiplier``, capped at 1). Otherwise calibrated on
    ``age_sex_weights`` (insured by age and sex): the weighted admissions per
    insured, sum(w * p * (1 + extra)) / sum(w), equal ``cfg.admissions_per_insured``, and
    the rate of ages ``cfg.older_adult_age``+ (admissions or persons per
    ``cfg.older_adult_rate_basis``) equals ``cfg.older_adult_hospitalisation_rate``. Then
    ``cfg.incidence_multiplier`` is applied; probabilities are capped at 1.
    """
    w = _weights(age_sex_weights)
    if cfg.claimant_probability is not None:
        table = np.array([cfg.claimant_probability.male, cfg.claimant_probability.female]).T
        return np.minimum(table * cfg.incidence_multiplier, 1.0)
    adm = 1.0 + extra_admissions_mean(cfg)[:, None]
    per_person = adm if cfg.older_adult_rate_basis == "admissions" else np.ones_like(adm)
    old = AGES >= cfg.older_adult_age
    target_total = cfg.admissions_per_insured * w.sum()

    def scaled(level):
        s = _j_shape(cfg, level)
        return np.minimum(s * target_total / np.sum(w * s * adm), 1.0)

    def gap(level):
        return (np.sum((w * scaled(level) * per_person)[old]) / w[old].sum()
                - cfg.older_adult_hospitalisation_rate)

    lo, hi = 1e-9, 100.0
    if w[old].sum() <= 0 or not gap(lo) < 0.0 < gap(hi):
        raise ScenarioError("morbidity", [(
            "morbidity.older_adult_hospitalisation_rate",
            f"{cfg.older_adult_hospitalisation_rate:g} cannot be reached together with "
            f"admissions_per_insured={cfg.admissions_per_insured:g} on the reference age "
            "structure (J-shaped curve)")])
    level = optimize.brentq(gap, lo, hi, xtol=1e-14, rtol=1e-14)
    return np.minimum(scaled(level) * cfg.incidence_multiplier, 1.0)


def _age_tilt(cfg: MorbidityConfig) -> np.ndarray:
    """Tilt of each canonical level by single age (101, 4)."""
    band_of_age = np.searchsorted(np.asarray(cfg.level_mix_age_bands), AGES, side="right") - 1
    tilt = np.ones((N_AGES, len(LEVELS)))
    for j, lvl in enumerate(LEVELS):
        if lvl in cfg.level_mix_age_tilt:
            tilt[:, j] = np.asarray(cfg.level_mix_age_tilt[lvl], dtype=float)[band_of_age]
    return tilt


def _fold(levels: list[str]) -> list[int]:
    """Index in ``levels`` of the nearest scenario level for each canonical level (ties go to
    the higher level): e.g. township -> primary when a scenario has no township level."""
    unknown = [lvl for lvl in levels if lvl not in LEVELS]
    if unknown or not levels:
        raise ScenarioError("morbidity", [("hospital_levels", f"levels must be among "
                                           f"{list(LEVELS)}, got {levels}")])
    rank = {lvl: i for i, lvl in enumerate(LEVELS)}
    return [levels.index(min(levels, key=lambda x, i=i: (abs(rank[x] - i), -rank[x])))
            for i in range(len(LEVELS))]


def level_mix(cfg: MorbidityConfig, levels: list[str], admissions_by_age=None) -> np.ndarray:
    """Probability of each scenario level for an admission at each age (101, len(levels)).

    ``cfg.level_mix`` tilted by ``cfg.level_mix_age_tilt``; with ``admissions_by_age``
    (101,) the tilted mix is raked so its admission-weighted average equals ``level_mix``.
    Levels the scenario lacks fold into the nearest level it has; rows sum to 1.
    """
    base = np.array([cfg.level_mix.get(lvl, 0.0) for lvl in LEVELS], dtype=float)
    if base.sum() <= 0:
        raise ScenarioError("morbidity", [("morbidity.level_mix", "shares sum to 0")])
    base /= base.sum()
    tilt = _age_tilt(cfg) * base
    if np.any(tilt.sum(axis=1) <= 0):
        raise ScenarioError("morbidity", [("morbidity.level_mix_age_tilt",
                                           "an age band has zero weight on every level")])
    col = np.ones(len(LEVELS))
    if admissions_by_age is not None:
        a = np.asarray(admissions_by_age, dtype=float)
        a = a / a.sum()
        used = base > 0
        for _ in range(500):  # raking (iterative proportional fitting) of the column factors
            mix = tilt * col
            mix /= mix.sum(axis=1, keepdims=True)
            got = a @ mix
            if np.max(np.abs(got[used] - base[used])) < 1e-14:
                break
            col[used] *= base[used] / got[used]
    mix = tilt * col
    mix /= mix.sum(axis=1, keepdims=True)
    out = np.zeros((N_AGES, len(levels)))
    for j, target in enumerate(_fold(list(levels))):
        out[:, target] += mix[:, j]
    return out


def _costs(cfg: MorbidityConfig, levels: list[str]):
    """Spliced severity parameters per scenario level, mu fitted to the level's mean."""
    L = len(levels)
    mu, sigma, thr, alpha, ptail = (np.empty(L) for _ in range(5))
    for i, lvl in enumerate(levels):
        sigma[i] = cfg.cost_sigma[lvl]
        alpha[i] = _per_level(cfg.tail_alpha, lvl)
        ptail[i] = _per_level(cfg.tail_probability, lvl)
        spec = (cfg.tail_threshold * cfg.cost_multiplier if cfg.tail_threshold is not None
                else cfg.tail_threshold_quantile)
        try:
            mu[i], thr[i] = fit_mu_for_mean(cfg.cost_mean[lvl] * cfg.cost_multiplier,
                                            sigma[i], spec, alpha[i], ptail[i])
        except ValueError as exc:
            raise ScenarioError("morbidity", [(f"morbidity.cost_mean.{lvl}", (
                f"cannot fit the cost distribution (mean {cfg.cost_mean[lvl]:g}, "
                f"cost_sigma {sigma[i]:g}, tail share {ptail[i]:g}, alpha {alpha[i]:g}, "
                f"tail threshold {spec:g}): {exc}"))]) from None
    return mu, sigma, thr, alpha, ptail


def resolve_morbidity(cfg: MorbidityConfig, levels: list[str], age_sex_weights) -> MorbidityArrays:
    """Resolve ``cfg`` for the scenario's hospital ``levels`` on the insured structure
    ``age_sex_weights`` (101, 2) used for calibration. Raises :class:`ScenarioError` naming
    the field when a level lacks parameters or a target cannot be met."""
    levels = list(levels)
    problems = [(f"morbidity.{field}.{lvl}", "no value for this hospital level")
                for field in ("cost_mean", "cost_sigma", "inscope_mean", "tail_probability",
                              "tail_alpha")
                for lvl in levels
                if isinstance(getattr(cfg, field), dict) and lvl not in getattr(cfg, field)]
    if problems:
        raise ScenarioError("morbidity", problems)
    w = _weights(age_sex_weights)
    hosp = hospitalisation_probability(cfg, w)
    lam = extra_admissions_mean(cfg)
    admissions_by_age = np.sum(w * hosp, axis=1) * (1.0 + lam)
    mu, sigma, thr, alpha, ptail = _costs(cfg, levels)
    os_prob = np.minimum(cfg.os_prevalence_at_70 * np.exp(cfg.os_prevalence_slope * (AGES - 70)),
                         0.5)
    shape = cfg.extra_admissions_shape
    return MorbidityArrays(
        hosp_prob=hosp,
        adm_lambda=lam,
        adm_shape=math.inf if shape is None else float(shape),
        level_prob=level_mix(cfg, levels, admissions_by_age if admissions_by_age.sum() > 0
                             and cfg.claimant_probability is None else None),
        cost_mu=mu, cost_sigma=sigma, cost_threshold=thr, cost_alpha=alpha, cost_ptail=ptail,
        inscope_mean=np.array([cfg.inscope_mean[lvl] for lvl in levels], dtype=float),
        inscope_conc=np.full(len(levels), float(cfg.inscope_concentration)),
        os_prob=np.stack([os_prob, os_prob], axis=1),
        os_mu=math.log(cfg.os_mean_cost * cfg.cost_multiplier) - 0.5 * cfg.os_sigma**2,
        os_sigma=float(cfg.os_sigma), os_inscope=float(cfg.os_inscope),
        os_bmi_rate=float(cfg.os_bmi_rate), os_bmi_deductible=float(cfg.os_bmi_deductible),
        expected_cost_per_admission=np.array([
            spliced_mean(mu[i], sigma[i], thr[i], alpha[i], ptail[i])
            for i in range(len(levels))]),
    )
