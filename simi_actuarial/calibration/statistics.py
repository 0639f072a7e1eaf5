"""Model statistics comparable with published aggregates, by name.

Each statistic maps a :class:`~simi_actuarial.results.SimulationResult` to one value per
year. Ratios are ratios of sums over paths (not means of per-path ratios), so they are
smooth in the parameters under common random numbers. ``ben_*`` statistics describe SIMI
beneficiaries only (persons with a SIMI payment in the year), the population of the
published "serious-illness patient" tables (Jiang et al. (Guangxi 2017–2021) Table 4, Jiang (2024) Tables 7-10).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..results import SimulationResult


@dataclass(frozen=True)
class Statistic:
    """A named model statistic: ``fn(result) -> (Y,)`` values, with its definition."""

    name: str
    definition: str
    fn: Callable[[SimulationResult], np.ndarray]


def _sum(res: SimulationResult, name: str) -> np.ndarray:
    return res.tally(name).sum(axis=0)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den``, NaN where ``den`` is not positive."""
    return np.divide(num, den, out=np.full_like(den, np.nan), where=den > 0)


def _ratio(num: str, den: str) -> Callable[[SimulationResult], np.ndarray]:
    return lambda res: _divide(_sum(res, num), _sum(res, den))


def _per_insured(num: str) -> Callable[[SimulationResult], np.ndarray]:
    return lambda res: _sum(res, num) / (res.n_paths * res.insured)


def _ben_share(*names: str) -> Callable[[SimulationResult], np.ndarray]:
    def fn(res):
        return sum(_sum(res, n) for n in names) / _sum(res, "ben_total_cost")
    return fn


_EPISODE_BANDS = ("ben_ep_lt20k", "ben_ep_20k_40k", "ben_ep_40k_60k")


def _episode_band(name: str | None) -> Callable[[SimulationResult], np.ndarray]:
    """Share of SIMI-paid episodes in the band tallied as ``name`` (None: 60,000 or more)."""
    def fn(res):
        episodes = _sum(res, "ben_episodes")
        count = (_sum(res, name) if name is not None
                 else episodes - sum(_sum(res, n) for n in _EPISODE_BANDS))
        return _divide(count, episodes)
    return fn


def _fund(attr: str, per: str) -> Callable[[SimulationResult], np.ndarray]:
    def fn(res):
        values = getattr(res.funds, attr).sum(axis=0)
        if per == "insured":
            return values / (res.n_paths * res.insured)
        return values / res.funds.simi_income.sum(axis=0)
    return fn


def _level_cost(levels: tuple[str, ...]) -> Callable[[SimulationResult], np.ndarray]:
    def fn(res):
        names = list(res.scenario.hospital_levels)
        idx = [names.index(lv) for lv in levels if lv in names]
        if not idx:
            return np.full(len(res.years), np.nan)
        mix = res.scenario.morbidity.level_mix
        w = np.array([mix.get(names[i], 0.0) for i in idx])
        w = w if w.sum() > 0 else np.ones(len(idx))
        base = float(res.raw.model.morbidity.expected_cost_per_admission[idx] @ w / w.sum())
        return base * res.raw.cost_index.mean(axis=0)
    return fn


_LIST = [
    Statistic("simi_per_insured", "SIMI claims paid per insured (CNY)", _per_insured("simi_paid")),
    Statistic("beneficiaries_per_insured", "persons with a SIMI payment per insured",
              _per_insured("simi_beneficiaries")),
    Statistic("simi_per_beneficiary", "SIMI paid per beneficiary (CNY)",
              _ratio("simi_paid", "simi_beneficiaries")),
    Statistic("simi_actual_payment_ratio",
              "SIMI paid / in-scope cost left after BMI, of beneficiaries, over the year "
              "(includes the part below the starting line)",
              _ratio("simi_paid", "beneficiary_oop_after_bmi")),
    Statistic("simi_episode_payment_ratio",
              "mean over SIMI-paid admissions of SIMI / in-scope cost left after BMI, each "
              "admission settled cumulatively in the year (Jiang (2024) Tables 8-10)",
              _ratio("ben_episode_ratio_sum", "ben_episodes")),
    Statistic("share_bmi", "BMI share of total cost, all claimants", _ratio("bmi_paid", "total_cost")),
    Statistic("share_simi", "SIMI share of total cost, all claimants",
              _ratio("simi_paid", "total_cost")),
    Statistic("share_self_pay", "out-of-scope share of total cost, all claimants",
              _ratio("self_pay", "total_cost")),
    Statistic("ben_share_bmi", "BMI share of beneficiaries' total cost",
              _ben_share("ben_bmi_paid")),
    Statistic("ben_share_simi", "SIMI share of beneficiaries' total cost", _ben_share("simi_paid")),
    Statistic("ben_share_personal_in_scope",
              "in-scope cost paid by the patient (or medical assistance) / beneficiaries' "
              "total cost", _ben_share("ben_patient_in_scope", "ben_assistance_paid")),
    Statistic("ben_share_self_pay", "out-of-scope share of beneficiaries' total cost",
              _ben_share("ben_self_pay")),
    Statistic("ben_total_cost_per_insured", "total cost of SIMI beneficiaries per insured (CNY)",
              _per_insured("ben_total_cost")),
    Statistic("ben_cost_per_admission", "mean total cost of beneficiaries' admissions (CNY)",
              _ratio("ben_inpatient_cost", "ben_admissions")),
    Statistic("ben_admissions_per_beneficiary", "admissions per SIMI beneficiary",
              _ratio("ben_admissions", "simi_beneficiaries")),
    Statistic("simi_episode_cost", "mean total cost of SIMI-paid admissions (CNY; Jiang (2024) "
              "Table 7)", _ratio("ben_episode_cost", "ben_episodes")),
    Statistic("simi_per_simi_episode", "mean SIMI payment per SIMI-paid admission, each "
              "settled cumulatively in the year (CNY; Jiang (2024) Table 10)",
              _ratio("ben_episode_simi", "ben_episodes")),
    Statistic("simi_episodes_per_beneficiary", "SIMI-paid admissions per SIMI beneficiary",
              _ratio("ben_episodes", "simi_beneficiaries")),
    Statistic("simi_episode_share_lt20k", "share of SIMI-paid admissions costing < 20,000 "
              "(Jiang (2024) Table 9)", _episode_band("ben_ep_lt20k")),
    Statistic("simi_episode_share_20k_40k", "share of SIMI-paid admissions costing "
              "20,000-40,000", _episode_band("ben_ep_20k_40k")),
    Statistic("simi_episode_share_40k_60k", "share of SIMI-paid admissions costing "
              "40,000-60,000", _episode_band("ben_ep_40k_60k")),
    Statistic("simi_episode_share_60k_plus", "share of SIMI-paid admissions costing 60,000 "
              "or more", _episode_band(None)),
    Statistic("simi_episode_share_aged_60_plus", "share of SIMI-paid admissions of persons "
              "aged 60 or more (Jiang (2024) s4.2.2.2)", _ratio("ben_ep_60plus", "ben_episodes")),
    Statistic("admissions_per_insured", "admissions per insured", _per_insured("admissions")),
    Statistic("cost_per_admission", "mean total cost per admission (CNY)",
              _ratio("inpatient_cost", "admissions")),
    Statistic("cost_per_admission_tertiary",
              "expected (analytic) cost per tertiary admission x mean cost index (CNY)",
              _level_cost(("tertiary",))),
    Statistic("cost_per_admission_secondary",
              "expected (analytic) cost per secondary admission x mean cost index (CNY)",
              _level_cost(("secondary",))),
    Statistic("cost_per_admission_primary_and_below",
              "expected (analytic) cost per township/primary admission, mix-weighted, x mean "
              "cost index (CNY)", _level_cost(("township", "primary"))),
    Statistic("bmi_payment_ratio_in_scope", "BMI paid / in-scope cost, all claimants",
              _ratio("bmi_paid", "in_scope_cost")),
    Statistic("che_rate", "persons with catastrophic expenditure per insured",
              _per_insured("che_cases")),
    Statistic("premium_per_insured", "SIMI income per insured (CNY)",
              _fund("simi_income", "insured")),
    Statistic("simi_balance_per_insured",
              "SIMI income - management fee - claims, per insured (CNY; negative = deficit)",
              _fund("simi_balance", "insured")),
    Statistic("bmi_expenditure_per_insured",
              "BMI fund expenditure per insured (modelled BMI payments and the net SIMI "
              "transfer, grossed up by financing.bmi_unmodelled_share; CNY)",
              _fund("bmi_expenditure", "insured")),
    Statistic("bmi_income_per_insured",
              "BMI fund income per insured (financing standard, other revenue, interest; CNY)",
              _fund("bmi_income", "insured")),
    Statistic("bmi_balance_rate", "BMI fund current balance / income (ratio of sums)",
              lambda res: res.funds.bmi_balance.sum(axis=0) / res.funds.bmi_income.sum(axis=0)),
    Statistic("bmi_reserve_per_insured", "BMI fund reserve at year end per insured (CNY)",
              _fund("bmi_accumulated", "insured")),
    Statistic("loss_ratio", "SIMI claims / SIMI income", _fund("simi_claims", "income")),
]

#: All statistics by name.
STATISTICS: dict[str, Statistic] = {s.name: s for s in _LIST}


def statistic(res: SimulationResult, name: str, year: int) -> float:
    """Value of statistic ``name`` in calendar ``year`` of ``res``."""
    years = [int(y) for y in res.years]
    if year not in years:
        raise ValueError(f"year {year} not simulated (years {years[0]}-{years[-1]})")
    return float(STATISTICS[name].fn(res)[years.index(year)])
