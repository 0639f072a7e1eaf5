"""The bare random-number floor: a numba loop that draws the kernel's cost variates and
nothing else.

Same work units as :func:`~simi_actuarial.engine.kernel.simulate_claims` (parallel over
path x year, one keyed stream per unit), same counter-based generator
(:mod:`simi_actuarial.engine.rng`) and the same spliced lognormal-Pareto sampler; per unit it
draws as many cost variates as the kernel settled claims there (admissions plus outpatient
special-disease cases) and only sums them. Kernel throughput divided by this floor's
(``kernel_vs_rng_floor``) is the share of the time the kernel spends on anything but drawing
one cost per claim; 1.0 would mean the whole person-year chain (levels, in-scope shares,
admission counts, rules, CHE) were free.
"""

from __future__ import annotations

import time

import numba as nb
import numpy as np

from simi_actuarial.engine.rng import stream_key
from simi_actuarial.engine.samplers import draw_spliced


@nb.njit(parallel=True, cache=True)
def draw_costs(seed, paths, years, draws, mu, sigma, threshold, alpha, p_tail):
    """Sum of ``draws[i, t]`` spliced cost variates per (path, year) unit."""
    P = paths.shape[0]
    Y = years.shape[0]
    out = np.zeros((P, Y))
    for unit in nb.prange(P * Y):
        i = unit // Y
        t = unit % Y
        key = stream_key(seed, paths[i], years[t], 0)
        ctr = np.uint64(0)
        s = 0.0
        for _ in range(draws[i, t]):
            x, ctr = draw_spliced(key, ctr, mu, sigma, threshold, alpha, p_tail)
            s += x
        out[i, t] = s
    return out


def measure_floor(seed, paths, years, draws, morbidity, repeats=3) -> dict:
    """Best-of-``repeats`` throughput of :func:`draw_costs` with the parameters of the most
    frequent hospital level; ``draws`` (P, Y) int64."""
    lvl = int(np.argmax(morbidity.level_prob.mean(axis=0)))
    params = (morbidity.cost_mu[lvl], morbidity.cost_sigma[lvl], morbidity.cost_threshold[lvl],
              morbidity.cost_alpha[lvl], morbidity.cost_ptail[lvl])
    draws = np.ascontiguousarray(draws, dtype=np.int64)
    draw_costs(np.uint64(seed), paths[:1], years[:1], draws[:1, :1] * 0 + 10, *params)  # compile
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        draw_costs(np.uint64(seed), paths, years, draws, *params)
        best = min(best, time.perf_counter() - t0)
    n = float(draws.sum())
    return {"draws": n, "seconds": best, "draws_per_s": n / best, "level": lvl}
