"""Morbidity: who is hospitalised, how often, where, and at what cost (see ``config``).

``MorbidityConfig`` holds the assumptions with their sources; ``resolve_morbidity`` turns
them into the flat ``MorbidityArrays`` the kernel samples (with ``engine.samplers``).
"""

from ..scenario.morbidity_schema import LEVELS, MorbidityConfig
from .resolve import (
    MorbidityArrays,
    extra_admissions_mean,
    hospitalisation_probability,
    level_mix,
    resolve_morbidity,
)
from .severity import (
    extra_admissions_cdf,
    fit_mu_for_mean,
    spliced_cdf,
    spliced_mean,
    spliced_quantile,
)

__all__ = [
    "LEVELS",
    "MorbidityArrays",
    "MorbidityConfig",
    "extra_admissions_cdf",
    "extra_admissions_mean",
    "fit_mu_for_mean",
    "hospitalisation_probability",
    "level_mix",
    "resolve_morbidity",
    "spliced_cdf",
    "spliced_mean",
    "spliced_quantile",
]
