"""Number of claimants per population cell, path and year.

For each (path, year) one numpy ``Generator`` keyed by ``SeedSequence([seed, path, year,
COUNTS_STREAM])`` draws, for every cell in a fixed order, with hospitalisation probability
``q`` and outpatient special-disease probability ``s`` (independent, an assumption):

* hospitalised ~ Binomial(insured, q); of those, with outpatient special disease too
  ~ Binomial(hospitalised, s);
* outpatient special disease only ~ Binomial(insured - hospitalised, s).

Only claimants are simulated afterwards; nobody without a claim is ever looped over.
"""

from __future__ import annotations

import numpy as np

from .streams import COUNTS_STREAM


def cell_generator(seed: int, path: int, year: int) -> np.random.Generator:
    """The generator for the counts of ``(seed, path, year)``."""
    return np.random.Generator(np.random.Philox(np.random.SeedSequence(
        [int(seed), int(path), int(year), COUNTS_STREAM])))


def draw_counts(seed: int, paths: np.ndarray, years: np.ndarray, insured: np.ndarray,
                hosp_prob: np.ndarray, os_prob: np.ndarray):
    """Claimant counts for paths x years x cells.

    ``insured``: (Y, C) integer persons per cell; ``hosp_prob``: (P, Y, C) probabilities;
    ``os_prob``: (Y, C). Returns int64 arrays (P, Y, C): hospitalised with outpatient
    special disease, hospitalised only, outpatient special disease only.
    """
    P, Y, C = len(paths), len(years), insured.shape[1]
    both = np.empty((P, Y, C), dtype=np.int64)
    hosp_only = np.empty((P, Y, C), dtype=np.int64)
    os_only = np.empty((P, Y, C), dtype=np.int64)
    for i, path in enumerate(paths):
        for t, year in enumerate(years):
            rng = cell_generator(seed, path, year)
            h = rng.binomial(insured[t], hosp_prob[i, t])
            b = rng.binomial(h, os_prob[t])
            o = rng.binomial(insured[t] - h, os_prob[t])
            both[i, t] = b
            hosp_only[i, t] = h - b
            os_only[i, t] = o
    return both, hosp_only, os_only
