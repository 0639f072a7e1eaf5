"""The compiled hot loop: claimants -> admissions -> benefit chain -> tallies.

Work is parallel over (path, year) units; within a unit the cells are processed in a fixed
order and each cell's claimants draw from the stream ``(seed, path, year, cell)``. A unit's
tallies are written by one thread only, so sums are bit-identical for any thread count or
batch size.

The body of one unit is :func:`simulate_unit`, a plain ``@njit`` function: the CPU kernel
:func:`simulate_claims` calls it from a ``prange`` loop and the CUDA kernel
(:mod:`simi_actuarial.engine.cuda_kernel`) calls the same function from one GPU thread per
unit, so the sampling and the rules arithmetic have one source for both targets.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..morbidity.severity import (
    draw_beta_share,
    draw_categorical,
    draw_extra_admissions_table,
    draw_spliced,
)
from ..rules.kernel import admission_terms, settle
from .rng import normal, stream_key
from .tallies import (
    BEN_B1,
    BEN_B2,
    BEN_B3,
    HIST_EDGES_LOG10,
    I_ADMISSIONS,
    I_ASSIST,
    I_BEN_ADM,
    I_BEN_ASSIST,
    I_BEN_B20,
    I_BEN_B40,
    I_BEN_B60,
    I_BEN_BMI,
    I_BEN_INPATIENT,
    I_BEN_OOP,
    I_BEN_PIS,
    I_BEN_SELF_PAY,
    I_BEN_TOTAL,
    I_BENEFICIARIES,
    I_BMI,
    I_CHE,
    I_CLAIMANTS,
    I_HOSPITALISED,
    I_IN_SCOPE,
    I_INPATIENT_COST,
    I_OS,
    I_PATIENT_IN_SCOPE,
    I_SELF_PAY,
    I_SIMI,
    I_SIMI_SPECIAL,
    I_TOTAL,
    N_HIST,
    N_TALLIES,
)

_H_LO, _H_HI = HIST_EDGES_LOG10
_H_SCALE = N_HIST / (_H_HI - _H_LO)


#: Arguments of :func:`simulate_unit` after ``(i, t, row, hrow)``, in order (shared with the
#: CUDA kernel, which forwards them unchanged).
UNIT_ARGS = (
    "seed", "paths", "years", "both", "hosp_only", "os_only", "cell_age", "cell_group",
    "group_special", "cost_index",
    "adm_lambda", "adm_shape", "adm_cdf", "level_prob", "cost_mu", "cost_sigma", "cost_threshold",
    "cost_alpha", "cost_ptail", "inscope_mean", "inscope_conc", "os_mu", "os_sigma",
    "os_inscope", "os_bmi_rate", "os_bmi_deductible", "che_capacity", "che_threshold", "che_sd",
    "bmi_deductible", "bmi_rate", "bmi_cap", "group_category", "simi_line", "band_lower",
    "band_rate", "simi_cap", "assist_rate", "assist_deductible", "assist_limit", "flags",
)


@nb.njit(parallel=True, cache=True)
def simulate_claims(
    seed, paths, years, both, hosp_only, os_only, cell_age, cell_group, group_special,
    cost_index,
    adm_lambda, adm_shape, adm_cdf, level_prob, cost_mu, cost_sigma, cost_threshold, cost_alpha, cost_ptail,
    inscope_mean, inscope_conc, os_mu, os_sigma, os_inscope, os_bmi_rate, os_bmi_deductible,
    che_capacity, che_threshold, che_sd,
    bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
    simi_cap, assist_rate, assist_deductible, assist_limit, flags,
):
    """Tallies (P, Y, N_TALLIES) and SIMI-per-beneficiary histogram (P, Y, N_HIST).

    ``years`` are calendar years (stream keys); year index ``t`` selects rules and factors.
    ``che_capacity[t]``: mean household capacity to pay in year t.
    """
    P = paths.shape[0]
    Y = years.shape[0]
    tallies = np.zeros((P, Y, N_TALLIES))
    hist = np.zeros((P, Y, N_HIST))
    for unit in nb.prange(P * Y):
        i = unit // Y
        t = unit % Y
        simulate_unit(
            i, t, tallies[i, t], hist[i, t],
            seed, paths, years, both, hosp_only, os_only, cell_age, cell_group, group_special,
            cost_index,
            adm_lambda, adm_shape, adm_cdf, level_prob, cost_mu, cost_sigma, cost_threshold, cost_alpha,
            cost_ptail, inscope_mean, inscope_conc, os_mu, os_sigma, os_inscope, os_bmi_rate,
            os_bmi_deductible, che_capacity, che_threshold, che_sd,
            bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
            simi_cap, assist_rate, assist_deductible, assist_limit, flags,
        )
    return tallies, hist


@nb.njit(cache=True)
def simulate_unit(
    i, t, row, hrow,
    seed, paths, years, both, hosp_only, os_only, cell_age, cell_group, group_special,
    cost_index,
    adm_lambda, adm_shape, adm_cdf, level_prob, cost_mu, cost_sigma, cost_threshold, cost_alpha, cost_ptail,
    inscope_mean, inscope_conc, os_mu, os_sigma, os_inscope, os_bmi_rate, os_bmi_deductible,
    che_capacity, che_threshold, che_sd,
    bmi_deductible, bmi_rate, bmi_cap, group_category, simi_line, band_lower, band_rate,
    simi_cap, assist_rate, assist_deductible, assist_limit, flags,
):
    """Add the claims of work unit (path index ``i``, year index ``t``) to ``row`` (its
    N_TALLIES tallies) and ``hrow`` (its N_HIST histogram bins), cells in order.

    Scalar code only (no allocation), so it also compiles as a CUDA device function.
    """
    C = cell_age.shape[0]
    ci = cost_index[i, t]
    che_sd2 = 0.5 * che_sd * che_sd
    for c in range(C):
        nb_ = both[i, t, c]
        nh = hosp_only[i, t, c]
        no = os_only[i, t, c]
        n = nb_ + nh + no
        if n == 0:
            continue
        key = stream_key(seed, paths[i], years[t], c)
        ctr = np.uint64(0)
        age = cell_age[c]
        g = cell_group[c]
        cat = group_category[g]
        for k in range(n):
            has_h = k < nb_ + nh
            has_os = k < nb_ or k >= nb_ + nh
            total = 0.0
            in_scope = 0.0
            bmi_unc = 0.0
            deds = 0.0
            n_adm = 0
            n20 = 0
            n40 = 0
            n60 = 0
            if has_h:
                extra, ctr = draw_extra_admissions_table(key, ctr, adm_cdf[age],
                                                         adm_lambda[age], adm_shape)
                n_adm = 1 + extra
                for _ in range(n_adm):
                    lvl, ctr = draw_categorical(key, ctr, level_prob[age])
                    cost, ctr = draw_spliced(key, ctr, cost_mu[lvl], cost_sigma[lvl],
                                             cost_threshold[lvl], cost_alpha[lvl],
                                             cost_ptail[lvl])
                    cost *= ci
                    if cost < BEN_B1:
                        n20 += 1
                    elif cost < BEN_B2:
                        n40 += 1
                    elif cost < BEN_B3:
                        n60 += 1
                    share, ctr = draw_beta_share(key, ctr, inscope_mean[lvl],
                                                 inscope_conc[lvl])
                    ins = cost * share
                    d, b = admission_terms(bmi_deductible, bmi_rate, t, cat, lvl, ins)
                    total += cost
                    in_scope += ins
                    bmi_unc += b
                    deds += d
            inpatient = total
            os_in = 0.0
            os_b = 0.0
            if has_os:
                z, ctr = normal(key, ctr)
                os_cost = ci * math.exp(os_mu + os_sigma * z)
                os_in = os_cost * os_inscope
                os_b = os_in - os_bmi_deductible
                os_b = os_bmi_rate * os_b if os_b > 0.0 else 0.0
                total += os_cost
            bmi, simi, assist = settle(
                t, g, in_scope, bmi_unc, deds, os_in, os_b, bmi_deductible, bmi_rate,
                bmi_cap, group_category, simi_line, band_lower, band_rate, simi_cap,
                assist_rate, assist_deductible, assist_limit, flags,
            )
            all_in = in_scope + os_in
            pis = all_in - bmi - simi - assist
            self_pay = total - all_in
            row[I_TOTAL] += total
            row[I_IN_SCOPE] += all_in
            row[I_BMI] += bmi
            row[I_SIMI] += simi
            row[I_ASSIST] += assist
            row[I_PATIENT_IN_SCOPE] += pis
            row[I_SELF_PAY] += self_pay
            row[I_CLAIMANTS] += 1.0
            if has_h:
                row[I_HOSPITALISED] += 1.0
                row[I_ADMISSIONS] += n_adm
                row[I_INPATIENT_COST] += inpatient
            if has_os:
                row[I_OS] += 1.0
            if simi > 0.0:
                row[I_BENEFICIARIES] += 1.0
                row[I_BEN_OOP] += all_in - bmi
                row[I_BEN_TOTAL] += total
                row[I_BEN_BMI] += bmi
                row[I_BEN_ASSIST] += assist
                row[I_BEN_PIS] += pis
                row[I_BEN_SELF_PAY] += self_pay
                if has_h:
                    row[I_BEN_ADM] += n_adm
                    row[I_BEN_INPATIENT] += inpatient
                    row[I_BEN_B20] += n20
                    row[I_BEN_B40] += n40
                    row[I_BEN_B60] += n60
                if group_special[g]:
                    row[I_SIMI_SPECIAL] += simi
                b = int((math.log10(simi) - _H_LO) * _H_SCALE) if simi >= 1.0 else 0
                if b >= N_HIST:
                    b = N_HIST - 1
                hrow[b] += 1.0
            z, ctr = normal(key, ctr)
            capacity = che_capacity[t] * math.exp(che_sd * z - che_sd2)
            if pis + self_pay >= che_threshold * capacity:
                row[I_CHE] += 1.0
