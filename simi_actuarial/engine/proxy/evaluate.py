"""Outer path-years through the proxy (compiled): the conditional mean of every tally and,
unless the design says otherwise, a normal draw with its conditional covariance.

For path-year ``(i, t)`` with cost index ``ci`` and utilisation factor ``u``::

    mean = Σ_j w_j (mean0[t, k_j] + u mean1[t, k_j])
    cov  = Σ_j w_j (cov0[t, k_j] + u cov1[t, k_j] + u² cov2[t, k_j])
    tallies = max(0, mean + L z),   L L' = cov,   z ~ N(0, I) from stream (seed, path, year, PROXY_NOISE)

``w_j`` are the 4-point Lagrange weights of ``log ci`` on the year's grid (cubic
interpolation). ``L`` is a semidefinite Cholesky factor (a pivot at or below ``1e-9`` of its
tally's variance is dropped: exact linear relations between tallies, e.g. total = in-scope
+ self-pay, have zero residual variance). Tallies are non-negative sums; the clamp at 0 only binds
where a tally's mean is within a few standard deviations of 0 (very small populations).
The expected histogram of SIMI per beneficiary is interpolated the same way (mean only),
rounded to multiples of 2^-10 so that its sum over paths does not depend on the batches.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ..rng import normal, stream_key
from ..streams import PROXY_NOISE_CELL
from ..systematic import SystematicFactors
from .design import ProxyDesignError
from .moments import ProxyTables


class OutsideGridError(ProxyDesignError):
    """An outer path-year's cost index lies outside the proxy's grid for its year."""

    def __init__(self, message: str):
        super().__init__("--engine", message)


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
    """Lower factor ``out`` with ``out out' = a`` for a symmetric positive semidefinite ``a``.

    A pivot (the residual variance of tally ``j`` given the earlier ones) at or below
    ``max(1e-9 a_jj, 1e-15 max_i a_ii)``, or negative from rounding, gives a zero column:
    an exact linear relation leaves only rounding there (about 1e-16 of the largest entries).
    The tolerance is relative to the tally's own variance, so a count (variance ~10) beside
    costs (variance ~10^13) keeps its noise."""
    n = a.shape[0]
    scale = 0.0
    for i in range(n):
        if a[i, i] > scale:
            scale = a[i, i]
    floor = 1e-15 * scale
    for j in range(n):
        for i in range(n):
            out[i, j] = 0.0
    for j in range(n):
        d = a[j, j]
        for k in range(j):
            d -= out[j, k] * out[j, k]
        if d <= max(1e-9 * a[j, j], floor):
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
        for b in range(Hn):  # on a 2^-10 grid: sums over paths exact in any order (batches)
            v = hist[i, t, b]
            hist[i, t, b] = math.floor(v * 1024.0 + 0.5) / 1024.0 if v > 0.0 else 0.0
    return out, hist, outside


def capped_correction(tables: ProxyTables, cost_index: np.ndarray,
                      util: np.ndarray) -> np.ndarray:
    """(P, Y, T) correction of the conditional mean where ``u q > 1`` for some cell: the
    microsimulation caps the hospitalisation probability at 1 (counts: both ``n s``,
    hospitalised only ``n (1 - s)``, outpatient only 0), the tables assume ``u q``::

        Δ = Σ_cells n [(s - u q s) m_b + ((1 - s) - u q (1 - s)) m_h + (0 - (1 - u q) s) m_o]

    with the class's per-claimant means ``m`` interpolated in the cost index. Only the
    oldest ages under extreme utilisation factors reach it; the covariance keeps its linear
    form there."""
    P, Y = cost_index.shape
    T = tables.mean0.shape[2]
    out = np.zeros((P, Y, T))
    q, s, cls = tables.cell_hosp_prob, tables.cell_os_prob, tables.cell_class
    hit = np.argwhere(util * q.max() > 1.0)
    for i, t in hit:
        uq = util[i, t] * q
        cells = np.flatnonzero(uq > 1.0)
        n = tables.cell_insured[t, cells]
        k0, w0, w1, w2, w3, _ = lagrange4(tables.log_grid[t], math.log(cost_index[i, t]))
        m = sum(w * tables.class_mean[t, k0 + j, cls[cells]]
                for j, w in enumerate((w0, w1, w2, w3)))  # (cells, 3, T)
        sc, ex = s[cells], uq[cells]
        coef = np.stack([sc - ex * sc, (1 - sc) - ex * (1 - sc), -(1 - ex) * sc], axis=1)
        out[i, t] = np.einsum("c,ct,ctk->k", n, coef, m)
    return out


def _refuse_negative_means(tables: ProxyTables, factors: SystematicFactors) -> None:
    """A conditional mean below 0 (interpolation overshoot on a coarse grid) is refused."""
    k0, w = _weights(tables.log_grid, factors.cost_index)
    mean = _in_u(k0, w, factors.utilisation[..., None], tables.mean0, tables.mean1)
    if (mean < -1e-9 * max(float(np.abs(mean).max(initial=0.0)), 1.0)).any():
        raise ProxyDesignError("--proxy-grid-points", (
            "the proxy's interpolated mean tallies go negative on some path-year: the "
            "cost-index grid is too coarse for this scenario's systematic cost risk; use more "
            "grid points (--proxy-grid-points) or --engine micro"))


def evaluate_paths(tables: ProxyTables, seed: int, paths: np.ndarray, years: np.ndarray,
                   factors: SystematicFactors, noise: bool | None = None):
    """Tallies ``(P, Y, T)`` and histogram ``(P, Y, H)`` of the outer ``paths`` with their
    systematic ``factors`` (``noise``: default the design's ``process_noise``)."""
    util = np.ascontiguousarray(factors.utilisation, dtype=np.float64)
    if tables.log_grid.shape[1] < 5:  # no build-time check of the interpolation: check here
        _refuse_negative_means(tables, factors)
    tal, hist, outside = _evaluate(
        np.uint64(seed), np.asarray(paths, dtype=np.int64), np.asarray(years, dtype=np.int64),
        tables.log_grid, np.ascontiguousarray(factors.cost_index, dtype=np.float64), util,
        tables.mean0, tables.mean1, tables.cov0, tables.cov1, tables.cov2, tables.hist0,
        tables.hist1, tables.design.process_noise if noise is None else bool(noise))
    if (util * tables.cell_hosp_prob.max() > 1.0).any():
        tal = np.maximum(tal + capped_correction(tables, factors.cost_index, util), 0.0)
    if outside.any():
        n_out = int(outside.sum())
        raise OutsideGridError(
            f"{n_out} path-year(s) have a cost index outside the proxy's grid (±"
            f"{tables.design.grid_sd} sd of log cost per year): widen it (grid_sd) or use "
            "--engine micro")
    return tal, hist


def _weights(log_grid: np.ndarray, cost_index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`lagrange4` for (P, Y) cost indices: ``k0`` (P, Y), ``w`` (P, Y, 4)."""
    K = log_grid.shape[1]
    g0 = log_grid[:, 0][None, :]
    h = ((log_grid[:, -1] - log_grid[:, 0]) / (K - 1))[None, :]
    pos = (np.log(cost_index) - g0) / h
    k0 = np.clip(np.floor(pos).astype(np.int64) - 1, 0, K - 4)
    s = (pos - k0)[..., None]
    w = np.concatenate([-(s - 1) * (s - 2) * (s - 3) / 6, s * (s - 2) * (s - 3) / 2,
                        -s * (s - 1) * (s - 3) / 2, s * (s - 1) * (s - 2) / 6], axis=-1)
    return k0, w


def _interpolate(table: np.ndarray, k0: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``Σ_j w_j table[t, k0 + j]`` for every path-year: (P, Y, ...)."""
    t = np.arange(table.shape[0])[None, :]
    lead = w.shape[:2] + (1,) * (table.ndim - 2)
    return sum(w[..., j].reshape(lead) * table[t, k0 + j] for j in range(4))


def _in_u(k0: np.ndarray, w: np.ndarray, u: np.ndarray, *coefficients: np.ndarray) -> np.ndarray:
    """``Σ_i u^i c_i`` with each coefficient table ``c_i`` interpolated in the cost index."""
    return sum(u ** i * _interpolate(c, k0, w) for i, c in enumerate(coefficients))


def process_variance(tables: ProxyTables, factors: SystematicFactors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per path-year and tally: conditional mean, process variance (diagonal of ``cov``) and
    the variance of the proxy's estimated mean (``est0 + u est1 + u² est2``), each (P, Y, T)."""
    k0, w = _weights(tables.log_grid, factors.cost_index)
    u = factors.utilisation[..., None]
    diag = lambda c: np.diagonal(c, axis1=2, axis2=3)  # noqa: E731
    mean = (_in_u(k0, w, u, tables.mean0, tables.mean1)
            + capped_correction(tables, factors.cost_index, factors.utilisation))
    var = _in_u(k0, w, u, diag(tables.cov0), diag(tables.cov1), diag(tables.cov2))
    est = _in_u(k0, w, u, tables.est0, tables.est1, tables.est2)
    return mean, np.maximum(var, 0.0), np.maximum(est, 0.0)


def estimation_variance(tables: ProxyTables, factors: SystematicFactors,
                        tally: int | None = None) -> np.ndarray:
    """Variance of the proxy's estimated conditional mean per path-year, (P, Y, T), or
    (P, Y) for one ``tally`` index: ``est0 + u est1 + u² est2`` interpolated."""
    k0, w = _weights(tables.log_grid, factors.cost_index)
    sel = (slice(None),) * 2 + ((slice(None),) if tally is None else (tally,))
    u = factors.utilisation if tally is not None else factors.utilisation[..., None]
    est = _in_u(k0, w, u, tables.est0[sel], tables.est1[sel], tables.est2[sel])
    return np.maximum(est, 0.0)
