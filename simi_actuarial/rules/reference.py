"""Pure-Python reference implementation of the benefit chain (the test oracle).

Written to follow the policy texts literally — admission by admission, band slice by band
slice — rather than for speed. The compiled kernel (:mod:`.kernel`) uses algebraic
shortcuts; tests check that both give the same payments on the same :class:`RuleTable`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .arrays import RuleTable
from .kernel import FLAG_CAP_COMBINED, FLAG_DEDUCTIBLE_COUNTS, FLAG_OUTPATIENT_SPECIAL_COUNTS


@dataclass(frozen=True)
class Admission:
    """One inpatient admission: hospital level index, total and in-scope cost (CNY)."""

    level: int
    total_cost: float
    in_scope_cost: float


@dataclass(frozen=True)
class PersonYear:
    """What each payer covers for one person in one year (CNY). ``self_pay`` is the
    out-of-scope cost the patient pays: less SIMI's part where the rules count out-of-scope
    cost toward the line (``simi_on_self_pay``)."""

    total_cost: float
    in_scope_cost: float
    self_pay: float
    bmi_paid: float
    simi_paid: float
    assistance_paid: float
    patient_in_scope: float
    simi_on_self_pay: float = 0.0

    @property
    def patient_burden(self) -> float:
        return self.patient_in_scope + self.self_pay


def simi_band_payment(amount_above_line: float, lowers: list[float], rates: list[float]) -> float:
    """Progressive bands: each rate applies to its slice of the amount above the line."""
    paid = 0.0
    edges = [x for x in lowers if math.isfinite(x)]
    for i, lo in enumerate(edges):
        hi = edges[i + 1] if i + 1 < len(edges) else math.inf
        slice_ = min(amount_above_line, hi) - lo
        if slice_ > 0:
            paid += rates[i] * slice_
    return paid


def person_year(
    table: RuleTable,
    year: int,
    group: int,
    admissions: list[Admission],
    os_in_scope: float = 0.0,
    os_bmi_paid: float = 0.0,
    os_total: float | None = None,
) -> PersonYear:
    """Apply BMI, SIMI and medical assistance to one person's year.

    ``os_*``: the year's outpatient special-disease in-scope cost, what BMI paid on it and
    its total cost (counted toward the SIMI line when the scenario says so). Where the rules
    count a share of the out-of-scope cost toward the line, SIMI's payment is split between
    in-scope and out-of-scope cost in proportion to what was counted.
    """
    y = table.year_index(year)
    cat = int(table.group_category[group])
    remaining_cap = float(table.bmi_cap[y, cat])
    bmi = 0.0
    deductibles = 0.0
    total = in_scope = 0.0
    for adm in admissions:
        total += adm.total_cost
        in_scope += adm.in_scope_cost
        deductible = min(float(table.bmi_deductible[y, cat, adm.level]), adm.in_scope_cost)
        pay = float(table.bmi_rate[y, cat, adm.level]) * (adm.in_scope_cost - deductible)
        pay = min(pay, remaining_cap)
        remaining_cap -= pay
        bmi += pay
        deductibles += deductible

    os_total = os_in_scope if os_total is None else os_total
    # out-of-scope cost counted toward the line (Guangxi from 2021: B/C parts paid first,
    # price above the catalogue limit)
    out_of_scope = total - in_scope
    if table.flags[y, FLAG_OUTPATIENT_SPECIAL_COUNTS]:
        out_of_scope += os_total - os_in_scope
    counted_self_pay = float(table.self_pay_counted[y]) * out_of_scope
    # annual out-of-pocket that SIMI applies to
    oop_counted = in_scope - bmi + counted_self_pay
    if not table.flags[y, FLAG_DEDUCTIBLE_COUNTS]:
        oop_counted -= deductibles
    if table.flags[y, FLAG_OUTPATIENT_SPECIAL_COUNTS]:
        oop_counted += os_in_scope - os_bmi_paid
    bmi += os_bmi_paid
    in_scope += os_in_scope
    total += os_total

    over_line = oop_counted - float(table.simi_line[y, group])
    simi = 0.0
    if over_line > 0:
        simi = simi_band_payment(
            over_line, list(table.band_lower[y, group]), list(table.band_rate[y, group])
        )
    cap = float(table.simi_cap[y, group])
    if table.flags[y, FLAG_CAP_COMBINED]:
        simi = min(simi, max(cap - bmi, 0.0))
    else:
        simi = min(simi, cap)

    simi_on_self_pay = simi * counted_self_pay / oop_counted if simi > 0 else 0.0
    oop_after = in_scope - bmi - (simi - simi_on_self_pay)
    assist = float(table.assist_rate[y, group]) * max(oop_after - float(table.assist_deductible[y, group]), 0.0)
    assist = min(assist, float(table.assist_limit[y, group]))
    return PersonYear(
        total_cost=total,
        in_scope_cost=in_scope,
        self_pay=total - in_scope - simi_on_self_pay,
        bmi_paid=bmi,
        simi_paid=simi,
        assistance_paid=assist,
        patient_in_scope=oop_after - assist,
        simi_on_self_pay=simi_on_self_pay,
    )


@dataclass(frozen=True)
class Episode:
    """One admission settled on its own: what BMI and SIMI paid for it (CNY) and its SIMI
    actual payment ratio (Jiang (2024) Tables 8-10: SIMI / compliant cost left after BMI, the
    compliant cost being the in-scope cost plus the out-of-scope cost the rules count toward
    the line)."""

    bmi_paid: float
    simi_paid: float
    compliant_cost: float

    @property
    def actual_payment_ratio(self) -> float:
        return self.simi_paid / (self.compliant_cost - self.bmi_paid)


def episodes(
    table: RuleTable,
    year: int,
    group: int,
    admissions: list[Admission],
    os_in_scope: float = 0.0,
    os_bmi_paid: float = 0.0,
    os_total: float | None = None,
) -> list[Episode]:
    """Each admission as the claim system settles it, in order: the year so far is settled
    with and without the admission and the admission gets the difference. The year's
    outpatient special disease accrues evenly: admission ``j`` of ``n`` (from 1) comes after
    ``j / (n + 1)`` of it (ASSUMPTION, as the kernel's per-episode tally)."""
    n = len(admissions)
    share = float(table.self_pay_counted[table.year_index(year)])
    os_total = os_in_scope if os_total is None else os_total
    out = []
    for j, adm in enumerate(admissions, start=1):
        f = j / (n + 1)
        os_part = (f * os_in_scope, f * os_bmi_paid, f * os_total)
        before = person_year(table, year, group, admissions[: j - 1], *os_part)
        after = person_year(table, year, group, admissions[:j], *os_part)
        compliant = adm.in_scope_cost + share * (adm.total_cost - adm.in_scope_cost)
        out.append(Episode(after.bmi_paid - before.bmi_paid, after.simi_paid - before.simi_paid,
                           compliant))
    return out
