"""``fit_claims``: every estimator of the package applied to one extract and its enrolment,
mapped to the parameters the model has (``morbidity`` section, population, group shares)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ClaimsError
from ..scenario.schema import Scenario
from .admissions import AdmissionsPerClaimant
from .claimants import ClaimantProbability
from .costs import ALPHA_RANGE, SplicedCostFit
from .enrolment import Enrolment, read_enrolment
from .extract import DEFAULT_CHUNK_ROWS, ExtractStats, read_extract
from .inscope import InScopeShareFit
from .levels import LevelMixFit

#: tail_alpha written for a level without tail admissions (its tail_probability is 0, so
#: the value has no effect; the model requires one).
NO_TAIL_ALPHA = 2.5


@dataclass
class ClaimsFit:
    """The fitted estimators of one extract (levels in the scenario's order)."""

    year: int
    stats: ExtractStats
    enrolment: Enrolment
    claimants: ClaimantProbability
    admissions: AdmissionsPerClaimant
    levels: LevelMixFit
    costs: SplicedCostFit
    inscope: InScopeShareFit
    notes: list

    def morbidity(self, source: str) -> dict:
        """The ``morbidity`` section of the fitted scenario (plain YAML data)."""
        lv = self.stats.levels
        c, k = self.costs, self.admissions
        has_tail = c.p_tail_ > 0
        alpha = np.where(has_tail, np.clip(np.nan_to_num(c.alpha_, nan=NO_TAIL_ALPHA),
                                           ALPHA_RANGE[0] + 1e-3, ALPHA_RANGE[1]), NO_TAIL_ALPHA)
        out = {
            "base_year": self.year,
            "claimant_probability": {
                "source": source,
                "male": [round(float(x), 6) for x in self.claimants.prob_[:, 0]],
                "female": [round(float(x), 6) for x in self.claimants.prob_[:, 1]]},
            "extra_admissions_young": round(k.mean_young_, 5),
            "extra_admissions_old": round(k.mean_old_, 5),
            "extra_admissions_shape": None if k.shape_ is None else round(k.shape_, 5),
            **self.levels.as_config(lv),
            "cost_mean": {x: round(float(c.mean_[i]), 2) for i, x in enumerate(lv)},
            "cost_sigma": {x: round(float(c.sigma_[i]), 5) for i, x in enumerate(lv)},
            "tail_threshold": c.threshold_,
            "tail_probability": {x: round(float(c.p_tail_[i]), 6) for i, x in enumerate(lv)},
            "tail_alpha": {x: round(float(alpha[i]), 4) for i, x in enumerate(lv)},
            "inscope_mean": {x: round(float(self.inscope.mean_[i]), 5) for i, x in enumerate(lv)},
            "inscope_concentration": round(self.inscope.concentration_, 3),
            "incidence_multiplier": 1.0,
            "cost_multiplier": 1.0,
        }
        return out

    def parameters(self) -> pd.DataFrame:
        """Every fitted parameter with its standard error (``parameter, value, se``)."""
        rows = []
        for s, sex in enumerate(("male", "female")):
            for a in range(101):
                rows.append((f"claimant_probability.{sex}.{a}", self.claimants.prob_[a, s],
                             self.claimants.se_[a, s]))
        k = self.admissions
        rows += [("extra_admissions_young", k.mean_young_, k.mean_young_se_),
                 ("extra_admissions_old", k.mean_old_, k.mean_old_se_),
                 ("extra_admissions_shape", np.nan if k.shape_ is None else k.shape_,
                  k.shape_se_)]
        c, lm = self.costs, self.levels
        rows.append(("tail_threshold", c.threshold_, c.threshold_se_))
        for i, x in enumerate(self.stats.levels):
            rows += [(f"level_mix.{x}", lm.mix_[i], lm.mix_se_[i])]
            rows += [(f"level_mix_band.{x}.{b}", lm.band_mix_[j, i], lm.band_mix_se_[j, i])
                     for j, b in enumerate(lm.bands_)]
            rows += [(f"cost_mean.{x}", c.mean_[i], c.mean_se_[i]),
                     (f"cost_mu.{x}", c.mu_[i], c.mu_se_[i]),
                     (f"cost_sigma.{x}", c.sigma_[i], c.sigma_se_[i]),
                     (f"tail_probability.{x}", c.p_tail_[i], c.p_tail_se_[i]),
                     (f"tail_alpha.{x}", c.alpha_[i], c.alpha_se_[i]),
                     (f"inscope_mean.{x}", self.inscope.mean_[i], self.inscope.mean_se_[i])]
        rows.append(("inscope_concentration", self.inscope.concentration_, np.nan))
        return pd.DataFrame(rows, columns=["parameter", "value", "se"])


def fit_claims(scenario: Scenario, claims: str | Path, insured: str | Path, year: int,
               chunk_rows: int = DEFAULT_CHUNK_ROWS,
               threshold: float | None = None) -> ClaimsFit:
    """Fit the morbidity of the extract ``claims`` (admissions of ``year``) with enrolment
    ``insured``, for the hospital levels and groups of ``scenario``."""
    groups, levels = list(scenario.groups), list(scenario.hospital_levels)
    enrol = read_enrolment(insured, groups)
    st = read_extract(claims, levels, groups, chunk_rows)
    over = np.argwhere(st.claimants > enrol.insured)
    if over.size:
        a, s = over[0]
        raise ClaimsError(str(insured), [(
            f"age {a} {('male', 'female')[s]}",
            f"{int(st.claimants[a, s]):,} claimants in the extract but "
            f"{int(enrol.insured[a, s]):,} insured: the enrolment does not cover the extract")])
    try:
        costs = SplicedCostFit(threshold).fit(st.bin_n, st.bin_s1, st.bin_s2)
        adm = AdmissionsPerClaimant().fit(st.extra_hist)
    except ValueError as exc:
        raise ClaimsError(str(claims), [("", str(exc))]) from None
    notes = list(st.notes)
    if st.zero_cost.sum():
        notes.append(f"{int(st.zero_cost.sum()):,} admission(s) with total_cost 0 left out of "
                     "the cost fit")
    for i, x in enumerate(levels):
        if st.bin_n[i].sum() == 0:
            notes.append(f"no admissions at level {x}: its parameters stay the base's")
        elif costs.p_tail_[i] > 0 and not (ALPHA_RANGE[0] < costs.alpha_[i] <= ALPHA_RANGE[1]):
            notes.append(f"tail_alpha.{x} {costs.alpha_[i]:.3f} is outside the model's range "
                         f"({ALPHA_RANGE[0]}, {ALPHA_RANGE[1]}]: clipped")
    return ClaimsFit(
        year=year, stats=st, enrolment=enrol,
        claimants=ClaimantProbability().fit(st.claimants, enrol.insured),
        admissions=adm,
        levels=LevelMixFit().fit(st.level_by_age, scenario.morbidity.level_mix_age_bands),
        costs=costs,
        inscope=InScopeShareFit().fit(st.share_n, st.share_s1, st.share_s2),
        notes=notes)
