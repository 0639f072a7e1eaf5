"""Claim severity and frequency laws, analytically: the spliced lognormal-Pareto cost
(mean, CDF, quantile, fit of ``mu`` to a mean) and the CDF table of the extra admissions.

The kernel's samplers of these laws are in :mod:`simi_actuarial.engine.samplers` (the
engine samples what morbidity describes; morbidity does not import the engine).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy import optimize, stats

#: Least share of the lognormal body below an amount tail threshold (the body is drawn by
#: rejection above it: at most 1 / this many draws on average).
MIN_BODY_MASS_BELOW_THRESHOLD = 0.5


@nb.njit(cache=True)
def _ndtr(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@nb.njit(cache=True)
def spliced_mean(mu, sigma, threshold, alpha, p_tail):
    """Mean of the spliced severity: lognormal(mu, sigma) conditioned below ``threshold``
    with probability ``1 - p_tail``, Pareto(threshold, alpha) above it with ``p_tail``
    (alpha > 1). ``threshold = inf`` with ``p_tail = 0`` is the plain lognormal."""
    z = (math.log(threshold) - mu) / sigma
    body = math.exp(mu + 0.5 * sigma * sigma) * _ndtr(z - sigma) / _ndtr(z)
    tail = threshold * alpha / (alpha - 1.0) if p_tail > 0.0 else 0.0
    return (1.0 - p_tail) * body + p_tail * tail


def spliced_cdf(x, mu, sigma, threshold, alpha, p_tail):
    """CDF of the spliced severity at ``x`` (numpy/scipy, vectorised; for tests and reports).

    Continuous at ``threshold`` (the body carries mass ``1 - p_tail`` below it)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        body = stats.norm.cdf((np.log(np.maximum(x, 1e-300)) - mu) / sigma)
    if math.isinf(threshold):
        return body
    body = body / stats.norm.cdf((math.log(threshold) - mu) / sigma)
    tail = 1.0 - (threshold / np.maximum(x, threshold)) ** alpha
    return np.where(x < threshold, (1.0 - p_tail) * body, (1.0 - p_tail) + p_tail * tail)


def spliced_quantile(u, mu, sigma, threshold, alpha, p_tail):
    """Quantile function of the spliced severity (numpy/scipy, vectorised; inverse of
    :func:`spliced_cdf` for ``0 < u < 1``)."""
    u = np.asarray(u, dtype=float)
    if math.isinf(threshold):
        return np.exp(mu + sigma * stats.norm.ppf(u))
    fz = stats.norm.cdf((math.log(threshold) - mu) / sigma)
    body = np.exp(mu + sigma * stats.norm.ppf(np.clip(u / (1.0 - p_tail), 0, 1) * fz))
    v = np.clip((u - (1.0 - p_tail)) / max(p_tail, 1e-300), 0.0, 1.0)
    tail = threshold * (1.0 - v) ** (-1.0 / alpha)
    return np.where(u < 1.0 - p_tail, body, tail)


#: Tail mass of the negative binomial left beyond the end of an extra-admissions CDF table
#: (:func:`extra_admissions_cdf`); draws there continue the inversion by the pmf recurrence.
ADMISSIONS_TABLE_TAIL = 1e-12
#: Longest extra-admissions CDF table (entries per row).
ADMISSIONS_TABLE_MAX = 512


def extra_admissions_cdf(lam, shape) -> np.ndarray:
    """CDF table of the extra admissions: row ``j`` holds ``P(K <= k)``, k = 0, 1, ..., for
    mean ``lam[j]`` (negative binomial with gamma-mixing ``shape``; Poisson for
    ``shape = inf``), for :func:`~simi_actuarial.engine.samplers.draw_extra_admissions_table`. All rows have the same
    length: enough that every row's remaining tail is below :data:`ADMISSIONS_TABLE_TAIL`
    (at most :data:`ADMISSIONS_TABLE_MAX`; rows are padded with their last value).
    Computed from scipy's pmf and summed in increasing order, so the table is the exact
    distribution to double precision."""
    lam = np.atleast_1d(np.asarray(lam, dtype=float))
    ks = np.arange(ADMISSIONS_TABLE_MAX)
    pmf = np.zeros((lam.size, ks.size))
    for j, m in enumerate(lam):
        if m <= 0.0:
            pmf[j, 0] = 1.0
        elif math.isinf(shape):
            pmf[j] = stats.poisson(m).pmf(ks)
        else:
            pmf[j] = stats.nbinom(shape, shape / (shape + m)).pmf(ks)
    cdf = np.minimum(np.cumsum(pmf, axis=1), 1.0)
    short = np.any(1.0 - cdf >= ADMISSIONS_TABLE_TAIL, axis=0)  # some row's tail still heavy
    n = int(np.argmin(short)) + 1 if not short.all() else ks.size
    return np.ascontiguousarray(cdf[:, :n])


def fit_mu_for_mean(target_mean, sigma, threshold, alpha, p_tail):
    """Lognormal ``mu`` such that the spliced severity has mean ``target_mean``.

    ``threshold`` is either a quantile of the lognormal body (``0 < threshold < 1``: the
    threshold moves with ``mu``) or an amount (``threshold >= 1``, in CNY). With
    ``p_tail == 0`` there is no tail and no truncation (threshold ``inf``). Returns
    ``(mu, threshold_amount)``; raises ``ValueError`` when no ``mu`` reaches the target
    (an amount threshold too low for the mean).
    """
    if not (target_mean > 0 and sigma > 0 and alpha > 1 and 0 <= p_tail < 1):
        raise ValueError("need target_mean > 0, sigma > 0, alpha > 1 and 0 <= p_tail < 1")
    if p_tail == 0.0:
        return math.log(target_mean) - 0.5 * sigma * sigma, math.inf
    if threshold <= 0:
        raise ValueError("threshold must be a quantile in (0, 1) or an amount >= 1")
    if threshold < 1.0:
        zq = float(stats.norm.ppf(threshold))

        def gap(mu):
            return spliced_mean(mu, sigma, math.exp(mu + sigma * zq), alpha, p_tail) - target_mean

        mu = optimize.brentq(gap, math.log(target_mean) - 10.0 - sigma * sigma,
                             math.log(target_mean) + 10.0, xtol=1e-12, rtol=1e-15)
        return mu, math.exp(mu + sigma * zq)
    thr = float(threshold)

    def gap_abs(mu):
        return spliced_mean(mu, sigma, thr, alpha, p_tail) - target_mean

    lo = min(math.log(target_mean), math.log(thr)) - 10.0 - sigma * sigma
    hi = math.log(thr) + 8.0 * sigma  # body conditioned below thr stays computable
    if gap_abs(hi) <= 0.0:
        reach = spliced_mean(hi, sigma, thr, alpha, p_tail)
        raise ValueError(f"mean {target_mean:g} is out of reach with the tail above {thr:g} "
                         f"(share {p_tail:g}, alpha {alpha:g}): at most ~{reach:.6g}")
    mu = optimize.brentq(gap_abs, lo, hi, xtol=1e-12, rtol=1e-15)
    below = float(stats.norm.cdf((math.log(thr) - mu) / sigma))
    if below < MIN_BODY_MASS_BELOW_THRESHOLD:
        raise ValueError(
            f"the tail threshold {thr:g} lies at the {below:.3g} quantile of the lognormal body "
            f"needed for mean {target_mean:g}: a body + tail model needs the threshold above "
            f"the body's median (the body sampler redraws about 1/{below:.3g} times); raise "
            "morbidity.tail_threshold, or lower the mean or the tail share")
    return mu, thr
