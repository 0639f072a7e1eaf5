"""In-scope (catalogue) share of cost per admission: the model's Beta(mean m_l, one
concentration c) per level, fitted by moments: m_l = mean share (se = sd / sqrt(n)),
c = sum_l n_l m_l (1 - m_l) / sum_l n_l v_l - 1 (Beta variance m (1 - m) / (c + 1), v_l the
level's variance of the share). Moments, not likelihood, because extracts hold shares of
exactly 0 and 1 (no self-pay), where the Beta log-likelihood is infinite."""

from __future__ import annotations

import numpy as np

CONC_RANGE = (0.51, 1e12)  # the model's bounds on inscope_concentration


class InScopeShareFit:
    """``fit(n, s1, s2)`` per level (count, sum and sum of squares of the share); sets
    ``mean_``, ``mean_se_`` (L,), ``concentration_``."""

    def fit(self, n, s1, s2) -> InScopeShareFit:
        n, s1, s2 = (np.asarray(a, float) for a in (n, s1, s2))
        with np.errstate(invalid="ignore", divide="ignore"):
            m = np.where(n > 0, s1 / n, np.nan)
            v = np.where(n > 1, (s2 - n * m * m) / np.maximum(n - 1, 1), np.nan)
            self.mean_ = m
            self.mean_se_ = np.sqrt(np.maximum(v, 0) / n)
        ok = n > 1
        num = np.sum((n * m * (1 - m))[ok])
        den = np.sum((n * np.maximum(v, 0))[ok])
        conc = num / den - 1 if den > 0 else CONC_RANGE[1]
        self.concentration_ = float(np.clip(conc, *CONC_RANGE))
        return self
