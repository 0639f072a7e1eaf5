"""The samplers of random-stream version 1, retired from the engine and kept here as
independent references for the tests (the Beta share by Cheng's BB against the gamma ratio,
the gamma-mixed Poisson against the tabulated negative binomial, Box-Muller against the
ziggurat)."""

from __future__ import annotations

import math

import numba as nb
from numpy_reference import MAX_EXTRA_ADMISSIONS_MEAN

from simi_actuarial.engine.rng import uniform
from simi_actuarial.engine.samplers import draw_gamma

_TWO_PI = 2.0 * math.pi


@nb.njit(cache=True)
def normal_box_muller(key, ctr):
    """Standard normal by the Box-Muller transform (two uniforms); the normal of stream
    version 1."""
    u1, ctr = uniform(key, ctr)
    u2, ctr = uniform(key, ctr)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(_TWO_PI * u2), ctr


@nb.njit(cache=True)
def beta_cheng_bb(key, ctr, aa, bb):
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


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def draw_extra_admissions(key, ctr, lam, shape):
    """Admissions beyond the first of one hospitalised person: negative binomial with mean
    ``lam`` and gamma-mixing shape ``shape`` (variance ``lam + lam**2 / shape``), drawn as
    Poisson(lam * G / shape) with G ~ Gamma(shape); ``shape`` = inf or <= 0 gives
    Poisson(lam). Returns ``(k, ctr)``."""
    if lam <= 0.0:
        return 0, ctr
    if shape > 0.0 and shape < math.inf:
        g, ctr = draw_gamma(key, ctr, shape)
        lam = lam * g / shape
        if lam > MAX_EXTRA_ADMISSIONS_MEAN:
            lam = MAX_EXTRA_ADMISSIONS_MEAN
    return draw_poisson(key, ctr, lam)
