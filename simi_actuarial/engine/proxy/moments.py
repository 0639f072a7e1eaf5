"""Per-claimant conditional moments, estimated by the claims kernel, aggregated into the
proxy's tables.

Classes. The kernel draws a claimant's admissions, levels, costs and settlement from the
claimant's age and group, the year's rules and the path-year's cost index ``ci``; sex and
utilisation only change *how many* claimants a cell has. So for each class (age ``a``,
group ``g``), claim type ``τ`` (hospitalised with outpatient special disease, hospitalised
only, outpatient special disease only), year ``t`` and grid point ``ci_k`` the tallies of one
claimant ``X`` have a mean ``m_τ`` and covariance ``Σ_τ`` that the kernel estimates on
``R`` replicate units of ``n_τ`` claimants each, with common random numbers across the grid
(the same inner path numbers at every ``ci_k``, so the estimated curves are smooth in ``ci``).

Aggregation. A cell (age, sex, group) of ``n`` insured with hospitalisation probability
``q`` (× the path's utilisation factor ``u``) and outpatient special-disease probability ``s``
has multinomial claimant counts with probabilities ``p_b = u q s``, ``p_h = u q (1 - s)``,
``p_o = (1 - u q) s`` (as :mod:`~simi_actuarial.engine.counts` draws them), so the cell's
tally sum has, exactly::

    mean = n Σ_τ p_τ m_τ
    cov  = n [Σ_τ p_τ (Σ_τ + m_τ m_τ') - μ μ'],   μ = Σ_τ p_τ m_τ

Both are polynomials in ``u``: the tables hold their coefficients summed over cells,
``mean = mean0 + u mean1`` and ``cov = cov0 + u cov1 + u² cov2``, per year and grid point.
The variance of the estimated mean (the proxy's own error, common to every path) is
``Σ_class Σ_τ c_τ(u)² diag(Σ_τ) / (R n_τ)`` with ``c_τ(u)`` the class's count coefficient:
``est0 + u est1 + u² est2``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from ...interrupts import raise_if_requested
from ..cells import N_AGES
from ..inputs import Batch, Cells, KernelInputs
from ..kernel import simulate_claims
from ..model import ResolvedModel
from ..rng import stream_key
from ..streams import PROXY_INNER_CELL
from .design import (
    MAX_INTERPOLATION_ERROR,
    ProxyDesign,
    ProxyDesignError,
    cost_grid,
    inner_claimants,
)

N_TYPES = 3  # both, hospitalised only, outpatient special disease only


@dataclass(frozen=True)
class ProxyTables:
    """The fitted proxy: polynomial coefficients in the utilisation factor ``u`` per year
    ``t`` and grid point ``k`` (shapes ``(Y, K, ...)``; ``T`` tallies, ``H`` histogram bins)."""

    design: ProxyDesign
    log_grid: np.ndarray   # (Y, K) log cost index of the grid points
    mean0: np.ndarray      # (Y, K, T)
    mean1: np.ndarray
    cov0: np.ndarray       # (Y, K, T, T)
    cov1: np.ndarray
    cov2: np.ndarray
    est0: np.ndarray       # (Y, K, T) variance of the estimated mean
    est1: np.ndarray
    est2: np.ndarray
    hist0: np.ndarray      # (Y, K, H) expected SIMI-per-beneficiary histogram counts
    hist1: np.ndarray
    inner: np.ndarray      # (Y,) inner claimants simulated per grid point
    # Where ``u q > 1`` the microsimulation caps the hospitalisation probability at 1 and the
    # counts stop being linear in u: :func:`~.evaluate.capped_correction` corrects the mean
    # from the per-class means (the covariance keeps the linear form).
    cell_insured: np.ndarray  # (Y, C) insured per cell
    cell_hosp_prob: np.ndarray  # (C,) base hospitalisation probability
    cell_os_prob: np.ndarray  # (C,) outpatient special-disease probability
    cell_class: np.ndarray  # (C,) class (group x 101 + age) of the cell
    class_mean: np.ndarray  # (Y, K, classes, 3, T) per-claimant mean tallies by claim type
    seconds: float

    def manifest(self) -> dict:
        """The design as recorded in the run manifest."""
        return {
            **self.design.as_dict(),
            "cost_index_grid": [[round(float(np.exp(g[0])), 6), round(float(np.exp(g[-1])), 6)]
                                for g in self.log_grid],
            "inner_claimants_per_grid_point": [int(x) for x in self.inner],
            "build_seconds": round(self.seconds, 3),
        }


def reference_utilisation(model: ResolvedModel) -> np.ndarray:
    """Central utilisation factor per year (trend and named shocks), for the allocation of
    the inner sample only (the moments do not depend on it)."""
    risk = model.scenario.risk
    y = model.years.astype(float) - float(model.scenario.morbidity.base_year)
    u = (1.0 + risk.utilisation_trend) ** y
    for shock in risk.utilisation_shocks:
        u = np.where(model.years == shock.year, u * shock.factor, u)
    return u


def _cell_coefficients(model: ResolvedModel):
    """Per year and cell the count coefficients ``hb = n q s``, ``hh = n q (1 - s)``,
    ``o0 = n s``, ``o1 = -n q s`` (counts: both ``u hb``, hospitalised only ``u hh``,
    outpatient only ``o0 + u o1``), and ``n, q, s``."""
    cells = model.cells
    q = model.morbidity.hosp_prob[cells.age, cells.sex]
    s = model.morbidity.os_prob[cells.age, cells.sex]
    n = cells.insured.astype(float)
    return n, q, s, n * (q * s), n * (q * (1.0 - s)), n * s, -n * (q * s)


def build_tables(model: ResolvedModel, seed: int, design: ProxyDesign,
                 progress=None) -> ProxyTables:
    """Estimate the proxy's tables with the claims kernel (``progress(fraction)`` after
    each class)."""
    t0 = time.perf_counter()
    years = model.years
    Y = len(years)
    grid = cost_grid(design, model.scenario.risk, years, model.scenario.morbidity.base_year)
    K, R = grid.shape[1], design.replicates
    cells = model.cells
    n, q, s, hb, hh, o0, o1 = _cell_coefficients(model)
    # expected claimants at the reference utilisation, capped as the microsimulation caps
    # (u q at most 1: both n s, hospitalised only n (1 - s), outpatient only 0); a type that
    # some utilisation factor can produce gets at least one claimant per replicate (its
    # moments are needed on paths below the cap)
    u = reference_utilisation(model)[:, None]
    capped = u * q[None, :] > 1.0  # (Y, C)
    expected = np.stack([np.where(capped, n * s, u * hb), np.where(capped, n * (1.0 - s), u * hh),
                         np.where(capped, 0.0, o0 + u * o1)], axis=-1)  # (Y, C, 3)
    cls = cells.group * N_AGES + cells.age
    n_cls = int(cls.max()) + 1
    en = np.zeros((Y, n_cls, N_TYPES))
    np.add.at(en, (slice(None), cls), expected)
    possible = np.zeros((Y, n_cls, N_TYPES))
    np.add.at(possible, (slice(None), cls), np.stack([hb, hh, o0], axis=-1))
    total = en.sum(axis=(1, 2))
    budget = inner_claimants(design, total)
    share = np.divide(en, total[:, None, None], out=np.zeros_like(en), where=total[:, None, None] > 0)
    per_unit = np.where(possible > 0, np.maximum(np.ceil(budget[:, None, None] * share / R), 1),
                        0).astype(np.int64)

    T = None
    acc: dict[str, np.ndarray] = {}
    class_mean = np.zeros((Y, K, n_cls, N_TYPES, 0))
    inner_seed = np.uint64(stream_key(np.uint64(seed), 0, 0, PROXY_INNER_CELL))
    base = KernelInputs(batch=None, cells=None, claims=model.claim_laws(), che=model.che_inputs(),
                        rules=model.rules.rule_arrays())
    work = per_unit.sum(axis=(0, 2)).astype(float)
    done, work_total = 0.0, max(float(work.sum()), 1.0)
    for c_id in range(n_cls):
        if work[c_id] == 0:
            continue
        raise_if_requested()
        members = np.flatnonzero(cls == c_id)
        age, group = int(cells.age[members[0]]), int(cells.group[members[0]])
        X, H = _simulate_class(base, model, inner_seed, c_id, age, group, per_unit[:, c_id], grid, R)
        if T is None:
            T, Hn = X.shape[-1], H.shape[-1]
            acc = _empty(Y, K, T, Hn)
            class_mean = np.zeros((Y, K, n_cls, N_TYPES, T))
        class_mean[:, :, c_id] = _accumulate(acc, X, H, per_unit[:, c_id], R, n[:, members],
                                             q[members], s[members])
        done += work[c_id]
        if progress is not None:
            progress(done / work_total)
    check_interpolation(grid, acc["mean0"] + u[:, :, None] * acc["mean1"])
    return ProxyTables(design=design, log_grid=grid, **acc,
                       inner=(per_unit.sum(axis=(1, 2)) * R).astype(np.int64),
                       cell_insured=n, cell_hosp_prob=q, cell_os_prob=s, cell_class=cls,
                       class_mean=class_mean,
                       seconds=time.perf_counter() - t0)


#: Tallies whose interpolation is checked at build time (money: smooth in the cost index).
CHECKED_TALLIES = (0, 1, 2, 3)  # total_cost, in_scope_cost, bmi_paid, simi_paid


def check_interpolation(grid: np.ndarray, mean: np.ndarray, within: float = 4.0 / 6.5) -> None:
    """Refuse tables whose cubic interpolation is visibly wrong where the paths are: at each
    interior node ``k`` within ``within`` of the grid's half-width from its centre (± 4 sd
    for the default ± 6.5 sd grid) the mean money tallies are predicted from nodes
    ``k-2, k-1, k+1, k+2`` (weights -1/6, 2/3, 2/3, -1/6) and compared with the node,
    relative to the node (at least 1e-3 of the centre node's value); an error above
    :data:`MAX_INTERPOLATION_ERROR` (at twice the grid's spacing) or a negative prediction
    raises :class:`~.design.ProxyDesignError`. ``grid`` (Y, K), ``mean`` (Y, K, T) at the
    reference utilisation."""
    Y, K = grid.shape
    if K < 5:
        return
    m = mean[:, :, list(CHECKED_TALLIES)]
    pred = (-m[:, :-4] + 4 * m[:, 1:-3] + 4 * m[:, 3:-1] - m[:, 4:]) / 6.0
    node = m[:, 2:-2]
    centre = np.abs(m[:, K // 2])[:, None, :]
    scale = np.maximum(np.abs(node), np.maximum(1e-3 * centre, 1e-300))
    u = np.linspace(-1.0, 1.0, K)[2:-2]
    near = (np.abs(u) <= within + 1e-12)[None, :, None]
    err = np.where(near, np.abs(pred - node) / scale, 0.0)
    worst = float(err.max(initial=0.0))
    if worst > MAX_INTERPOLATION_ERROR or (near & (pred < 0)).any():
        t = int(np.unravel_index(np.argmax(err), err.shape)[0])
        raise ProxyDesignError("--proxy-grid-points", (
            f"the proxy's cost-index grid is too coarse for this scenario's systematic cost "
            f"risk: in year index {t} (grid spacing {grid[t, 1] - grid[t, 0]:.3f} in log cost) "
            f"its interpolation misses a grid value by {worst:.1%}; use more grid points "
            "(--proxy-grid-points) or --engine micro"))


def _empty(Y, K, T, Hn) -> dict[str, np.ndarray]:
    z = lambda *shape: np.zeros(shape)  # noqa: E731
    return {"mean0": z(Y, K, T), "mean1": z(Y, K, T), "cov0": z(Y, K, T, T),
            "cov1": z(Y, K, T, T), "cov2": z(Y, K, T, T), "est0": z(Y, K, T),
            "est1": z(Y, K, T), "est2": z(Y, K, T), "hist0": z(Y, K, Hn), "hist1": z(Y, K, Hn)}


def _simulate_class(base: KernelInputs, model: ResolvedModel, inner_seed, c_id: int, age: int,
                    group: int, per_unit: np.ndarray, grid: np.ndarray, R: int):
    """Kernel tallies of one class: ``(3, K, R, Y, T)`` and its histogram ``(3, K, R, Y, H)``.

    Inner path ``(τ, k, r)`` has ``per_unit[t, τ]`` claimants of type ``τ`` in year ``t`` at
    cost index ``exp(grid[t, k])``; its stream key does not depend on ``k`` (common random
    numbers across the grid)."""
    Y, K = grid.shape
    P = N_TYPES * K * R
    tau = np.repeat(np.arange(N_TYPES), K * R)
    k = np.tile(np.repeat(np.arange(K), R), N_TYPES)
    r = np.tile(np.arange(R), N_TYPES * K)
    counts = np.zeros((N_TYPES, P, Y, 1), dtype=np.int64)
    for j in range(N_TYPES):
        counts[j, tau == j, :, 0] = per_unit[:, j][None, :]
    batch = Batch(seed=inner_seed, paths=((c_id * N_TYPES + tau) * R + r).astype(np.int64),
                  years=model.years, both=counts[0], hosp_only=counts[1], os_only=counts[2],
                  cost_index=np.ascontiguousarray(np.exp(grid[:, k].T)))
    one = Cells(age=np.array([age], dtype=np.int64), group=np.array([group], dtype=np.int64),
                group_special=model.group_special)
    tallies, hist = simulate_claims(base._replace(batch=batch, cells=one))
    return (tallies.reshape(N_TYPES, K, R, Y, -1), hist.reshape(N_TYPES, K, R, Y, -1))


def _accumulate(acc, X, H, per_unit, R, n, q, s) -> np.ndarray:
    """Add one class to the tables (formulas in the module docstring); returns its
    per-claimant means ``(Y, K, 3, T)``.

    ``X``: (3, K, R, Y, T) replicate sums; ``per_unit``: (Y, 3) claimants per replicate;
    ``n`` (Y, cells of the class), ``q``, ``s`` (cells of the class)."""
    m_n = np.moveaxis(per_unit.astype(float), 1, 0)[:, None, :, None]  # (3, 1, Y, 1)
    safe = np.where(m_n > 0, m_n, 1.0)
    Xm = X.mean(axis=2)                                     # (3, K, Y, T)
    mean = np.where(m_n > 0, Xm / safe, 0.0)
    dev = X - Xm[:, :, None]
    d = np.moveaxis(dev, 2, 3)                              # (3, K, Y, R, T)
    cov = np.matmul(np.swapaxes(d, -1, -2), d) / (R - 1)    # (3, K, Y, T, T)
    cov = np.where(m_n[..., None] > 0, cov / safe[..., None], 0.0)   # per claimant Σ_τ
    hist = np.where(m_n > 0, H.mean(axis=2) / safe, 0.0)    # (3, K, Y, Hn)
    m2 = cov + mean[..., :, None] * mean[..., None, :]
    var_mean = np.where(m_n > 0, np.diagonal(cov, axis1=-2, axis2=-1) / (R * safe), 0.0)
    # class count coefficients (summed over the class's cells), (Y,)
    hb = (n * (q * s)).sum(axis=1)
    hh = (n * (q * (1.0 - s))).sum(axis=1)
    c0 = (n * s).sum(axis=1)
    c1 = -hb
    sw = lambda x: np.moveaxis(x, 2, 0)  # noqa: E731  (3, K, Y, ...) -> (Y, 3, K, ...)
    mean_y, m2_y, var_y, hist_y = sw(mean), sw(m2), sw(var_mean), sw(hist)
    e = lambda v, *rest: v.reshape((-1,) + (1,) * (1 + len(rest)))  # noqa: E731
    BOTH, HOSP, OUTP = 0, 1, 2
    acc["mean0"] += e(c0, 0) * mean_y[:, OUTP]
    acc["mean1"] += e(hb, 0) * mean_y[:, BOTH] + e(hh, 0) * mean_y[:, HOSP] + e(c1, 0) * mean_y[:, OUTP]
    acc["cov0"] += e(c0, 0, 0) * m2_y[:, OUTP]
    acc["cov1"] += (e(hb, 0, 0) * m2_y[:, BOTH] + e(hh, 0, 0) * m2_y[:, HOSP]
                    + e(c1, 0, 0) * m2_y[:, OUTP])
    acc["hist0"] += e(c0, 0) * hist_y[:, OUTP]
    acc["hist1"] += e(hb, 0) * hist_y[:, BOTH] + e(hh, 0) * hist_y[:, HOSP] + e(c1, 0) * hist_y[:, OUTP]
    acc["est0"] += e(c0 ** 2, 0) * var_y[:, OUTP]
    acc["est1"] += e(2.0 * c0 * c1, 0) * var_y[:, OUTP]
    acc["est2"] += (e(hb ** 2, 0) * var_y[:, BOTH] + e(hh ** 2, 0) * var_y[:, HOSP]
                    + e(c1 ** 2, 0) * var_y[:, OUTP])
    # - Σ_cells n μ μ' with μ = a + u b per claimant-probability (a = s m_o, b = q s m_b +
    #   q (1 - s) m_h - q s m_o): coefficients of u^0, u^1, u^2
    for j in range(n.shape[1]):
        a = s[j] * mean_y[:, OUTP]
        b = q[j] * s[j] * mean_y[:, BOTH] + q[j] * (1.0 - s[j]) * mean_y[:, HOSP] - q[j] * s[j] * mean_y[:, OUTP]
        w = e(n[:, j], 0, 0)
        acc["cov0"] -= w * a[..., :, None] * a[..., None, :]
        acc["cov1"] -= w * (a[..., :, None] * b[..., None, :] + b[..., :, None] * a[..., None, :])
        acc["cov2"] -= w * b[..., :, None] * b[..., None, :]
    return np.moveaxis(mean_y, 1, 2)  # (Y, K, 3, T)
