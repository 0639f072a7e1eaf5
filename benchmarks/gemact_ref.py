"""The peer-library reference point: GEMAct's Monte Carlo aggregate loss model.

GEMAct (PyPI ``gemact``; Pittarello, Luini, Marchione, "GEMAct: a Python package for
non-life (re)insurance modeling", Annals of Actuarial Science 2024) simulates a collective
risk model: a frequency, a severity and a policy layer. We give it the model's admissions in
their simplest form, far less work per claim than the kernel's person-year chain:

* one simulation = a block of ``block`` insured persons; frequency Poisson with the mean
  admissions of the block (admissions per insured of the measured scenario);
* severity lognormal with the mean and body sigma of the most frequent level's cost;
* one layer: each-and-every-loss deductible (that level's BMI deductible) and cover
  (the BMI annual cap, or 500,000 CNY when there is none: an assumption).

``LossModel(..., aggr_loss_dist_method='mc')`` is timed from construction (which runs the
simulation) to the aggregate distribution. GEMAct thins the frequency to the losses above the
deductible and draws only those: ``claims`` counts the severities it actually drew,
``ground_up_claims`` the admissions they stand for.
"""

from __future__ import annotations

import math
import time


def measure_gemact(adm_per_insured: float, mean_cost: float, sigma: float, deductible: float,
                   cover: float, n_sim: int, block: int = 1000, seed: int = 1) -> dict:
    """Throughput of GEMAct's Monte Carlo on ``n_sim`` blocks; ``{}`` if GEMAct is absent."""
    try:
        import gemact
    except ImportError:
        return {}
    import twiggy  # GEMAct logs every step at INFO through twiggy on stderr

    twiggy.quick_setup(min_level=twiggy.levels.WARNING)
    import numpy as np

    lam = adm_per_insured * block
    scale = mean_cost * math.exp(-0.5 * sigma * sigma)
    freq = gemact.Frequency(dist="poisson", par={"mu": lam})
    sev = gemact.Severity(dist="lognormal", par={"scale": scale, "shape": sigma})
    layer = gemact.Layer(deductible=deductible, cover=cover)
    t0 = time.perf_counter()
    lm = gemact.LossModel(frequency=freq, severity=sev,
                          policystructure=gemact.PolicyStructure(layers=layer),
                          aggr_loss_dist_method="mc", n_sim=n_sim, random_state=seed)
    seconds = time.perf_counter() - t0
    sf = float(sev.model.sf(deductible))
    drawn = lam * sf * n_sim  # expected severities drawn (Poisson thinned to the layer)
    return {
        "version": getattr(gemact, "__version__", "?"), "n_sim": n_sim, "block": block,
        "seconds": seconds, "claims": drawn, "ground_up_claims": lam * n_sim,
        "claims_per_s": drawn / seconds, "ground_up_claims_per_s": lam * n_sim / seconds,
        "aggregate_mean": float(lm.mean(idx=0)) if hasattr(lm, "mean") else float("nan"),
        "deductible": deductible, "cover": cover, "np_version": np.__version__,
    }
