"""Outer path-years through the proxy (compiled): the conditional mean of every tally and,
unless the design says otherwise, a normal draw with its conditional covariance.

For path-year ``(i, t)`` with cost index ``ci`` and utilisation factor ``u``::

    mean = Σ_j w_j (mean0[t, k_j] + u mean1[t, k_j])
    cov  = Σ_j w_j (cov0[t, k_j] + u cov1[t, k_j] + u² cov2[t, k_j])
    tallies = max(0, mean + L z),   L L' = cov,   z ~ N(0, I) from stream (seed, path, year, PROXY_NOISE)

``w_j`` are the 4-point Lagrange weights of ``log ci`` on the year's grid (cubic
interpolation). ``L`` is a semidefinite Cholesky factor (pivots at or below ``1e-12`` of the
diagonal's scale are dropped: exact linear relations between tallies, e.g. total = in-scope
+ self-pay, have zero variance). Tallies are non-negative sums; the clamp at 0 only binds
where a tally's mean is within a few standard deviations of 0 (very small populations).
The expected histogram of SIMI per beneficiary is interpolated the same way (mean only).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..rng import normal, stream_key
from ..streams import PROXY_NOISE_CELL
from ..systematic import SystematicFactors
from .moments import ProxyTables


class OutsideGridError(ValueError):
    """An outer path-year's cost index lies outside the proxy's grid for its year."""


@nb.njit(inline="always", cache=True)
def lagrange4(grid, x):
    """``(k0, w0, w1, w2, w3, outside)``: cubic Lagrange weights of ``x`` on the evenly spaced
    ``grid`` nodes ``k0 .. k0 + 3`` (the four nearest)."""
    K = grid.shape[0]
    h = (grid[K - 1] - grid[0]) / (K - 1)
    pos = (x - grid[0]) / h
    outside = pos < -1e-9 or pos > K - 1 + 1e-9
    k0 = int(math.floor(pos)) - 1
    if k0 < 0:
        k0 = 0
    if k0 > K - 4:
        k0 = K - 4
    s = pos - k0
    w0 = -(s - 1.0) * (s - 2.0) * (s - 3.0) / 6.0
    w1 = s * (s - 2.0) * (s - 3.0) / 2.0
    w2 = -s * (s - 1.0) * (s - 3.0) / 2.0
    w3 = s * (s - 1.0) * (s - 2.0) / 6.0
    return k0, w0, w1, w2, w3, outside


@nb.njit(cache=True)
def semidefinite_cholesky(a, out):
    """Lower factor ``out`` with ``out out' = a`` for a symmetric positive semidefinite ``a``
    (pivots <= 1e-12 x the largest diagonal entry, or negative from rounding, give a zero
    column)."""
    n = a.shape[0]
    scale = 0.0
    for i in range(n):
        if a[i, i] > scale:
            scale = a[i, i]
    tol = 1e-12 * scale
    for j in range(n):
        for i in range(n):
            out[i, j] = 0.0
    for j in range(n):
        d = a[j, j]
        for k in range(j):
            d -= out[j, k] * out[j, k]
        if d <= tol:
            continue
        ljj = math.sqrt(d)
        out[j, j] = ljj
        for i in range(j + 1, n):
            v = a[i, j]
            for k in range(j):
                v -= out[i, k] * out[j, k]
            out[i, j] = v / ljj


@nb.njit(parallel=True, cache=True)
def _evaluate(seed, paths, years, log_grid, cost_index, util, mean0, mean1, cov0, cov1, cov2,
              hist0, hist1, noise):
    P, Y = cost_index.shape
    T = mean0.shape[2]
    Hn = hist0.shape[2]
    out = np.zeros((P, Y, T))
    hist = np.zeros((P, Y, Hn))
    outside = np.zeros(P * Y, dtype=np.bool_)
    for unit in nb.prange(P * Y):
        i = unit // Y
        t = unit % Y
        u = util[i, t]
        k0, w0, w1, w2, w3, off = lagrange4(log_grid[t], math.log(cost_index[i, t]))
        outside[unit] = off
        w = (w0, w1, w2, w3)
        mu = np.zeros(T)
        cov = np.zeros((T, T))
        for j in range(4):
            k = k0 + j
            wj = w[j]
            for a in range(T):
                mu[a] += wj * (mean0[t, k, a] + u * mean1[t, k, a])
            for b in range(Hn):
                hist[i, t, b] += wj * (hist0[t, k, b] + u * hist1[t, k, b])
            if noise:
                for a in range(T):
                    for b in range(T):
                        cov[a, b] += wj * (cov0[t, k, a, b] + u * (cov1[t, k, a, b]
                                                                 + u * cov2[t, k, a, b]))
        if noise:
            low = np.empty((T, T))
            semidefinite_cholesky(cov, low)
            key = stream_key(seed, paths[i], years[t], PROXY_NOISE_CELL)
            ctr = np.uint64(0)
            z = np.empty(T)
            for a in range(T):
                z[a], ctr = normal(key, ctr)
            for a in range(T):
                acc = 0.0
                for b in range(a + 1):
                    acc += low[a, b] * z[b]
                mu[a] += acc
        for a in range(T):
            out[i, t, a] = mu[a] if mu[a] > 0.0 else 0.0
        for b in range(Hn):
            if hist[i, t, b] < 0.0:
                hist[i, t, b] = 0.0
    return out, hist, outside


def evaluate_paths(tables: ProxyTables, seed: int, paths: np.ndarray, years: np.ndarray,
                   factors: SystematicFactors, noise: bool | None = None):
    """Tallies ``(P, Y, T)`` and histogram ``(P, Y, H)`` of the outer ``paths`` with their
    systematic ``factors`` (``noise``: default the design's ``process_noise``)."""
    util = np.ascontiguousarray(factors.utilisation, dtype=np.float64)
    top = float(util.max(initial=0.0)) * tables.max_hosp_prob
    if top > 1.0:
        raise OutsideGridError(
            f"utilisation factor x hospitalisation probability reaches {top:.3f} > 1 on some "
            "path-year: the proxy's claimant counts are linear in utilisation only below 1 "
            "(use --engine micro for this scenario)")
    tal, hist, outside = _evaluate(
        np.uint64(seed), np.asarray(paths, dtype=np.int64), np.asarray(years, dtype=np.int64),
        tables.log_grid, np.ascontiguousarray(factors.cost_index, dtype=np.float64), util,
        tables.mean0, tables.mean1, tables.cov0, tables.cov1, tables.cov2, tables.hist0,
        tables.hist1, tables.design.process_noise if noise is None else bool(noise))
    if outside.any():
        n_out = int(outside.sum())
        raise OutsideGridError(
            f"{n_out} path-year(s) have a cost index outside the proxy's grid (±"
            f"{tables.design.grid_sd} sd of log cost per year): widen it (grid_sd) or use "
            "--engine micro")
    return tal, hist


def process_variance(tables: ProxyTables, factors: SystematicFactors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path-year and tally: conditional mean, process variance (diagonal of ``cov``) and
    the variance of the proxy's estimated mean (``est0 + u est1 + u² est2``), each (P, Y, T)."""
    ci, u = factors.cost_index, factors.utilisation
    P, Y = ci.shape
    T = tables.mean0.shape[2]
    mean = np.zeros((P, Y, T))
    var = np.zeros((P, Y, T))
    est = np.zeros((P, Y, T))
    d0 = np.diagonal(tables.cov0, axis1=2, axis2=3)
    d1 = np.diagonal(tables.cov1, axis1=2, axis2=3)
    d2 = np.diagonal(tables.cov2, axis1=2, axis2=3)
    for t in range(Y):
        for i in range(P):
            k0, *w, _ = lagrange4(tables.log_grid[t], math.log(ci[i, t]))
            uu = u[i, t]
            for j in range(4):
                k = k0 + j
                mean[i, t] += w[j] * (tables.mean0[t, k] + uu * tables.mean1[t, k])
                var[i, t] += w[j] * (d0[t, k] + uu * d1[t, k] + uu * uu * d2[t, k])
                est[i, t] += w[j] * (tables.est0[t, k] + uu * tables.est1[t, k]
                                     + uu * uu * tables.est2[t, k])
    return mean, np.maximum(var, 0.0), np.maximum(est, 0.0)
