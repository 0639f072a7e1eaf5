"""Hospital level mix by age band, in the model's form: ``level_mix`` (admission shares,
all ages) and ``level_mix_age_tilt`` (share in the band / share overall), so that
level_mix x tilt is the observed mix of each band (the resolver uses it as is when the
claimant probability is fitted). Standard errors are binomial, sqrt(q (1 - q) / n) for a
share q of n admissions (they ignore the clustering of a person's admissions)."""

from __future__ import annotations

import numpy as np

from ..scenario.morbidity_schema import LEVELS

TILT_MAX = 100.0  # the model's bound on a tilt


class LevelMixFit:
    """``fit(level_by_age, bands)``: (101, L) admissions by age and level, lower band ages
    (starting at 0). Sets ``mix_`` (L,), ``mix_se_``, ``band_mix_`` (B, L), ``band_mix_se_``,
    ``band_n_`` (B,), ``tilt_`` (L, B)."""

    def fit(self, level_by_age, bands) -> LevelMixFit:
        a = np.asarray(level_by_age, float)
        bands = list(bands)
        band_of_age = np.searchsorted(np.asarray(bands), np.arange(101), side="right") - 1
        by_band = np.zeros((len(bands), a.shape[1]))
        np.add.at(by_band, band_of_age, a)
        n = a.sum()
        self.mix_ = a.sum(axis=0) / n
        self.mix_se_ = np.sqrt(self.mix_ * (1 - self.mix_) / n)
        self.band_n_ = by_band.sum(axis=1)
        empty = self.band_n_ == 0
        with np.errstate(invalid="ignore", divide="ignore"):
            bm = np.where(empty[:, None], self.mix_[None, :], by_band / self.band_n_[:, None])
            self.band_mix_ = bm
            self.band_mix_se_ = np.where(empty[:, None], np.nan,
                                         np.sqrt(bm * (1 - bm) / self.band_n_[:, None]))
            tilt = np.where(self.mix_[None, :] > 0, bm / self.mix_[None, :], 1.0)
        self.tilt_ = np.clip(tilt, 0.0, TILT_MAX).T
        self.bands_ = bands
        return self

    def as_config(self, levels) -> dict:
        """``level_mix`` and ``level_mix_age_tilt`` entries (every canonical level: those
        the scenario lacks get share 0 and tilt 1)."""
        mix = {lvl: 0.0 for lvl in LEVELS}
        tilt = {lvl: [1.0] * len(self.bands_) for lvl in LEVELS}
        for j, lvl in enumerate(levels):
            mix[lvl] = float(self.mix_[j])
            tilt[lvl] = [float(x) for x in self.tilt_[j]]
        return {"level_mix": mix, "level_mix_age_bands": list(self.bands_),
                "level_mix_age_tilt": tilt}
