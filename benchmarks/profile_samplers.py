"""Where the kernel's time goes: each sampler of the person-year chain timed alone.

Every component is timed in its own single-threaded numba loop (``n`` calls on one keyed
stream, results summed so nothing is optimised away) with the scenario's parameters. Weighted
by how often the kernel calls it per claimant (from the kernel's own tallies), the sum is a
*budget* of nanoseconds per claimant to compare with the kernel's measured time per claimant
on one thread: when the two agree, the kernel is bound by the arithmetic of its samplers
(transcendental functions: log, exp, sqrt), not by memory or scheduling.
"""

from __future__ import annotations

import time

import numba as nb
import numpy as np

from simi_actuarial.engine.rng import normal, uniform
from simi_actuarial.engine.samplers import (
    draw_beta_share,
    draw_categorical,
    draw_extra_admissions_table,
    draw_spliced,
)
from simi_actuarial.engine.tallies import T
from simi_actuarial.morbidity.severity import extra_admissions_cdf

_KEY = np.uint64(0x5EED)


@nb.njit(cache=True)
def _loop_uniform(n):
    ctr = np.uint64(0)
    s = 0.0
    for _ in range(n):
        u, ctr = uniform(_KEY, ctr)
        s += u
    return s


@nb.njit(cache=True)
def _loop_normal(n):
    ctr = np.uint64(0)
    s = 0.0
    for _ in range(n):
        z, ctr = normal(_KEY, ctr)
        s += z
    return s


@nb.njit(cache=True)
def _loop_che(n, sd):
    ctr = np.uint64(0)
    s = 0.0
    for _ in range(n):
        z, ctr = normal(_KEY, ctr)
        s += np.exp(sd * z - 0.5 * sd * sd)
    return s


@nb.njit(cache=True)
def _loop_spliced(n, mu, sigma, thr, alpha, ptail):
    ctr = np.uint64(0)
    s = 0.0
    for _ in range(n):
        x, ctr = draw_spliced(_KEY, ctr, mu, sigma, thr, alpha, ptail)
        s += x
    return s


@nb.njit(cache=True)
def _loop_beta(n, mean, conc):
    ctr = np.uint64(0)
    s = 0.0
    for _ in range(n):
        x, ctr = draw_beta_share(_KEY, ctr, mean, conc)
        s += x
    return s


@nb.njit(cache=True)
def _loop_level(n, probs):
    ctr = np.uint64(0)
    s = 0
    for _ in range(n):
        k, ctr = draw_categorical(_KEY, ctr, probs)
        s += k
    return s


@nb.njit(cache=True)
def _loop_extra(n, cdf, lam, shape):
    ctr = np.uint64(0)
    s = 0
    for _ in range(n):
        k, ctr = draw_extra_admissions_table(_KEY, ctr, cdf, lam, shape)
        s += k
    return s


def _ns(fn, n, *args):
    fn(10, *args)
    t0 = time.perf_counter()
    fn(n, *args)
    return 1e9 * (time.perf_counter() - t0) / n


def profile(model, tallies, che_sd: float, n: int = 2_000_000) -> dict:
    """Nanoseconds per call of each component, calls per claimant, and the budget."""
    m = model.morbidity
    lvl = int(np.argmax(m.level_prob.mean(axis=0)))
    tot = tallies.reshape(-1, tallies.shape[-1]).sum(axis=0)
    claimants = tot[T["claimants"]]
    per_claimant = {
        "admission count (NB: CDF table)": tot[T["hospitalised"]] / claimants,
        "level (categorical)": tot[T["admissions"]] / claimants,
        "cost (spliced lognormal-Pareto)": tot[T["admissions"]] / claimants,
        "in-scope share (beta: gamma ratio)": tot[T["admissions"]] / claimants,
        "outpatient special cost (normal + exp)": tot[T["os_claimants"]] / claimants,
        "CHE capacity (ziggurat normal + exp)": 1.0,
    }
    lam = float(np.average(m.adm_lambda))
    ns = {
        "admission count (NB: CDF table)":
            _ns(_loop_extra, n, extra_admissions_cdf([lam], m.adm_shape)[0], lam,
                float(m.adm_shape)),
        "level (categorical)": _ns(_loop_level, n, m.level_prob[60].copy()),
        "cost (spliced lognormal-Pareto)":
            _ns(_loop_spliced, n, m.cost_mu[lvl], m.cost_sigma[lvl], m.cost_threshold[lvl],
                m.cost_alpha[lvl], m.cost_ptail[lvl]),
        "in-scope share (beta: gamma ratio)": _ns(_loop_beta, n, m.inscope_mean[lvl], m.inscope_conc[lvl]),
        "outpatient special cost (normal + exp)": _ns(_loop_che, n, float(m.os_sigma)),
        "CHE capacity (ziggurat normal + exp)": _ns(_loop_che, n, che_sd),
    }
    rows = {k: {"ns_per_call": ns[k], "calls_per_claimant": per_claimant[k],
                "ns_per_claimant": ns[k] * per_claimant[k]} for k in ns}
    return {
        "uniform_ns": _ns(_loop_uniform, n), "normal_ns": _ns(_loop_normal, n),
        "components": rows,
        "budget_ns_per_claimant": sum(r["ns_per_claimant"] for r in rows.values()),
    }
