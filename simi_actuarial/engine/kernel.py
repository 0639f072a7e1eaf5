"""The compiled hot loop: claimants -> admissions -> benefit chain -> tallies.

Work is parallel over (path, year) units; within a unit the cells are processed in a fixed
order and each cell's claimants draw from the stream ``(seed, path, year, cell)``. A unit's
tallies are written by one thread only, so sums are bit-identical for any thread count or
batch size.

The body of one unit is :func:`simulate_unit`, a plain ``@njit`` function: the CPU kernel
:func:`simulate_claims` calls it from a ``prange`` loop and the CUDA kernel
(:mod:`simi_actuarial.engine.cuda_kernel`) calls the same function from one GPU thread per
unit, so the sampling and the rules arithmetic have one source for both targets.

Per-episode figures (the SIMI actual payment ratio of Jiang (2024) Tables 8-10) need each
admission settled on its own; for a SIMI beneficiary the kernel replays the admissions from
their stream counter (:func:`episode_tallies`), so no admission is stored and no draw of the
person loop moves: every other tally is unchanged by it.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..rules.kernel import admission_terms, counted_self_pay, episode_payments, settle
from .inputs import KernelInputs
from .rng import normal, stream_key
from .samplers import (
    draw_beta_share,
    draw_categorical,
    draw_extra_admissions_table,
    draw_spliced,
)
from .tallies import (
    BEN_B1,
    BEN_B2,
    BEN_B3,
    EPISODE_OLD_AGE,
    HIST_EDGES_LOG10,
    I_ADMISSIONS,
    I_ASSIST,
    I_BEN_ADM,
    I_BEN_ASSIST,
    I_BEN_BMI,
    I_BEN_EP20,
    I_BEN_EP40,
    I_BEN_EP60,
    I_BEN_EP_OLD,
    I_BEN_EPISODE_COST,
    I_BEN_EPISODE_RATIO,
    I_BEN_EPISODE_SIMI,
    I_BEN_EPISODES,
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


def simulate_claims(inputs: KernelInputs):
    """Tallies (P, Y, N_TALLIES) and SIMI-per-beneficiary histogram (P, Y, N_HIST) of the
    batch in ``inputs``.

    ``inputs.batch.years`` are calendar years (stream keys); year index ``t`` selects rules
    and factors.
    """
    return _simulate_claims(*inputs)


@nb.njit(parallel=True, cache=True)
def _simulate_claims(batch, cells, claims, che, rules):
    """:func:`simulate_claims` with the groups of :class:`KernelInputs` as arguments (numba's
    parallel loops take flat named tuples that are arguments, not nested ones)."""
    P = batch.paths.shape[0]
    Y = batch.years.shape[0]
    tallies = np.zeros((P, Y, N_TALLIES))
    hist = np.zeros((P, Y, N_HIST))
    for unit in nb.prange(P * Y):
        i = unit // Y
        t = unit % Y
        simulate_unit(i, t, tallies[i, t], hist[i, t],
                      KernelInputs(batch, cells, claims, che, rules))
    return tallies, hist


@nb.njit(inline="always", cache=True)
def draw_admission(key, ctr, law, age, ci):
    """One admission of a claimant aged ``age``: ``(level, total cost, in-scope cost, ctr)``;
    level by the age's level mix, cost spliced lognormal-Pareto x cost index ``ci``, in-scope
    share beta."""
    lvl, ctr = draw_categorical(key, ctr, law.level_prob[age])
    cost, ctr = draw_spliced(key, ctr, law.cost_mu[lvl], law.cost_sigma[lvl],
                             law.cost_threshold[lvl], law.cost_alpha[lvl], law.cost_ptail[lvl])
    cost *= ci
    share, ctr = draw_beta_share(key, ctr, law.inscope_mean[lvl], law.inscope_conc[lvl])
    return lvl, cost, cost * share, ctr


@nb.njit(inline="always", cache=True)
def episode_tallies(row, key, ctr, n_adm, law, age, ci, t, g, cat, os_in, os_b, os_sp, rules):
    """Add to ``row`` the SIMI-paid episodes of one SIMI beneficiary, the admissions settled
    one by one (:func:`~simi_actuarial.rules.kernel.episode_payments`) in the order drawn.
    Counted are the episodes with ``simi_e > 0`` (and compliant cost left after BMI): their
    number, the sum of their ratios ``simi_e / (compliant_e - bmi_e)`` (the compliant cost
    being the in-scope cost plus the counted out-of-scope cost), their total cost, their
    ``simi_e``, their number by cost band and, for a person aged 60+, their number again
    (Jiang (2024) Tables 7-10, s4.2.2.2).

    The admissions are replayed from their stream counter ``ctr`` (counter-based streams: the
    same draws), so the person loop keeps no admission in memory and no other draw moves.
    The outpatient special disease (``os_in``, ``os_b``) accrues evenly over the year and
    admission ``j`` of ``n`` (from 1) comes at ``j / (n + 1)`` of it (ASSUMPTION: the claims
    carry no dates)."""
    ins_c = 0.0
    bmi_c = 0.0
    ded_c = 0.0
    sp_c = 0.0
    for j in range(n_adm):
        lvl, cost, ins, ctr = draw_admission(key, ctr, law, age, ci)
        d, b = admission_terms(rules, t, cat, lvl, ins)
        sp = cost - ins
        f = (j + 1.0) / (n_adm + 1.0)
        bmi_e, simi_e = episode_payments(t, g, ins_c, bmi_c, ded_c, sp_c, ins, b, d, sp,
                                         f * os_in, f * os_b, f * os_sp, rules)
        left = ins + counted_self_pay(t, sp, 0.0, rules) - bmi_e
        if simi_e > 0.0 and left > 0.0:
            row[I_BEN_EPISODES] += 1.0
            row[I_BEN_EPISODE_RATIO] += simi_e / left
            row[I_BEN_EPISODE_COST] += cost
            row[I_BEN_EPISODE_SIMI] += simi_e
            if cost < BEN_B1:
                row[I_BEN_EP20] += 1.0
            elif cost < BEN_B2:
                row[I_BEN_EP40] += 1.0
            elif cost < BEN_B3:
                row[I_BEN_EP60] += 1.0
            if age >= EPISODE_OLD_AGE:
                row[I_BEN_EP_OLD] += 1.0
        ins_c += ins
        bmi_c += b
        ded_c += d
        sp_c += sp


@nb.njit(cache=True, _nrt=False)
def simulate_unit(i, t, row, hrow, inputs):
    """Add the claims of work unit (path index ``i``, year index ``t``) to ``row`` (its
    N_TALLIES tallies) and ``hrow`` (its N_HIST histogram bins), cells in order.

    Scalar code only (no allocation), so it also compiles as a CUDA device function.
    Compiled without numba's reference counting (``_nrt=False``, as on the GPU): reading an
    array out of ``inputs`` would otherwise count a reference per access in the claimant
    loop (measured 9 % slower); the caller owns every array for the whole call.
    """
    batch = inputs.batch
    cells = inputs.cells
    law = inputs.claims
    rules = inputs.rules
    che = inputs.che
    cell_age = cells.age
    ci = batch.cost_index[i, t]
    che_sd = che.sd
    che_sd2 = 0.5 * che_sd * che_sd
    C = cell_age.shape[0]
    for c in range(C):
        nb_ = batch.both[i, t, c]
        nh = batch.hosp_only[i, t, c]
        no = batch.os_only[i, t, c]
        n = nb_ + nh + no
        if n == 0:
            continue
        key = stream_key(batch.seed, batch.paths[i], batch.years[t], c)
        ctr = np.uint64(0)
        age = cell_age[c]
        g = cells.group[c]
        cat = rules.group_category[g]
        for k in range(n):
            has_h = k < nb_ + nh
            has_os = k < nb_ or k >= nb_ + nh
            total = 0.0
            in_scope = 0.0
            bmi_unc = 0.0
            deds = 0.0
            n_adm = 0
            ctr_adm = ctr
            if has_h:
                extra, ctr = draw_extra_admissions_table(key, ctr, law.adm_cdf[age],
                                                         law.adm_lambda[age], law.adm_shape)
                n_adm = 1 + extra
                ctr_adm = ctr
                for _ in range(n_adm):
                    lvl, cost, ins, ctr = draw_admission(key, ctr, law, age, ci)
                    d, b = admission_terms(rules, t, cat, lvl, ins)
                    total += cost
                    in_scope += ins
                    bmi_unc += b
                    deds += d
            inpatient = total
            os_in = 0.0
            os_b = 0.0
            os_sp = 0.0
            if has_os:
                z, ctr = normal(key, ctr)
                os_cost = ci * math.exp(law.os_mu + law.os_sigma * z)
                os_in = os_cost * law.os_inscope
                os_sp = os_cost - os_in
                os_b = os_in - law.os_bmi_deductible
                os_b = law.os_bmi_rate * os_b if os_b > 0.0 else 0.0
                total += os_cost
            bmi, simi, assist, simi_sp = settle(t, g, in_scope, bmi_unc, deds, os_in, os_b,
                                                inpatient - in_scope, os_sp, rules)
            all_in = in_scope + os_in
            pis = all_in - bmi - (simi - simi_sp) - assist
            self_pay = total - all_in - simi_sp
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
                row[I_BEN_OOP] += all_in - bmi + counted_self_pay(t, inpatient - in_scope,
                                                                  os_sp, rules)
                row[I_BEN_TOTAL] += total
                row[I_BEN_BMI] += bmi
                row[I_BEN_ASSIST] += assist
                row[I_BEN_PIS] += pis
                row[I_BEN_SELF_PAY] += self_pay
                if has_h:
                    row[I_BEN_ADM] += n_adm
                    row[I_BEN_INPATIENT] += inpatient
                    episode_tallies(row, key, ctr_adm, n_adm, law, age, ci, t, g, cat, os_in,
                                    os_b, os_sp, rules)
                if cells.group_special[g]:
                    row[I_SIMI_SPECIAL] += simi
                b = int((math.log10(simi) - _H_LO) * _H_SCALE) if simi >= 1.0 else 0
                if b >= N_HIST:
                    b = N_HIST - 1
                hrow[b] += 1.0
            z, ctr = normal(key, ctr)
            capacity = che.capacity[t] * math.exp(che_sd * z - che_sd2)
            if pis + self_pay >= che.threshold * capacity:
                row[I_CHE] += 1.0
