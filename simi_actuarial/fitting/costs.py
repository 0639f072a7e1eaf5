"""Cost per admission by hospital level: the model's spliced severity (lognormal body below
a threshold u shared by all levels, Pareto(u, alpha) above it with probability p), fitted by
maximum likelihood on binned sufficient statistics.

For a level with n_b admissions below u (sums S1 = sum ln x, S2 = sum ln^2 x) and n_t above
(T1 = sum ln x), up to a constant the log-likelihood is

    n_b ln(1-p) + n_t ln p - n_b ln(sigma sqrt(2 pi)) - (S2 - 2 mu S1 + n_b mu^2) / (2 sigma^2)
    - n_b ln Phi((ln u - mu) / sigma) + n_t ln alpha + alpha (n_t ln u - T1).

So p = n_t / n and alpha = n_t / (T1 - n_t ln u) in closed form (se alpha / sqrt(n_t),
sqrt(p(1-p)/n)); mu and sigma of the truncated lognormal numerically (se from the observed
information). The threshold maximises the profile log-likelihood, summed over levels, over
the bin edges (1-10 % apart, round amounts included); its 95 % interval is the set of
edges within 1.92 of the maximum, and its standard error is the larger of that interval's
half-width and the grid spacing, over 1.96 (approximate: a change point is not a regular
parameter, and with a jump in the density at u the estimate is the first edge below the
first tail admission, within a bin or two of the truth). The mean cost per admission is the spliced
mean; its standard error by the delta method.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize
from scipy.special import log_ndtr

from ..morbidity.severity import spliced_cdf, spliced_mean
from .extract import COST_EDGES
from .numerics import covariance

ALPHA_RANGE = (1.05, 10.0)  # the model's bounds on tail_alpha
MIN_TAIL = 20               # fewest tail admissions (all levels) for a candidate threshold
MIN_BODY = 10
HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def _body_loglik(mu, sigma, n, s1, s2, c):
    return (-n * (math.log(sigma) + HALF_LOG_2PI) - (s2 - 2 * mu * s1 + n * mu * mu) / (2 * sigma * sigma)
            - n * float(log_ndtr((c - mu) / sigma)))


def fit_body(n, s1, s2, c, with_cov: bool = True):
    """(mu, sigma, cov of (mu, sigma) or None, loglik) of a lognormal truncated above at
    e^c."""
    m = s1 / n
    sd = math.sqrt(max(s2 / n - m * m, 1e-6))

    def neg(t):
        return -_body_loglik(t[0], math.exp(t[1]), n, s1, s2, c)

    res = optimize.minimize(neg, [m, math.log(sd)], method="Nelder-Mead",
                            options={"xatol": 1e-9, "fatol": 1e-9, "maxiter": 4000})
    mu, sigma = float(res.x[0]), float(math.exp(res.x[1]))
    cov = (covariance(lambda t: _body_loglik(t[0], t[1], n, s1, s2, c), [mu, sigma])
           if with_cov else None)
    return mu, sigma, cov, -float(res.fun)


def _tail(nt, t1, c):
    """(alpha, loglik part) of the Pareto tail above e^c."""
    if nt == 0:
        return float("nan"), 0.0
    alpha = nt / max(t1 - nt * c, 1e-12)
    return alpha, nt * math.log(alpha) + alpha * (nt * c - t1)


def _level_profile(bn, b1, b2, t):
    """Profile log-likelihood of one level at threshold edge index t."""
    c = math.log(COST_EDGES[t])
    nb, s1, s2 = bn[:t].sum(), b1[:t].sum(), b2[:t].sum()
    nt, t1 = bn[t:].sum(), b1[t:].sum()
    n = nb + nt
    ll = 0.0
    if nt > 0:
        ll += nt * math.log(nt / n) + _tail(nt, t1, c)[1]
    if nb > 0:
        ll += (nb * math.log(nb / n) if nt > 0 else 0.0)
        if nb >= 2:
            ll += fit_body(nb, s1, s2, c, with_cov=False)[3]
    return ll


class SplicedCostFit:
    """Estimator of the spliced cost distribution per level (see module docstring).

    ``fit(bin_n, bin_s1, bin_s2)`` with (L, N_BINS) binned statistics sets ``threshold_``,
    ``threshold_ci_``, ``threshold_se_`` and per level (arrays of length L) ``mu_``,
    ``sigma_`` (+ ``mu_se_``, ``sigma_se_``), ``p_tail_``, ``alpha_`` (+ ``_se_``; NaN where a
    level has no tail admission), ``mean_`` and ``mean_se_``. ``threshold`` fixes u."""

    def __init__(self, threshold: float | None = None):
        self.threshold = threshold

    def _candidates(self, bn):
        total = bn.sum(axis=0)
        cum = np.cumsum(total)
        tail_left = total.sum() - np.concatenate([[0.0], cum[:-1]])
        ok = (cum >= 0.5 * total.sum()) & (tail_left >= MIN_TAIL)
        ok &= np.all((np.cumsum(bn, axis=1) - bn >= MIN_BODY) | (bn.sum(axis=1) == 0)[:, None],
                     axis=0)
        return np.flatnonzero(ok)

    def fit(self, bin_n, bin_s1, bin_s2) -> SplicedCostFit:
        bn, b1, b2 = (np.asarray(a, float) for a in (bin_n, bin_s1, bin_s2))
        levels = [i for i in range(bn.shape[0]) if bn[i].sum() > 0]
        if self.threshold is not None:
            t = int(np.searchsorted(COST_EDGES, self.threshold))
            if t >= COST_EDGES.size or not math.isclose(COST_EDGES[t], self.threshold):
                raise ValueError(f"threshold {self.threshold:g} is not a cost bin edge "
                                 "(1.0-9.9 x 10^k)")
            cand, prof = np.array([t]), np.zeros(1)
        else:
            cand = self._candidates(bn)
            if cand.size == 0:
                raise ValueError(f"too few costly admissions to fit a tail (need {MIN_TAIL} "
                                 "above the median)")
            prof = np.array([sum(_level_profile(bn[i], b1[i], b2[i], t) for i in levels)
                             for t in cand])
        best = int(np.argmax(prof))
        t = int(cand[best])
        u = float(COST_EDGES[t])
        inside = cand[prof >= prof[best] - 1.92]
        lo, hi = float(COST_EDGES[inside.min()]), float(COST_EDGES[inside.max()])
        spacing = float(COST_EDGES[min(t + 1, COST_EDGES.size - 1)] - u)
        self.threshold_, self.threshold_ci_ = u, (lo, hi)
        self.threshold_se_ = max((hi - lo) / 2, spacing) / 1.96
        self.profile_ = (COST_EDGES[cand], prof)
        L = bn.shape[0]
        nan = np.full(L, np.nan)
        self.mu_, self.sigma_, self.mu_se_, self.sigma_se_ = (nan.copy() for _ in range(4))
        self.p_tail_, self.p_tail_se_, self.alpha_, self.alpha_se_ = (nan.copy() for _ in range(4))
        self.mean_, self.mean_se_, self.n_ = nan.copy(), nan.copy(), bn.sum(axis=1)
        c = math.log(u)
        for i in levels:
            nb, s1, s2 = bn[i, :t].sum(), b1[i, :t].sum(), b2[i, :t].sum()
            nt, t1 = bn[i, t:].sum(), b1[i, t:].sum()
            n = nb + nt
            mu, sigma, cov, _ = fit_body(nb, s1, s2, c)
            p = nt / n
            alpha = _tail(nt, t1, c)[0]
            self.mu_[i], self.sigma_[i] = mu, sigma
            self.mu_se_[i], self.sigma_se_[i] = np.sqrt(np.maximum(np.diag(cov), 0))
            self.p_tail_[i], self.p_tail_se_[i] = p, math.sqrt(p * (1 - p) / n)
            if nt > 0:
                self.alpha_[i], self.alpha_se_[i] = alpha, alpha / math.sqrt(nt)
            a = alpha if nt > 0 else 2.5
            theta = np.array([mu, sigma, a, p])
            var = np.zeros((4, 4))
            var[:2, :2] = cov
            var[2, 2] = self.alpha_se_[i] ** 2 if nt > 0 else 0.0
            var[3, 3] = self.p_tail_se_[i] ** 2
            self.mean_[i] = spliced_mean(mu, sigma, u, max(a, 1.0 + 1e-9), p)
            grad = np.array([(self._mean(theta, k, +1) - self._mean(theta, k, -1))
                             / (2 * self._step(theta, k)) for k in range(4)])
            self.mean_se_[i] = math.sqrt(max(grad @ var @ grad, 0.0))
        return self

    @staticmethod
    def _step(theta, k):
        return 1e-5 * max(abs(theta[k]), 1e-3)

    def _mean(self, theta, k, sign):
        th = np.array(theta, float)
        th[k] += sign * self._step(theta, k)
        return spliced_mean(th[0], th[1], self.threshold_, max(th[2], 1.0 + 1e-9),
                            min(max(th[3], 0.0), 1.0))

    def cdf(self, i: int, x) -> np.ndarray:
        """Fitted CDF of level ``i`` at ``x``."""
        p = self.p_tail_[i]
        a = self.alpha_[i] if p > 0 else 2.5
        return spliced_cdf(x, self.mu_[i], self.sigma_[i], self.threshold_, a, p)
