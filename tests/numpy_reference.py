"""The claims -> BMI -> SIMI -> tallies pipeline written as an analyst would, vectorised with
numpy (one array operation per step, persons and admissions as long arrays, sums by
``np.bincount``), with numpy's own random generator.

It is an independent implementation of what :func:`simi_actuarial.engine.kernel.simulate_claims`
computes: same inputs (the kernel's ``KernelInputs``), same tallies and histogram, but
different random numbers (``numpy.random.Generator`` keyed by ``(seed, path, year)``), different
sampling algorithms (truncated lognormal by inversion instead of rejection, numpy's gamma,
Poisson and beta samplers) and array code instead of a person loop. The two therefore agree
in distribution, not bit for bit: ``tests/test_bench_reference.py`` checks the means agree
within Monte Carlo error. It is a test oracle, kept with the tests; the benchmark suite
(``benchmarks/bench.py``) imports it from here to time it as the ``numpy_reference`` point.

Memory is one path-year's claimants at a time (about 0.16 x insured persons x ~10 arrays).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr, ndtri

from simi_actuarial.engine.inputs import KernelInputs
from simi_actuarial.engine.tallies import (
    BEN_BAND_EDGES,
    EPISODE_OLD_AGE,
    HIST_EDGES_LOG10,
    N_HIST,
    N_TALLIES,
    T,
)
from simi_actuarial.rules.kernel import (
    FLAG_CAP_COMBINED,
    FLAG_DEDUCTIBLE_COUNTS,
    FLAG_OUTPATIENT_SPECIAL_COUNTS,
)

#: Cap on the patient-level Poisson mean of extra admissions (about one admission a day), as
#: in the gamma-mixed Poisson sampler of random-stream version 1 (``tests/v1_samplers.py``).
MAX_EXTRA_ADMISSIONS_MEAN = 365.0

#: Stream tag separating this reference's generator from every engine stream.
REFERENCE_STREAM = 0xBE4C


def reference_claims(inputs: KernelInputs):
    """Tallies ``(P, Y, N_TALLIES)`` and histogram ``(P, Y, N_HIST)`` for the kernel's inputs
    (the :class:`~simi_actuarial.engine.inputs.KernelInputs` of
    :func:`~simi_actuarial.engine.kernel.simulate_claims`)."""
    b = inputs.batch
    P, Y = len(b.paths), len(b.years)
    tallies = np.zeros((P, Y, N_TALLIES))
    hist = np.zeros((P, Y, N_HIST))
    for i in range(P):
        for t in range(Y):
            rng = np.random.default_rng(
                [int(b.seed), int(b.paths[i]), int(b.years[t]), REFERENCE_STREAM])
            tallies[i, t], hist[i, t] = _unit(inputs, rng, i, t)
    return tallies, hist


def _spliced(rng, n, mu, sigma, thr, alpha, ptail):
    """Spliced lognormal-Pareto draws, parameters given per draw (arrays of length n)."""
    tail = rng.random(n) < ptail
    with np.errstate(divide="ignore"):
        fz = ndtr((np.log(thr) - mu) / sigma)  # 1 where there is no tail (thr = inf)
    body = np.exp(mu + sigma * ndtri(rng.random(n) * fz))  # lognormal truncated below thr
    pareto = thr * rng.random(n) ** (-1.0 / alpha)
    return np.where(tail, pareto, body)


def _beta_share(rng, mean, conc):
    """Beta(mean x conc, (1 - mean) x conc) per draw; degenerate means give 0 or 1."""
    a = np.clip(mean, 1e-12, 1 - 1e-12) * conc
    b = np.clip(1.0 - mean, 1e-12, 1 - 1e-12) * conc
    x = rng.beta(a, b)
    return np.where(mean >= 1.0, 1.0, np.where(mean <= 0.0, 0.0, x))


def _unit(inputs, rng, i, t):
    """Tallies and histogram of one (path, year)."""
    batch, law, r, che = inputs.batch, inputs.claims, inputs.rules, inputs.che
    ci = batch.cost_index[i, t]
    nb_, nh, no = batch.both[i, t], batch.hosp_only[i, t], batch.os_only[i, t]
    C = nb_.shape[0]
    cells = np.arange(C)
    # persons: hospitalised (the first `both` of a cell also have outpatient special disease),
    # then outpatient-special-disease-only persons
    h_cell = np.repeat(cells, nb_ + nh)
    h_os = np.concatenate([np.repeat([True, False], [b, h]) for b, h in zip(nb_, nh, strict=True)]) \
        if h_cell.size else np.zeros(0, bool)
    cell = np.concatenate([h_cell, np.repeat(cells, no)])
    n_h = h_cell.size
    n = cell.size
    has_os = np.concatenate([h_os, np.ones(n - n_h, bool)])
    age = inputs.cells.age[cell]
    g = inputs.cells.group[cell]
    cat = r.group_category[g]

    # admissions per hospitalised person: 1 + negative binomial (gamma-mixed Poisson)
    lam = law.adm_lambda[age[:n_h]]
    shape = law.adm_shape
    if 0.0 < shape < np.inf:
        lam = np.minimum(lam * rng.gamma(shape, 1.0, n_h) / shape, MAX_EXTRA_ADMISSIONS_MEAN)
    n_adm = 1 + rng.poisson(lam)
    person = np.repeat(np.arange(n_h), n_adm)
    m = person.size

    # admission level by the person's age, cost, in-scope share, BMI terms
    cum = np.cumsum(law.level_prob, axis=1)[age[person]]
    lvl = np.minimum((rng.random(m)[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)
    cost = ci * _spliced(rng, m, law.cost_mu[lvl], law.cost_sigma[lvl],
                         law.cost_threshold[lvl], law.cost_alpha[lvl], law.cost_ptail[lvl])
    ins = cost * _beta_share(rng, law.inscope_mean[lvl], law.inscope_conc[lvl])
    pcat = cat[person]
    ded = np.minimum(r.bmi_deductible[t, pcat, lvl], ins)
    bmi_adm = r.bmi_rate[t, pcat, lvl] * (ins - ded)

    def per_person(x):
        return np.bincount(person, weights=x, minlength=n)

    inpatient = per_person(cost)
    in_scope = per_person(ins)
    bmi_unc = per_person(bmi_adm)
    deds = per_person(ded)

    # outpatient special disease
    os_cost = np.where(has_os, ci * np.exp(law.os_mu + law.os_sigma * rng.standard_normal(n)),
                       0.0)
    os_in = os_cost * law.os_inscope
    os_b = law.os_bmi_rate * np.maximum(os_in - law.os_bmi_deductible, 0.0)
    total = inpatient + os_cost

    # annual settlement: BMI cap, SIMI bands above the line, SIMI cap, medical assistance;
    # SIMI's part on the counted out-of-scope cost pro rata of what was counted
    counted = _counted(r, t, inpatient - in_scope, os_cost - os_in)
    bmi, simi, oop_counted = _settle(r, t, g, in_scope, bmi_unc, deds, os_in, os_b, counted)
    simi_sp = np.where(simi > 0.0, simi * counted / np.where(simi > 0.0, oop_counted, 1.0), 0.0)
    oop_after = in_scope + os_in - bmi - (simi - simi_sp)
    assist = np.minimum(r.assist_rate[t, g] * np.maximum(oop_after - r.assist_deductible[t, g], 0.0),
                        r.assist_limit[t, g])

    all_in = in_scope + os_in
    pis = all_in - bmi - (simi - simi_sp) - assist
    self_pay = total - all_in - simi_sp
    sd = che.sd
    capacity = che.capacity[t] * np.exp(sd * rng.standard_normal(n) - 0.5 * sd * sd)
    ben = simi > 0.0

    row = np.zeros(N_TALLIES)
    row[T["total_cost"]] = total.sum()
    row[T["in_scope_cost"]] = all_in.sum()
    row[T["bmi_paid"]] = bmi.sum()
    row[T["simi_paid"]] = simi.sum()
    row[T["assistance_paid"]] = assist.sum()
    row[T["patient_in_scope"]] = pis.sum()
    row[T["self_pay"]] = self_pay.sum()
    row[T["claimants"]] = n
    row[T["hospitalised"]] = n_h
    row[T["admissions"]] = m
    row[T["os_claimants"]] = has_os.sum()
    row[T["simi_beneficiaries"]] = ben.sum()
    row[T["beneficiary_oop_after_bmi"]] = (all_in - bmi + counted)[ben].sum()
    row[T["che_cases"]] = (pis + self_pay >= che.threshold * capacity).sum()
    row[T["simi_paid_special"]] = simi[ben & inputs.cells.group_special[g]].sum()
    row[T["inpatient_cost"]] = inpatient.sum()
    # SIMI beneficiaries: costs by payer and admissions
    row[T["ben_total_cost"]] = total[ben].sum()
    row[T["ben_bmi_paid"]] = bmi[ben].sum()
    row[T["ben_assistance_paid"]] = assist[ben].sum()
    row[T["ben_patient_in_scope"]] = pis[ben].sum()
    row[T["ben_self_pay"]] = self_pay[ben].sum()
    row[T["ben_admissions"]] = per_person(np.ones(m))[ben].sum()
    row[T["ben_inpatient_cost"]] = inpatient[ben].sum()
    # SIMI-paid episodes: each admission of a beneficiary settled with and without it, on
    # the running sums of the person's earlier admissions (array order = order drawn) and
    # j / (n + 1) of the year's outpatient special disease for admission j of n
    first = np.cumsum(n_adm) - n_adm                 # index of each person's first admission
    j = np.arange(m) - np.repeat(first, n_adm)       # position within the person, from 0
    sp = cost - ins
    # in-scope, BMI uncapped, deductibles, out-of-scope
    before = [np.zeros(m), np.zeros(m), np.zeros(m), np.zeros(m)]
    for k in range(1, int(j.max(initial=0)) + 1):
        sel = np.flatnonzero(j == k)
        for acc, x in zip(before, (ins, bmi_adm, ded, sp), strict=True):
            acc[sel] = acc[sel - 1] + x[sel - 1]
    f = (j + 1.0) / (n_adm[person] + 1.0)
    pg, po, pb = g[person], f * os_in[person], f * os_b[person]
    psp = f * (os_cost - os_in)[person]
    bmi0, simi0, _ = _settle(r, t, pg, before[0], before[1], before[2], po, pb,
                             _counted(r, t, before[3], psp))
    bmi1, simi1, _ = _settle(r, t, pg, before[0] + ins, before[1] + bmi_adm, before[2] + ded,
                             po, pb, _counted(r, t, before[3] + sp, psp))
    simi_e = simi1 - simi0
    left = ins + r.self_pay_counted[t] * sp - (bmi1 - bmi0)
    paid = ben[person] & (simi_e > 0.0) & (left > 0.0)
    row[T["ben_episodes"]] = paid.sum()
    row[T["ben_episode_ratio_sum"]] = (simi_e[paid] / left[paid]).sum()
    row[T["ben_episode_cost"]] = cost[paid].sum()
    row[T["ben_episode_simi"]] = simi_e[paid].sum()
    edges = (0.0, *BEN_BAND_EDGES)
    for name, lo, hi in zip(("ben_ep_lt20k", "ben_ep_20k_40k", "ben_ep_40k_60k"),
                            edges[:-1], edges[1:], strict=True):
        row[T[name]] = (paid & (cost >= lo) & (cost < hi)).sum()
    row[T["ben_ep_60plus"]] = (paid & (age[person] >= EPISODE_OLD_AGE)).sum()
    lo10, hi10 = HIST_EDGES_LOG10
    s = simi[ben]
    b = np.where(s >= 1.0, ((np.log10(np.maximum(s, 1.0)) - lo10) * (N_HIST / (hi10 - lo10))), 0)
    hist = np.bincount(np.minimum(b.astype(np.int64), N_HIST - 1), minlength=N_HIST)
    return row, hist


def _counted(r, t, self_pay, os_self_pay):
    """The out-of-scope cost counted toward the SIMI line."""
    if r.flags[t][FLAG_OUTPATIENT_SPECIAL_COUNTS] != 0:
        self_pay = self_pay + os_self_pay
    return r.self_pay_counted[t] * self_pay


def _settle(r, t, g, in_scope, bmi_unc, deds, os_in, os_b, counted):
    """(bmi, simi, oop_counted) of the annual settlement for arrays of persons (``g`` their
    groups); ``counted`` the out-of-scope cost counted toward the line."""
    flags = r.flags[t]
    bmi = np.minimum(bmi_unc, r.bmi_cap[t, r.group_category[g]])
    oop_counted = in_scope - bmi + counted
    if flags[FLAG_DEDUCTIBLE_COUNTS] == 0:
        oop_counted = oop_counted - deds
    if flags[FLAG_OUTPATIENT_SPECIAL_COUNTS] != 0:
        oop_counted = oop_counted + os_in - os_b
    bmi = bmi + os_b
    over_line = oop_counted - r.simi_line[t, g]
    lower = r.band_lower[t][g]                       # (n, B)
    upper = np.concatenate([lower[:, 1:], np.full((lower.shape[0], 1), np.inf)], axis=1)
    live = np.isfinite(lower)
    lo = np.where(live, lower, 0.0)
    slice_ = np.clip(over_line[:, None], lo, np.where(live, upper, 0.0)) - lo
    simi = np.where(live, r.band_rate[t][g] * np.maximum(slice_, 0.0), 0.0).sum(axis=1)
    simi = np.where(over_line > 0.0, simi, 0.0)
    cap = r.simi_cap[t, g]
    if flags[FLAG_CAP_COMBINED] != 0:
        cap = np.maximum(cap - bmi, 0.0)
    return bmi, np.minimum(simi, cap), oop_counted
