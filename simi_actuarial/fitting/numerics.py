"""Numerical helpers of the estimators: standard errors from a log-likelihood."""

from __future__ import annotations

import numpy as np


def hessian(f, x, rel: float = 1e-4) -> np.ndarray:
    """Central-difference Hessian of the scalar function ``f`` at ``x``."""
    x = np.asarray(x, float)
    h = rel * np.maximum(np.abs(x), 1.0)
    n = x.size
    H = np.empty((n, n))
    for i in range(n):
        for j in range(i, n):
            ei, ej = np.eye(n)[i] * h[i], np.eye(n)[j] * h[j]
            H[i, j] = H[j, i] = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej)
                                 + f(x - ei - ej)) / (4 * h[i] * h[j])
    return H


def covariance(loglik, x) -> np.ndarray:
    """Inverse observed information (minus the inverse Hessian of ``loglik`` at its
    maximum ``x``)."""
    return np.linalg.inv(-hessian(loglik, x))


def hessian_se(loglik, x) -> np.ndarray:
    """Standard errors of the maximum-likelihood estimate ``x`` of ``loglik``."""
    return np.sqrt(np.maximum(np.diag(covariance(loglik, x)), 0.0))
