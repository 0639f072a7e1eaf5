"""Monte Carlo estimators with standard errors (over independent paths, axis 0)."""

from __future__ import annotations

import warnings

import numpy as np

#: Two-sided 95 % standard normal quantile, Phi^-1(0.975).
Z95 = 1.959963984540054


def mean_se(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean over paths and its standard error (NaN with one path)."""
    x = np.asarray(x, dtype=float)
    n = x.shape[0]
    m = x.mean(axis=0)
    if n < 2:
        return m, np.full_like(m, np.nan)
    return m, x.std(axis=0, ddof=1) / np.sqrt(n)


def prob_se(indicator: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probability estimate and binomial standard error ``sqrt(p (1 - p) / n)``."""
    ind = np.asarray(indicator, dtype=float)
    n = ind.shape[0]
    p = ind.mean(axis=0)
    return p, np.sqrt(p * (1.0 - p) / n)


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den with 0/0 -> NaN and no warnings."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=den != 0)
    return out


def nan_mean_se(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`mean_se`, ignoring NaN entries (e.g. ratios with a zero denominator)."""
    x = np.asarray(x, dtype=float)
    n = np.sum(np.isfinite(x), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: NaN, no noise
        m = np.nanmean(np.where(np.isfinite(x), x, np.nan), axis=0) if x.size else x
        sd = np.nanstd(x, axis=0, ddof=1) if x.shape[0] > 1 else np.full(x.shape[1:], np.nan)
        se = sd / np.sqrt(n)
    return m, se


def quantile_se(x: np.ndarray, q: float) -> tuple[np.ndarray, np.ndarray]:
    """The ``q``-quantile over paths (axis 0) and a distribution-free standard error.

    The error is half the width of the order-statistic 95 % confidence interval divided by
    1.96: the order statistics at positions ``(n - 1) q -/+ 1.96 sqrt(n q (1 - q))`` (0-based,
    numpy's ``percentile`` convention), linearly interpolated between neighbours. On normal
    samples this is within ~8 % of the true standard error of the sample quantile for
    n >= 50 paths and q in [0.05, 0.95] (rounding the ranks outward overstated it by up to
    45 % at n = 200).
    """
    x = np.sort(np.asarray(x, dtype=float), axis=0)
    n = x.shape[0]
    est = np.percentile(x, 100 * q, axis=0)
    half = Z95 * np.sqrt(n * q * (1 - q))
    pos = (n - 1) * q
    return est, (_order_stat(x, min(pos + half, n - 1.0))
                 - _order_stat(x, max(pos - half, 0.0))) / (2 * Z95)


def _order_stat(sorted_x: np.ndarray, position: float) -> np.ndarray:
    """Sorted ``sorted_x`` (axis 0) at a fractional 0-based ``position``, interpolated."""
    i = int(np.floor(position))
    j = min(i + 1, sorted_x.shape[0] - 1)
    return sorted_x[i] + (position - i) * (sorted_x[j] - sorted_x[i])
