"""numba-compiled benefit chain.

The chain is split in two so that callers never need to keep admissions in memory:

1. :func:`admission_terms` — per admission: the deductible borne and the BMI payment before
   the annual cap. Both are additive over a person's admissions.
2. :func:`settle` — per person-year, from the sums: the capped BMI payment, SIMI on the
   annual out-of-pocket above the starting line by progressive bands (in-scope, plus the
   counted share of the out-of-scope cost where the rules say so), the SIMI cap, medical
   assistance.

:func:`episode_payments` settles one admission on its own (the per-episode view of the
published claim tables): the increments of :func:`settle` over the person's earlier admissions.

:func:`settle_many` applies :func:`settle` to arrays of persons in parallel. The compiled
functions take the rules as one :class:`RuleArrays` (built by
:meth:`~simi_actuarial.rules.arrays.RuleTable.rule_arrays`).
"""

from __future__ import annotations

from typing import NamedTuple

import numba as nb
import numpy as np

#: Columns of :attr:`RuleArrays.flags` (one row per year; 1 = rule applies).
FLAG_CAP_COMBINED = 0  # the SIMI cap is on BMI + SIMI together (Zhanjiang)
FLAG_DEDUCTIBLE_COUNTS = 1  # BMI deductibles borne count toward the SIMI starting line
FLAG_OUTPATIENT_SPECIAL_COUNTS = 2  # outpatient special-disease OOP counts toward the line
N_FLAGS = 3


class RuleArrays(NamedTuple):
    """The rules as the compiled code takes them: ``y`` a year index, ``c`` a BMI category,
    ``l`` a hospital level, ``g`` a group, ``b`` a band (shapes in
    :mod:`simi_actuarial.rules.arrays`)."""

    bmi_deductible: np.ndarray     # (Y, C, L) per admission
    bmi_rate: np.ndarray           # (Y, C, L) on in-scope cost above the deductible
    bmi_cap: np.ndarray            # (Y, C) annual BMI payment cap per person
    group_category: np.ndarray     # (G,) BMI category of each group
    simi_line: np.ndarray          # (Y, G) SIMI starting line
    band_lower: np.ndarray         # (Y, G, B) band lower edges above the line (padding inf)
    band_rate: np.ndarray          # (Y, G, B)
    simi_cap: np.ndarray           # (Y, G) SIMI cap (on BMI + SIMI with FLAG_CAP_COMBINED)
    assist_rate: np.ndarray        # (Y, G) medical assistance rate (0: none)
    assist_deductible: np.ndarray  # (Y, G)
    assist_limit: np.ndarray       # (Y, G)
    flags: np.ndarray              # (Y, N_FLAGS) int64, columns FLAG_*
    self_pay_counted: np.ndarray   # (Y,) share of out-of-scope cost counted toward the line


@nb.njit(inline="always", cache=True)
def admission_terms(rules, y, cat, level, in_scope):
    """(deductible borne, BMI payment before the annual cap) for one admission::

        deductible = min(bmi_deductible[y, cat, level], in_scope)
        bmi        = bmi_rate[y, cat, level] * (in_scope - deductible)
    """
    d = rules.bmi_deductible[y, cat, level]
    if d > in_scope:
        d = in_scope
    return d, rules.bmi_rate[y, cat, level] * (in_scope - d)


@nb.njit(inline="always", cache=True)
def band_payment(amount_over_line, band_lower, band_rate, y, g):
    """SIMI before the cap: ``sum_b rate_b * (min(x, lower_{b+1}) - lower_b)^+`` over the
    bands, for ``x = amount_over_line`` (the out-of-pocket above the starting line)."""
    paid = 0.0
    n_bands = band_lower.shape[2]
    for b in range(n_bands):
        lo = band_lower[y, g, b]
        if amount_over_line <= lo:
            break
        hi = band_lower[y, g, b + 1] if b + 1 < n_bands else np.inf
        top = amount_over_line if amount_over_line < hi else hi
        paid += band_rate[y, g, b] * (top - lo)
    return paid


@nb.njit(inline="always", cache=True)
def counted_self_pay(y, self_pay, os_self_pay, rules):
    """The out-of-scope cost that counts toward the SIMI line (and that SIMI's bands pay on)::

        counted = self_pay_counted[y] * (self_pay + os_self_pay if FLAG_OUTPATIENT_SPECIAL_COUNTS)

    ``self_pay``: the person-year's out-of-scope inpatient cost; ``os_self_pay``: that of its
    outpatient special disease (Guangxi from 2021: the category B/C parts paid first by the
    patient and the price above the catalogue limit count, Jiang (2024) s2.1.6.3)."""
    sp = self_pay
    if rules.flags[y, FLAG_OUTPATIENT_SPECIAL_COUNTS] != 0:
        sp += os_self_pay
    return rules.self_pay_counted[y] * sp


@nb.njit(inline="always", cache=True)
def settle(y, g, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi, self_pay,
           os_self_pay, rules):
    """(bmi, simi, assistance, simi_on_self_pay) of one person-year of group ``g`` in year
    index ``y`` from the sums of its admissions (:func:`admission_terms`), their out-of-scope
    cost ``self_pay`` and its outpatient special disease::

        bmi_inpatient = min(bmi_uncapped, bmi_cap[y, cat])
        counted_sp    = counted_self_pay(y, self_pay, os_self_pay)
        oop_counted   = in_scope - bmi_inpatient + counted_sp
                        - deductibles                 unless FLAG_DEDUCTIBLE_COUNTS
                        + (os_in_scope - os_bmi)      if FLAG_OUTPATIENT_SPECIAL_COUNTS
        bmi           = bmi_inpatient + os_bmi
        simi          = min(band_payment(oop_counted - simi_line[y, g]), simi_limit)
        simi_limit    = simi_cap[y, g]                 ((simi_cap - bmi)^+ if FLAG_CAP_COMBINED)
        simi_on_sp    = simi * counted_sp / oop_counted   (pro rata: the part of SIMI that
                                                           pays out-of-scope cost)
        oop_after     = in_scope + os_in_scope - bmi - (simi - simi_on_sp)
        assistance    = min(assist_rate * (oop_after - assist_deductible)^+, assist_limit)

    Capping the BMI sum once equals capping admission by admission (the order in which the
    cap binds does not change the total). ``cat = group_category[g]``."""
    cat = rules.group_category[g]
    flags = rules.flags
    bmi = bmi_uncapped
    if bmi > rules.bmi_cap[y, cat]:
        bmi = rules.bmi_cap[y, cat]
    counted_sp = counted_self_pay(y, self_pay, os_self_pay, rules)
    oop_counted = in_scope - bmi + counted_sp
    if flags[y, FLAG_DEDUCTIBLE_COUNTS] == 0:
        oop_counted -= deductibles
    if flags[y, FLAG_OUTPATIENT_SPECIAL_COUNTS] != 0:
        oop_counted += os_in_scope - os_bmi
    bmi += os_bmi
    simi = 0.0
    over_line = oop_counted - rules.simi_line[y, g]
    if over_line > 0.0:
        simi = band_payment(over_line, rules.band_lower, rules.band_rate, y, g)
    simi_limit = rules.simi_cap[y, g]
    if flags[y, FLAG_CAP_COMBINED] != 0:
        simi_limit = simi_limit - bmi
        if simi_limit < 0.0:
            simi_limit = 0.0
    if simi > simi_limit:
        simi = simi_limit
    simi_sp = 0.0
    if counted_sp > 0.0 and simi > 0.0:
        simi_sp = simi * (counted_sp / oop_counted)
    oop_after = in_scope + os_in_scope - bmi - (simi - simi_sp)
    assist = oop_after - rules.assist_deductible[y, g]
    assist = rules.assist_rate[y, g] * assist if assist > 0.0 else 0.0
    if assist > rules.assist_limit[y, g]:
        assist = rules.assist_limit[y, g]
    return bmi, simi, assist, simi_sp


@nb.njit(inline="always", cache=True)
def episode_payments(y, g, in_scope, bmi_uncapped, deductibles, self_pay, ins, bmi_adm, ded,
                     sp_adm, os_in_scope, os_bmi, os_self_pay, rules):
    """(bmi_e, simi_e) of one admission settled cumulatively, as a claim system pays it: the
    increments of :func:`settle` when the admission's terms (in-scope cost ``ins``,
    out-of-scope cost ``sp_adm`` and :func:`admission_terms` ``bmi_adm``, ``ded``) are added
    to the sums of the person's earlier admissions in the year (``in_scope``,
    ``bmi_uncapped``, ``deductibles``, ``self_pay``), with the outpatient special disease
    accrued so far (``os_in_scope``, ``os_bmi``, ``os_self_pay``) on both sides::

        bmi_e  = bmi(before + admission)  - bmi(before)
        simi_e = simi(before + admission) - simi(before)

    The episode's actual payment ratio (Jiang (2024) Tables 8-10) is SIMI over the compliant
    cost left after BMI, ``simi_e / (ins + counted_self_pay(sp_adm) - bmi_e)``. Over a year
    the episodes' increments telescope to the annual settlement (less what the outpatient
    special disease accrues between admissions)."""
    bmi0, simi0, _, _ = settle(y, g, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi,
                               self_pay, os_self_pay, rules)
    bmi1, simi1, _, _ = settle(y, g, in_scope + ins, bmi_uncapped + bmi_adm, deductibles + ded,
                               os_in_scope, os_bmi, self_pay + sp_adm, os_self_pay, rules)
    return bmi1 - bmi0, simi1 - simi0


@nb.njit(parallel=True, cache=True)
def settle_many(y, group, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi, self_pay,
                rules):
    """:func:`settle` over arrays of persons (no outpatient special disease out of scope);
    returns arrays (bmi, simi, assistance, simi_on_self_pay)."""
    n = in_scope.shape[0]
    out_bmi = np.empty(n)
    out_simi = np.empty(n)
    out_assist = np.empty(n)
    out_simi_sp = np.empty(n)
    for i in nb.prange(n):
        out_bmi[i], out_simi[i], out_assist[i], out_simi_sp[i] = settle(
            y, group[i], in_scope[i], bmi_uncapped[i], deductibles[i], os_in_scope[i],
            os_bmi[i], self_pay[i], 0.0, rules,
        )
    return out_bmi, out_simi, out_assist, out_simi_sp


def admission_terms_vec(table, y: int, category: np.ndarray, level: np.ndarray, in_scope: np.ndarray):
    """:func:`admission_terms` for arrays of admissions (numpy)."""
    ded = np.minimum(table.bmi_deductible[y, category, level], in_scope)
    return ded, table.bmi_rate[y, category, level] * (in_scope - ded)
