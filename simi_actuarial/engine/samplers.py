"""numba samplers of the claim laws (:mod:`simi_actuarial.morbidity.severity` describes
them analytically), drawing only through the keyed streams of :mod:`.rng`, so every draw is
reproducible per stream; the claims kernel inlines them (CPU and CUDA).

Every sampler takes and returns the stream counter: ``x, ctr = draw_...(key, ctr, ...)``.
Keys passed from Python must be ``np.uint64`` (numba types a Python int as int64). The
samplers of stream version 1 (Box-Muller, gamma-mixed Poisson, Cheng's BB) are retired;
tests keep them as independent references.
"""

from __future__ import annotations

import math

import numba as nb

from .rng import normal, uniform


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
def draw_gamma(key, ctr, shape):
    """Gamma(shape, 1) by Marsaglia-Tsang; (shape < 1 boosted by U^(1/shape)); returns ``(x, ctr)``."""
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
def draw_beta_share(key, ctr, mean, concentration):
    """Beta(mean * k, (1 - mean) * k) with k = ``concentration``; returns ``(share, ctr)``.

    Exact: ``Ga / (Ga + Gb)`` with independent Gamma(a) and Gamma(b) variates
    (Marsaglia-Tsang with the squeeze, ziggurat normals). Measured ~2.5x faster than
    Cheng's BB (stream version 1) at the default shapes: each gamma
    costs a ziggurat normal and a uniform, where BB pays a ``log`` and an ``exp`` per trial."""
    if mean >= 1.0:
        return 1.0, ctr
    if mean <= 0.0:
        return 0.0, ctr
    a = mean * concentration
    b = (1.0 - mean) * concentration
    ga, ctr = draw_gamma(key, ctr, a)
    gb, ctr = draw_gamma(key, ctr, b)
    return ga / (ga + gb), ctr


@nb.njit(inline="always", cache=True)
def draw_extra_admissions_table(key, ctr, cdf, lam, shape):
    """Extra admissions (negative binomial with mean ``lam`` and gamma-mixing
    ``shape``: variance ``lam + lam**2 / shape``; Poisson for ``shape`` = inf) by inversion of one
    uniform against ``cdf`` (a row of
    :func:`~simi_actuarial.morbidity.severity.extra_admissions_cdf` for mean ``lam`` and
    ``shape``); returns ``(k, ctr)``. Beyond the table's end (probability below
    :data:`~simi_actuarial.morbidity.severity.ADMISSIONS_TABLE_TAIL`) the inversion goes on exactly, by the pmf recurrence
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
