"""Admissions per claimant: 1 + NegBin(mean m, shape r), m for ages under 60 and 60+, one r
(the model's ``extra_admissions_young``, ``extra_admissions_old``, ``extra_admissions_shape``).

Maximum likelihood on the counts of persons by number of extra admissions k:

    log P(k) = lgamma(k + r) - lgamma(r) - lgamma(k + 1) + r log(r / (r + m))
               + k log(m / (r + m)).

The MLE of each m is the sample mean of the extra admissions; r is found numerically.
Standard errors from the inverse observed information (numerical Hessian in log m, log r).
"""

from __future__ import annotations

import numpy as np
from scipy import optimize
from scipy.special import gammaln

from .numerics import hessian_se

#: Largest shape reported; above it the counts are indistinguishable from Poisson.
MAX_SHAPE = 1e6


def _loglik(theta, hist):
    r = np.exp(theta[2])
    k = np.arange(hist.shape[1])
    total = 0.0
    for g in range(2):
        m = np.exp(theta[g])
        lp = (gammaln(k + r) - gammaln(r) - gammaln(k + 1) + r * np.log(r / (r + m))
              + k * np.log(m / (r + m)))
        total += float(hist[g] @ lp)
    return total


class AdmissionsPerClaimant:
    """Estimator of the extra admissions per claimant (see module docstring).

    ``fit(extra_hist)`` with (2, K) person counts (row 0 under 60, row 1 60+) sets
    ``mean_young_``, ``mean_old_``, ``shape_`` and their ``*_se_``; ``shape_`` is None when
    the counts show no overdispersion (Poisson)."""

    def fit(self, extra_hist) -> AdmissionsPerClaimant:
        hist = np.asarray(extra_hist, float)
        k = np.arange(hist.shape[1])
        n = hist.sum(axis=1)
        if np.any(n <= 0):
            raise ValueError("no claimants under 60 or aged 60+ in the extract")
        means = (hist @ k) / n
        var = (hist @ k**2) / n - means**2
        self.mean_young_, self.mean_old_ = (float(x) for x in means)
        start_r = float(np.clip(np.sum(means**2) / max(np.sum(var - means), 1e-6), 1e-3, 1e5))
        mlog = np.log(np.maximum(means, 1e-9))

        def neg(lr):
            return -_loglik([*mlog, lr], hist)

        res = optimize.minimize_scalar(neg, bounds=(np.log(1e-3), np.log(MAX_SHAPE)),
                                       method="bounded", options={"xatol": 1e-8})
        lr = float(res.x if -neg(res.x) > -neg(np.log(start_r)) else np.log(start_r))
        if lr > np.log(MAX_SHAPE) - 1.0:
            self.shape_, self.shape_se_ = None, float("nan")
            se = hessian_se(lambda t: _loglik([t[0], t[1], lr], hist), mlog)
            self.mean_young_se_, self.mean_old_se_ = (float(means[i] * se[i]) for i in range(2))
            return self
        theta = np.array([*mlog, lr])
        se = hessian_se(lambda t: _loglik(t, hist), theta)
        self.shape_ = float(np.exp(lr))
        self.shape_se_ = float(self.shape_ * se[2])
        self.mean_young_se_, self.mean_old_se_ = (float(means[i] * se[i]) for i in range(2))
        return self
