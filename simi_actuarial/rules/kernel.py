"""numba-compiled benefit chain.

The chain is split in two so that callers never need to keep admissions in memory:

1. :func:`admission_terms` — per admission: the deductible borne and the BMI payment before
   the annual cap. Both are additive over a person's admissions.
2. :func:`settle` — per person-year, from the sums: the capped BMI payment
   ``min(sum, cap)`` (equal to applying the cap admission by admission, since the order in
   which the cap binds does not change the total), SIMI on the annual in-scope out-of-pocket
   above the starting line by progressive bands, the SIMI cap, medical assistance.

:func:`settle_many` applies :func:`settle` to arrays of persons in parallel.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(inline="always", cache=True)
def admission_terms(bmi_deductible, bmi_rate, y, cat, level, in_scope):
    """(deductible borne, BMI payment before the annual cap) for one admission."""
    d = bmi_deductible[y, cat, level]
    if d > in_scope:
        d = in_scope
    return d, bmi_rate[y, cat, level] * (in_scope - d)


@nb.njit(inline="always", cache=True)
def band_payment(above, band_lower, band_rate, y, g):
    """SIMI before the cap on ``above`` = amount above the starting line."""
    paid = 0.0
    nb_ = band_lower.shape[2]
    for b in range(nb_):
        lo = band_lower[y, g, b]
        if above <= lo:
            break
        hi = band_lower[y, g, b + 1] if b + 1 < nb_ else np.inf
        top = above if above < hi else hi
        paid += band_rate[y, g, b] * (top - lo)
    return paid


@nb.njit(inline="always", cache=True)
def settle(
    y, g, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi,
    bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
    simi_cap, assist_rate, assist_deductible, assist_limit, flags,
):
    """(bmi, simi, assistance) for one person-year from its admission sums."""
    cat = group_category[g]
    bmi = bmi_uncapped
    if bmi > bmi_cap[y, cat]:
        bmi = bmi_cap[y, cat]
    base = in_scope - bmi
    if flags[y, 1] == 0:
        base -= deductibles
    if flags[y, 2] != 0:
        base += os_in_scope - os_bmi
    bmi += os_bmi
    simi = 0.0
    above = base - simi_line[y, g]
    if above > 0.0:
        simi = band_payment(above, band_lower, band_rate, y, g)
    cap = simi_cap[y, g]
    if flags[y, 0] != 0:
        cap = cap - bmi
        if cap < 0.0:
            cap = 0.0
    if simi > cap:
        simi = cap
    left = in_scope + os_in_scope - bmi - simi
    assist = left - assist_deductible[y, g]
    assist = assist_rate[y, g] * assist if assist > 0.0 else 0.0
    if assist > assist_limit[y, g]:
        assist = assist_limit[y, g]
    return bmi, simi, assist


@nb.njit(parallel=True, cache=True)
def settle_many(
    y, group, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi,
    bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
    simi_cap, assist_rate, assist_deductible, assist_limit, flags,
):
    """Vectorised :func:`settle` over persons; returns arrays (bmi, simi, assistance)."""
    n = in_scope.shape[0]
    out_bmi = np.empty(n)
    out_simi = np.empty(n)
    out_assist = np.empty(n)
    for i in nb.prange(n):
        out_bmi[i], out_simi[i], out_assist[i] = settle(
            y, group[i], in_scope[i], bmi_uncapped[i], deductibles[i], os_in_scope[i], os_bmi[i],
            bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower,
            band_rate, simi_cap, assist_rate, assist_deductible, assist_limit, flags,
        )
    return out_bmi, out_simi, out_assist


def admission_terms_vec(table, y: int, category: np.ndarray, level: np.ndarray, in_scope: np.ndarray):
    """Vectorised :func:`admission_terms` for arrays of admissions (numpy)."""
    ded = np.minimum(table.bmi_deductible[y, category, level], in_scope)
    return ded, table.bmi_rate[y, category, level] * (in_scope - ded)
