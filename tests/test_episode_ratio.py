"""The per-episode SIMI actual payment ratio (Jiang (2024) Tables 8-10: mean over
SIMI-reimbursed admissions of SIMI / in-scope cost left after BMI).

The kernel settles a beneficiary's admissions one by one by replaying their draws from the
stream; here the same admissions, drawn through the kernel's own sampler, go through the
pure-Python reference (``rules.reference.episodes``, which settles prefixes of the year
literally), and the run's tallies are checked against their definition. The numpy oracle's
agreement is in ``test_bench_reference.py``; a hand-computed case in
``test_rules_handcomputed.py``.
"""

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.calibration.statistics import statistic
from simi_actuarial.engine.kernel import draw_admission, episode_tallies
from simi_actuarial.engine.model import resolve_model
from simi_actuarial.engine.rng import stream_key
from simi_actuarial.engine.simulate import kernel_inputs
from simi_actuarial.engine.tallies import BEN_BAND_EDGES, EPISODE_OLD_AGE, N_TALLIES, T
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.rules.reference import Admission, episodes
from simi_actuarial.scenario.loader import load_scenario

# cost level x 3 so that most persons with a few admissions cross the line
SMALL = ["population.insured=20000", "horizon.years=1", "morbidity.cost_multiplier=3"]


@pytest.fixture(scope="module")
def nanning(scenarios_dir):
    return load_scenario(scenarios_dir / "nanning_2022.yaml", SMALL)


@pytest.mark.parametrize("name, extra", [
    ("nanning_2022.yaml", "simi.deductible_counts_toward_line=true"),
    ("nanning_2022.yaml", "simi.deductible_counts_toward_line=false"),
    ("zhanjiang_2019.yaml", "horizon.start_year=2019"),  # cap on BMI + SIMI together
    ("nanning_2022.yaml", "simi.self_pay_counted_share=0.5"),  # out-of-scope cost counted
])
def test_kernel_replay_equals_the_reference_settlement(scenarios_dir, name, extra):
    sc = load_scenario(scenarios_dir / name, [*SMALL, extra])
    inputs = kernel_inputs(resolve_model(sc), 11, 0, 1)[0]
    table = resolve_rules(sc)
    law, rules = inputs.claims, inputs.rules
    year = int(sc.horizon.start_year)
    y = table.year_index(year)
    rng = np.random.default_rng(5)
    checked = paid = 0
    for person in range(400):
        g = int(rng.integers(len(table.group_names)))
        cat = int(table.group_category[g])
        age = int(rng.integers(30, 90))
        n_adm = int(rng.integers(1, 6))
        os_in = float(rng.choice([0.0, 12_000.0]))
        os_b = 0.6 * os_in
        os_total = os_in / 0.9
        # numba returns uint64 as Python ints: pass them back as np.uint64
        key = np.uint64(stream_key(np.uint64(3), np.uint64(person), np.uint64(year),
                                   np.uint64(0)))
        ctr = np.uint64(0)
        adms = []
        for _ in range(n_adm):
            lvl, cost, ins, ctr = draw_admission(key, ctr, law, age, 1.0)
            ctr = np.uint64(ctr)
            adms.append(Admission(int(lvl), cost, ins))
        row = np.zeros(N_TALLIES)
        episode_tallies(row, key, np.uint64(0), n_adm, law, age, 1.0, y, g, cat,
                        os_in, os_b, os_total - os_in, rules)
        pairs = [(a, e) for a, e in zip(adms, episodes(table, year, g, adms, os_in, os_b,
                                                          os_total), strict=True)
                 if e.simi_paid > 0 and e.compliant_cost - e.bmi_paid > 0]
        ref = [e for _, e in pairs]
        costs = [a.total_cost for a, _ in pairs]
        assert row[T["ben_episodes"]] == len(ref)
        assert row[T["ben_episode_ratio_sum"]] == pytest.approx(
            sum(e.actual_payment_ratio for e in ref), rel=1e-12, abs=1e-12)
        assert row[T["ben_episode_simi"]] == pytest.approx(sum(e.simi_paid for e in ref),
                                                           rel=1e-12, abs=1e-9)
        assert row[T["ben_episode_cost"]] == pytest.approx(sum(costs), rel=1e-12)
        lo20, lo40, lo60 = BEN_BAND_EDGES
        for name, lo, hi in (("ben_ep_lt20k", 0.0, lo20), ("ben_ep_20k_40k", lo20, lo40),
                             ("ben_ep_40k_60k", lo40, lo60)):
            assert row[T[name]] == sum(lo <= c < hi for c in costs)
        assert row[T["ben_ep_60plus"]] == (len(ref) if age >= EPISODE_OLD_AGE else 0)
        checked += 1
        paid += len(ref)
    assert paid > 200  # the line is crossed often enough to test something


def test_run_tallies_are_consistent(nanning):
    res = sa.simulate(nanning, paths=4, seed=9)
    ep, ratio = res.tally("ben_episodes"), res.tally("ben_episode_ratio_sum")
    assert (ep <= res.tally("ben_admissions")).all()
    assert (ep >= res.tally("simi_beneficiaries") * 0.5).all()  # most beneficiaries: >= 1
    # each ratio lies in (0, 0.95]: the highest band rate (poor group, 60k+)
    assert (ratio > 0).all() and (ratio <= 0.95 * ep).all()
    mean = ratio.sum() / ep.sum()
    assert statistic(res, "simi_episode_payment_ratio", 2022) == pytest.approx(mean)
    assert res.summary["simi_episode_payment_ratio"].iloc[0] == pytest.approx(
        np.mean(ratio / ep))
