"""Claimant probability by single age and sex, smoothed (penalised binomial likelihood).

For each sex, ``eta_x = logit p_x`` over ages 0..100 maximises

    sum_x [c_x eta_x - n_x log(1 + exp eta_x)] - lam / 2 * sum_x (Delta^2 eta_x)^2

(``c_x`` claimants, ``n_x`` insured; Whittaker-Henderson graduation on the logit scale, a
P-spline with one knot per age), solved by penalised iteratively reweighted least squares.
``lam`` minimises AIC = deviance + 2 edf, edf = trace((W + lam D'D)^-1 W), over a grid.
Standard errors are the Bayesian ones of the penalised fit, se(eta) = sqrt(diag((W + lam
D'D)^-1)), mapped by p(1 - p). Ages without insured are interpolated by the penalty.
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

LAMBDAS = 10.0 ** np.arange(-1.0, 7.01, 0.5)


def _d2(n: int) -> np.ndarray:
    return np.diff(np.eye(n), n=2, axis=0)


def penalised_logit(c: np.ndarray, n: np.ndarray, lam: float, iters: int = 100):
    """Penalised binomial fit of ``c`` successes in ``n`` trials; returns (eta, cov, edf,
    deviance)."""
    c, n = np.asarray(c, float), np.asarray(n, float)
    P = lam * (_d2(c.size).T @ _d2(c.size))
    rate = (c.sum() + 0.5) / (n.sum() + 1.0)
    eta = np.full(c.size, np.log(rate / (1 - rate)))
    for _ in range(iters):
        p = expit(eta)
        w = np.maximum(n * p * (1 - p), 1e-12)
        z = eta + (c - n * p) / w
        A = np.diag(w) + P
        new = np.linalg.solve(A, w * z)
        if np.max(np.abs(new - eta)) < 1e-10:
            eta = new
            break
        eta = new
    p = expit(eta)
    w = np.maximum(n * p * (1 - p), 1e-12)
    cov = np.linalg.inv(np.diag(w) + P)
    edf = float(np.trace(cov @ np.diag(w)))
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(c > 0, c * np.log(c / (n * p)), 0.0)
        t2 = np.where(n - c > 0, (n - c) * np.log((n - c) / (n * (1 - p))), 0.0)
    return eta, cov, edf, float(2 * np.sum(t1 + t2))


class ClaimantProbability:
    """Estimator of P(>= 1 admission in the year) by age 0..100 and sex.

    ``fit(claimants, insured)`` with (101, 2) arrays sets ``prob_`` and ``se_`` (101, 2),
    ``lambda_`` and ``edf_`` (per sex) and ``observed_`` (raw ratio, NaN without insured).
    ``smoothing`` fixes lambda instead of choosing it by AIC.
    """

    def __init__(self, smoothing: float | None = None):
        self.smoothing = smoothing

    def fit(self, claimants, insured) -> ClaimantProbability:
        c, n = np.asarray(claimants, float), np.asarray(insured, float)
        if c.shape != (101, 2) or n.shape != (101, 2):
            raise ValueError("claimants and insured must be (101, 2) arrays")
        self.prob_, self.se_ = np.zeros((101, 2)), np.zeros((101, 2))
        self.lambda_, self.edf_ = [0.0, 0.0], [0.0, 0.0]
        for s in range(2):
            grid = LAMBDAS if self.smoothing is None else [self.smoothing]
            best = None
            for lam in grid:
                eta, cov, edf, dev = penalised_logit(c[:, s], n[:, s], lam)
                aic = dev + 2 * edf
                if best is None or aic < best[0]:
                    best = (aic, lam, eta, cov, edf)
            _, lam, eta, cov, edf = best
            p = expit(eta)
            self.prob_[:, s] = p
            self.se_[:, s] = p * (1 - p) * np.sqrt(np.diag(cov))
            self.lambda_[s], self.edf_[s] = float(lam), float(edf)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.observed_ = np.where(n > 0, c / n, np.nan)
        return self
