"""numba samplers for claim amounts and counts, drawing only through the keyed streams of
:mod:`simi_actuarial.engine.rng` (so every draw is reproducible per stream), and the analytic
moments the resolver and the tests need.

Every sampler takes and returns the stream counter: ``x, ctr = draw_...(key, ctr, ...)``.
Keys passed from Python must be ``np.uint64`` (numba types a Python int as int64).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy import optimize, stats

from ..engine.rng import normal, uniform

#: Cap on the patient-level Poisson mean of extra admissions (about one admission a day).
MAX_EXTRA_ADMISSIONS_MEAN = 365.0


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


@nb.njit(inline="always", cache=True)
def draw_spliced(key, ctr, mu, sigma, threshold, alpha, p_tail):
    """One spliced severity draw; returns ``(amount, ctr)``.

    One uniform chooses body or tail; the tail is Pareto by inversion (one more uniform);
    the body is a lognormal resampled until it falls below the threshold, so the expected
    number of normal draws is 1 / Phi((ln threshold - mu) / sigma): at most ~1.01 with the
    defaults (the 50,000 CNY threshold is above the 99th percentile of every level's body)
    and exactly 1 for ``threshold = inf``."""
    u, ctr = uniform(key, ctr)
    if u < p_tail:
        v, ctr = uniform(key, ctr)
        return threshold * v ** (-1.0 / alpha), ctr
    while True:
        z, ctr = normal(key, ctr)
        x = math.exp(mu + sigma * z)
        if x < threshold:
            return x, ctr


@nb.njit(inline="always", cache=True)
def _gamma(key, ctr, shape):
    """Gamma(shape, 1) by Marsaglia-Tsang (shape < 1 boosted by U^(1/shape))."""
    boost = 1.0
    if shape < 1.0:
        u, ctr = uniform(key, ctr)
        boost = u ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        z, ctr = normal(key, ctr)
        v = 1.0 + c * z
        if v <= 0.0:
            continue
        v = v * v * v
        u, ctr = uniform(key, ctr)
        z2 = z * z
        if u < 1.0 - 0.0331 * z2 * z2:  # squeeze: accepts ~98 % without a log
            return d * v * boost, ctr
        if math.log(u) < 0.5 * z2 + d - d * v + d * math.log(v):
            return d * v * boost, ctr


@nb.njit(inline="always", cache=True)
def _beta_cheng_bb(key, ctr, aa, bb):
    """Beta(aa, bb) for min(aa, bb) > 1 by Cheng's algorithm BB (Commun. ACM 21, 1978):
    two uniforms per trial, acceptance above 85 % for the shapes used here."""
    a = aa if aa <= bb else bb  # min/max spelled out: the CUDA target cannot compile
    b = bb if aa <= bb else aa  # numba's variadic min/max overloads
    alpha = a + b
    beta = math.sqrt((alpha - 2.0) / (2.0 * a * b - alpha))
    gamma = a + 1.0 / beta
    while True:
        u1, ctr = uniform(key, ctr)
        u2, ctr = uniform(key, ctr)
        v = beta * math.log(u1 / (1.0 - u1))
        w = a * math.exp(v if v < 700.0 else 700.0)
        z = u1 * u1 * u2
        r = gamma * v - 1.3862944
        s = a + r - w
        if s + 2.609438 >= 5.0 * z:
            break
        t = math.log(z)
        if s > t:
            break
        if r + alpha * math.log(alpha / (b + w)) >= t:
            break
    return (w / (b + w) if aa == a else b / (b + w)), ctr


@nb.njit(inline="always", cache=True)
def draw_beta_share(key, ctr, mean, concentration):
    """Beta(mean * k, (1 - mean) * k) with k = ``concentration``; returns ``(share, ctr)``.

    Exact: ``Ga / (Ga + Gb)`` with independent Gamma(a) and Gamma(b) variates
    (Marsaglia-Tsang with the squeeze, ziggurat normals). Measured ~2.5x faster than
    Cheng's BB (:func:`_beta_cheng_bb`, stream version 1) at the default shapes: each gamma
    costs a ziggurat normal and a uniform, where BB pays a ``log`` and an ``exp`` per trial."""
    if mean >= 1.0:
        return 1.0, ctr
    if mean <= 0.0:
        return 0.0, ctr
    a = mean * concentration
    b = (1.0 - mean) * concentration
    ga, ctr = _gamma(key, ctr, a)
    gb, ctr = _gamma(key, ctr, b)
    return ga / (ga + gb), ctr


@nb.njit(inline="always", cache=True)
def draw_poisson(key, ctr, lam):
    """Poisson(lam) by sequential inversion (one uniform; about lam + 1 steps, meant for the
    small means used here; capped at 1,000); returns ``(k, ctr)``."""
    if lam <= 0.0:
        return 0, ctr
    u, ctr = uniform(key, ctr)
    k = 0
    p = math.exp(-lam)
    cum = p
    while u > cum and k < 1000:
        k += 1
        p *= lam / k
        cum += p
    return k, ctr


@nb.njit(inline="always", cache=True)
def draw_extra_admissions(key, ctr, lam, shape):
    """Admissions beyond the first of one hospitalised person: negative binomial with mean
    ``lam`` and gamma-mixing shape ``shape`` (variance ``lam + lam**2 / shape``), drawn as
    Poisson(lam * G / shape) with G ~ Gamma(shape); ``shape`` = inf or <= 0 gives
    Poisson(lam). Returns ``(k, ctr)``."""
    if lam <= 0.0:
        return 0, ctr
    if shape > 0.0 and shape < math.inf:
        g, ctr = _gamma(key, ctr, shape)
        lam = lam * g / shape
        if lam > MAX_EXTRA_ADMISSIONS_MEAN:
            lam = MAX_EXTRA_ADMISSIONS_MEAN
    return draw_poisson(key, ctr, lam)


#: Tail mass of the negative binomial left beyond the end of an extra-admissions CDF table
#: (:func:`extra_admissions_cdf`); draws there continue the inversion by the pmf recurrence.
ADMISSIONS_TABLE_TAIL = 1e-12
#: Longest extra-admissions CDF table (entries per row).
ADMISSIONS_TABLE_MAX = 512


def extra_admissions_cdf(lam, shape) -> np.ndarray:
    """CDF table of the extra admissions: row ``j`` holds ``P(K <= k)``, k = 0, 1, ..., for
    mean ``lam[j]`` (negative binomial with gamma-mixing ``shape``; Poisson for
    ``shape = inf``), for :func:`draw_extra_admissions_table`. All rows have the same
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


@nb.njit(inline="always", cache=True)
def draw_extra_admissions_table(key, ctr, cdf, lam, shape):
    """Extra admissions (the law of :func:`draw_extra_admissions`) by inversion of one
    uniform against ``cdf`` (a row of :func:`extra_admissions_cdf` for mean ``lam`` and
    ``shape``); returns ``(k, ctr)``. Beyond the table's end (probability below
    :data:`ADMISSIONS_TABLE_TAIL`) the inversion goes on exactly, by the pmf recurrence
    ``p(k+1) = p(k) (k + shape) / (k + 1) * lam / (lam + shape)`` (Poisson: ``lam / (k+1)``)."""
    if lam <= 0.0:
        return 0, ctr
    u, ctr = uniform(key, ctr)
    return invert_extra_admissions(u, cdf, lam, shape), ctr


@nb.njit(inline="always", cache=True)
def invert_extra_admissions(u, cdf, lam, shape):
    """The extra admissions of :func:`draw_extra_admissions_table` for the uniform ``u``.
    Beyond the table the cumulative sum is continued until it reaches ``u`` or stops
    growing in double precision (then the current ``k``: a tail of probability ~1e-16)."""
    n = cdf.shape[0]
    for k in range(n):
        if u <= cdf[k]:
            return k
    # tail beyond the table: continue the cumulative sum from the pmf at k = 0
    poisson = not (shape > 0.0 and shape < math.inf)
    if poisson:
        p = math.exp(-lam)
    else:
        p = math.exp(shape * math.log(shape / (shape + lam)))
    q = lam / (lam + shape) if not poisson else lam
    for k in range(n - 1):
        p *= (q / (k + 1)) if poisson else (q * (k + shape) / (k + 1))
    cum = cdf[n - 1]
    k = n - 1
    while k < 1_000_000:
        p *= (q / (k + 1)) if poisson else (q * (k + shape) / (k + 1))
        k += 1
        if u <= cum + p or cum + p == cum:  # reached u, or the sum stalled below 1
            return k
        cum += p
    return k


@nb.njit(inline="always", cache=True)
def draw_categorical(key, ctr, probs):
    """Index drawn with probabilities ``probs`` (a 1-D array summing to 1) by inversion of
    one uniform; returns ``(index, ctr)``."""
    u, ctr = uniform(key, ctr)
    # branch-free: the index is the number of cumulative sums at or below u (the first i
    # with u < cum_i, as the cumulative sums are non-decreasing), without a mispredicted
    # branch per category
    cum = 0.0
    idx = 0
    for i in range(probs.shape[0] - 1):
        cum += probs[i]
        idx += 1 if cum <= u else 0
    return idx, ctr


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
