"""numba samplers for claim amounts and counts, drawing only through the keyed streams of
:mod:`simi_actuarial.engine.rng` (so every draw is reproducible per stream)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from scipy import optimize, stats

from ..engine.rng import normal, uniform


@nb.njit(cache=True)
def _ndtr(x):
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


@nb.njit(cache=True)
def spliced_mean(mu, sigma, threshold, alpha, p_tail):
    """Mean of the spliced severity: lognormal(mu, sigma) conditioned below ``threshold``
    with probability ``1 - p_tail``, Pareto(threshold, alpha) above it with ``p_tail``."""
    z = (math.log(threshold) - mu) / sigma
    body = math.exp(mu + 0.5 * sigma * sigma) * _ndtr(z - sigma) / _ndtr(z)
    tail = threshold * alpha / (alpha - 1.0) if p_tail > 0.0 else 0.0
    return (1.0 - p_tail) * body + p_tail * tail


def spliced_cdf(x, mu, sigma, threshold, alpha, p_tail):
    """CDF of the spliced severity (numpy/scipy; for tests)."""
    x = np.asarray(x, dtype=float)
    fz = stats.norm.cdf((math.log(threshold) - mu) / sigma)
    with np.errstate(divide="ignore"):
        body = stats.norm.cdf((np.log(np.maximum(x, 1e-300)) - mu) / sigma) / fz
    tail = 1.0 - (threshold / np.maximum(x, threshold)) ** alpha
    return np.where(x < threshold, (1.0 - p_tail) * body, (1.0 - p_tail) + p_tail * tail)


def spliced_quantile(u, mu, sigma, threshold, alpha, p_tail):
    """Quantile function of the spliced severity (numpy/scipy; for tests)."""
    u = np.asarray(u, dtype=float)
    fz = stats.norm.cdf((math.log(threshold) - mu) / sigma)
    body = np.exp(mu + sigma * stats.norm.ppf(np.clip(u / (1.0 - p_tail), 0, 1) * fz))
    v = np.clip((u - (1.0 - p_tail)) / max(p_tail, 1e-300), 0.0, 1.0)
    tail = threshold * (1.0 - v) ** (-1.0 / alpha)
    return np.where(u < 1.0 - p_tail, body, tail)


@nb.njit(inline="always", cache=True)
def draw_spliced(key, ctr, mu, sigma, threshold, alpha, p_tail):
    """One spliced severity draw; returns ``(amount, ctr)``.

    The tail is chosen with one uniform; the body is a lognormal resampled until it falls
    below the threshold (expected draws 1 / P(lognormal < threshold), ~1.01 with the
    default thresholds at the 99th percentile)."""
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
        if math.log(u) < 0.5 * z * z + d - d * v + d * math.log(v):
            return d * v * boost, ctr


@nb.njit(inline="always", cache=True)
def draw_beta_share(key, ctr, mean, concentration):
    """Beta(mean * k, (1 - mean) * k) with k = ``concentration``; returns ``(share, ctr)``."""
    if mean >= 1.0:
        return 1.0, ctr
    if mean <= 0.0:
        return 0.0, ctr
    a, ctr = _gamma(key, ctr, mean * concentration)
    b, ctr = _gamma(key, ctr, (1.0 - mean) * concentration)
    return a / (a + b), ctr


@nb.njit(inline="always", cache=True)
def draw_poisson(key, ctr, lam):
    """Poisson(lam) by inversion (for the small means used here); returns ``(k, ctr)``."""
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
def draw_categorical(key, ctr, probs):
    """Index drawn with probabilities ``probs`` (summing to 1); returns ``(index, ctr)``."""
    u, ctr = uniform(key, ctr)
    cum = 0.0
    last = probs.shape[0] - 1
    for i in range(last):
        cum += probs[i]
        if u < cum:
            return i, ctr
    return last, ctr


def fit_mu_for_mean(target_mean, sigma, threshold_quantile, alpha, p_tail):
    """Lognormal mu such that the spliced mean equals ``target_mean`` when the threshold sits
    at quantile ``threshold_quantile`` of the lognormal body; returns ``(mu, threshold)``."""
    zq = stats.norm.ppf(threshold_quantile)

    def gap(mu):
        return spliced_mean(mu, sigma, math.exp(mu + sigma * zq), alpha, p_tail) - target_mean

    mu = optimize.brentq(gap, -5.0, 25.0, xtol=1e-12)
    return mu, math.exp(mu + sigma * zq)
