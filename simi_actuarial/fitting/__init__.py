"""Fitting a place's morbidity and costs to its own claims extract (``simi fit-claims``).

One module per quantity, each an estimator with ``fit()`` and fitted attributes ending in
``_`` (``prob_``, ``se_`` ...): :mod:`.claimants` (claimant probability by age and sex),
:mod:`.admissions` (admissions per claimant), :mod:`.levels` (level mix by age band),
:mod:`.costs` (lognormal body and Pareto tail per level), :mod:`.inscope` (in-scope share).
:mod:`.extract` reads the extract once into sufficient statistics, :mod:`.enrolment` the
insured table, :mod:`.fit` applies every estimator, :mod:`.writer` writes the scenario and
its diagnostics (:mod:`.diagnostics`), :mod:`.synthetic` draws extracts from known
parameters.
"""

from .fit import ClaimsFit, fit_claims

__all__ = ["ClaimsFit", "fit_claims"]
