"""The proxy engine: per-claimant conditional moments estimated once by the claims kernel,
then every outer path-year evaluated in closed form (``simi run --engine proxy``).

* :mod:`.design` -- the design (cost-factor grid per year, inner sample sizes);
* :mod:`.moments` -- inner simulations by :func:`~simi_actuarial.engine.kernel.simulate_claims`
  (one definition of the rules) → the tables of :class:`.moments.ProxyTables`;
* :mod:`.evaluate` -- outer path-years: mean + normal process noise with its conditional
  covariance (compiled).
"""
