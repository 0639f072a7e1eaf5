"""Review of the proxy engine (issue 15): cases the first tests did not reach.

Each test runs a small scenario (100k insured, 2 years, a few paths): the proxy's tables
are built in a few seconds.
"""

import math

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.engine.proxy.evaluate import estimation_variance
from simi_actuarial.engine.simulate import simulate_raw
from simi_actuarial.engine.systematic import SystematicFactors
from simi_actuarial.engine.tallies import T
from simi_actuarial.results import SimulationResult
from simi_actuarial.solve import Z95, required_financing


@pytest.fixture(scope="module")
def small_proxy(repo_root):
    sc = sa.load_scenario(repo_root / "scenarios" / "national_2021.yaml", overrides=[
        "population.insured=100000", "horizon.years=2"])
    return simulate_raw(sc, 60, 5, engine="proxy")


def test_loss_ratio_standard_carries_the_proxy_estimation_error(small_proxy):
    """The loss-ratio standard is the mean claims over paths divided by the income: the
    proxy's error of its estimated mean claims (common to every path of a year, independent
    between years) moves it one for one, so its sd is, hand-computed,
    ``sqrt(Σ_t (mean_p sd_pt)^2) / den`` with ``den = value Σ_t N_t``, and the CI holds it."""
    res = SimulationResult(small_proxy)
    fac = SystematicFactors(cost_index=small_proxy.cost_index,
                            utilisation=small_proxy.utilisation, trend=None, incidence=None)
    sd = np.sqrt(estimation_variance(small_proxy.proxy, fac, T["simi_paid"]))  # (P, Y)
    value = 0.9
    den = value * float(np.sum(res.insured))
    expected = math.sqrt(float(np.sum(sd.mean(axis=0) ** 2))) / den
    rf = required_financing(res, "loss_ratio", value=value, bootstrap=200)
    assert expected > 0
    assert rf.proxy_error_sd == pytest.approx(expected, rel=1e-9)
    assert rf.ci_high - rf.ci_low >= 2 * Z95 * expected * (1 - 1e-9)
    # one year only: that year's error alone
    y1 = int(res.years[1])
    rf1 = required_financing(res, "loss_ratio", value=value, year=y1, bootstrap=0)
    assert rf1.proxy_error_sd == pytest.approx(
        float(sd[:, 1].mean()) / (value * float(res.insured[1])), rel=1e-9)
