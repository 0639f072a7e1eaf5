"""The vectorised numpy reference pipeline of the benchmark suite against the compiled kernel.

Both take the same inputs (scenario arrays, claimant counts); they share no sampling code and
no random numbers, so agreement is a check of the kernel by an independent method:

* with degenerate draws (one level per age, costs fixed, in-scope share fixed, no CHE
  dispersion) every money tally must agree to rounding, across groups, categories and years;
* with the real distributions the per path-year means must agree within Monte Carlo error.
"""

import math

import numpy as np
from numpy_reference import reference_claims

from simi_actuarial.engine.kernel import simulate_claims
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.simulate import kernel_inputs
from simi_actuarial.engine.tallies import TALLY_NAMES, T
from simi_actuarial.scenario.loader import load_scenario


def _inputs(scenarios_dir, name, insured, years, paths, seed=7):
    sc = load_scenario(scenarios_dir / name,
                       [f"population.insured={insured}", f"horizon.years={years}"])
    return kernel_inputs(resolve_model(sc), seed, 0, paths)[0]


def test_degenerate_draws_agree_exactly(scenarios_dir):
    a = _inputs(scenarios_dir, "nanning_2022.yaml", 20_000, 3, 2)
    L = a.claims.level_prob.shape[1]
    level_prob = np.zeros_like(a.claims.level_prob)
    level_prob[np.arange(101), np.arange(101) % L] = 1.0  # level fixed by age
    a = a._replace(
        claims=a.claims._replace(
            level_prob=level_prob, adm_lambda=np.zeros(101), adm_shape=math.inf,
            cost_mu=np.log(np.array([4_000.0, 30_000.0, 90_000.0, 250_000.0])[:L]),
            cost_sigma=np.full(L, 1e-12), cost_ptail=np.zeros(L),
            cost_threshold=np.full(L, np.inf), inscope_mean=np.full(L, 1.0), os_sigma=1e-12),
        che=a.che._replace(sd=0.0),
    )
    kt, kh = simulate_claims(a)
    rt, rh = reference_claims(a)
    assert kt[..., T["simi_beneficiaries"]].sum() > 100  # the SIMI bands are exercised
    np.testing.assert_allclose(rt, kt, rtol=1e-9, atol=1e-6)
    np.testing.assert_array_equal(rh, kh)


def test_means_agree_within_monte_carlo_error(scenarios_dir):
    a = _inputs(scenarios_dir, "default.yaml", 60_000, 2, 60)
    kt, _ = simulate_claims(a)
    rt, _ = reference_claims(a)
    for name in ("claimants", "hospitalised", "os_claimants"):  # the counts are inputs
        np.testing.assert_array_equal(rt[..., T[name]], kt[..., T[name]])
    d = (kt - rt).reshape(-1, kt.shape[-1])  # independent path-years: paired differences
    for name in TALLY_NAMES:
        j = T[name]
        se = d[:, j].std(ddof=1) / math.sqrt(d.shape[0])
        if se == 0.0:
            continue
        z = d[:, j].mean() / se
        assert abs(z) < 4.5, f"{name}: kernel {kt[..., j].mean():.6g} vs numpy " \
                             f"{rt[..., j].mean():.6g} (z = {z:.2f})"
        if name in ("total_cost", "bmi_paid", "simi_paid", "admissions", "che_cases"):
            # the test has power: 4.5 standard errors are at most 6 % of the mean
            assert 4.5 * se < 0.06 * abs(kt[..., j].mean()), name

