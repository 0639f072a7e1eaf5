"""Resolve a scenario's rules into flat float64/int64 arrays, one slice per year.

Compiled code never sees a Python object: everything the benefit chain needs for year index
``y`` is a slice of the arrays below. Missing caps are ``inf``.

Shapes (Y years, C BMI categories with 0 = default, L hospital levels, G groups, B bands):

===============  ===========  ================================================================
array            shape        meaning
===============  ===========  ================================================================
bmi_deductible   (Y, C, L)    BMI deductible per admission
bmi_rate         (Y, C, L)    BMI rate on in-scope cost above the deductible
bmi_cap          (Y, C)       annual BMI cap per person
group_category   (G,)         BMI category index of each group
group_share      (Y, G)       share of insured in each group
simi_line        (Y, G)       SIMI starting line
band_lower       (Y, G, B)    lower edge of each band above the line (padding: inf)
band_rate        (Y, G, B)    rate of each band (padding: 0)
simi_cap         (Y, G)       annual cap (on SIMI, or on BMI+SIMI when cap_combined)
assist_rate      (Y, G)       medical-assistance rate (0: no scheme)
assist_deductible(Y, G)       medical-assistance deductible
assist_limit     (Y, G)       medical-assistance annual limit
flags            (Y, 3)       columns FLAG_* of rules.kernel: cap_combined, deductible_counts,
                              outpatient_special_counts
self_pay_counted (Y,)         share of the out-of-scope cost counted toward the SIMI line
===============  ===========  ================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.base import value_at
from ..scenario.lines import starting_line
from ..scenario.schema import Scenario
from .kernel import (
    FLAG_CAP_COMBINED,
    FLAG_DEDUCTIBLE_COUNTS,
    FLAG_OUTPATIENT_SPECIAL_COUNTS,
    N_FLAGS,
    RuleArrays,
)

INF = np.inf


@dataclass(frozen=True)
class RuleTable:
    """A scenario's rules resolved per year into arrays (see module docstring)."""

    years: np.ndarray
    level_names: tuple[str, ...]
    group_names: tuple[str, ...]
    category_names: tuple[str, ...]
    bmi_deductible: np.ndarray
    bmi_rate: np.ndarray
    bmi_cap: np.ndarray
    group_category: np.ndarray
    group_share: np.ndarray
    simi_line: np.ndarray
    band_lower: np.ndarray
    band_rate: np.ndarray
    simi_cap: np.ndarray
    assist_rate: np.ndarray
    assist_deductible: np.ndarray
    assist_limit: np.ndarray
    flags: np.ndarray
    self_pay_counted: np.ndarray

    def year_index(self, year: int) -> int:
        """Index of ``year`` in :attr:`years`; ``KeyError`` if outside the table."""
        hits = np.nonzero(self.years == year)[0]
        if hits.size == 0:
            raise KeyError(f"year {year} not in {int(self.years[0])}..{int(self.years[-1])}")
        return int(hits[0])

    def rule_arrays(self) -> RuleArrays:
        """The arrays the compiled benefit chain (:mod:`~simi_actuarial.rules.kernel`) takes."""
        return RuleArrays(**{name: getattr(self, name) for name in RuleArrays._fields})


def _bands_of(bands) -> list[tuple[float, float]]:
    """(lower, rate) pairs; a closed last band gets a terminal 0 % band at its upper edge."""
    out = [(float(b.lower), float(b.rate)) for b in bands]
    if bands[-1].upper is not None:
        out.append((float(bands[-1].upper), 0.0))
    return out


def _cap(value) -> float:
    return INF if value is None else float(value)


def resolve_rules(scenario: Scenario, years: list[int] | None = None) -> RuleTable:
    """Resolve the rules of ``scenario`` for ``years`` (default: the horizon)."""
    years = list(scenario.years if years is None else years)
    levels = tuple(scenario.hospital_levels)
    groups = tuple(scenario.groups)
    categories = ("default", *scenario.bmi.categories)
    Y, L, G, C = len(years), len(levels), len(groups), len(categories)
    bmi = scenario.bmi

    ded = np.zeros((Y, C, L))
    rate = np.zeros((Y, C, L))
    cap = np.zeros((Y, C))
    for yi, year in enumerate(years):
        for ci, cname in enumerate(categories):
            cat = bmi.categories.get(cname) if ci else None
            for li, lvl in enumerate(levels):
                dtab = (cat.deductible if cat and cat.deductible and lvl in cat.deductible
                        else bmi.deductible)
                rtab = cat.rate if cat and cat.rate and lvl in cat.rate else bmi.rate
                ded[yi, ci, li] = value_at(dtab[lvl], year)
                rate[yi, ci, li] = value_at(rtab[lvl], year)
            cap_src = cat.annual_cap if cat and "annual_cap" in cat.model_fields_set else bmi.annual_cap
            cap[yi, ci] = _cap(value_at(cap_src, year))

    group_cat = np.array(
        [categories.index(g.bmi_category) if g.bmi_category else 0 for g in scenario.groups.values()],
        dtype=np.int64,
    )
    share = np.zeros((Y, G))
    line = np.zeros((Y, G))
    scap = np.zeros((Y, G))
    a_rate = np.zeros((Y, G))
    a_ded = np.zeros((Y, G))
    a_lim = np.full((Y, G), INF)
    band_lists = {}
    for yi, year in enumerate(years):
        for gi, g in enumerate(scenario.groups.values()):
            sched = scenario.simi.schedules[g.simi_schedule]
            share[yi, gi] = value_at(g.share, year)
            line[yi, gi] = starting_line(sched, year, scenario.economy)
            scap[yi, gi] = _cap(value_at(sched.annual_cap, year))
            band_lists[yi, gi] = _bands_of(value_at(sched.bands, year))
            if g.assistance is not None:
                scheme = scenario.assistance[g.assistance]
                a_rate[yi, gi] = value_at(scheme.rate, year)
                a_ded[yi, gi] = value_at(scheme.deductible, year)
                a_lim[yi, gi] = _cap(value_at(scheme.annual_limit, year))
    B = max(len(b) for b in band_lists.values())
    lower = np.full((Y, G, B), INF)
    brate = np.zeros((Y, G, B))
    for (yi, gi), pairs in band_lists.items():
        for bi, (lo, r) in enumerate(pairs):
            lower[yi, gi, bi] = lo
            brate[yi, gi, bi] = r
    simi = scenario.simi
    flags = np.zeros((Y, N_FLAGS), dtype=np.int64)
    for yi, year in enumerate(years):
        flags[yi, FLAG_CAP_COMBINED] = value_at(simi.cap_scope, year) == "bmi_plus_simi"
        flags[yi, FLAG_DEDUCTIBLE_COUNTS] = value_at(simi.deductible_counts_toward_line, year)
        flags[yi, FLAG_OUTPATIENT_SPECIAL_COUNTS] = value_at(
            simi.outpatient_special_counts_toward_line, year)
    counted = np.array([value_at(simi.self_pay_counted_share, year) for year in years],
                       dtype=float)
    return RuleTable(
        years=np.array(years, dtype=np.int64), level_names=levels, group_names=groups,
        category_names=categories, bmi_deductible=ded, bmi_rate=rate, bmi_cap=cap,
        group_category=group_cat, group_share=share, simi_line=line, band_lower=lower,
        band_rate=brate, simi_cap=scap, assist_rate=a_rate, assist_deductible=a_ded,
        assist_limit=a_lim, flags=flags, self_pay_counted=counted,
    )
