"""Extreme but valid settings give finite, conserved results; a non-finite tally stops the
run with a message (exit 1) and no results."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conservation import assert_money_conserved

from simi_actuarial import engine
from simi_actuarial.api import simulate
from simi_actuarial.cli import main
from simi_actuarial.engine.tallies import T
from simi_actuarial.scenario.loader import load_scenario

SIMI_SCHEDULES = ("general", "special")


def _run(path, overrides, paths=3, seed=7):
    sc = load_scenario(path, overrides)
    return simulate(sc, paths=paths, seed=seed, threads=1)


def _check(res):
    """Finite tallies and fund paths; the benefit chain conserves money per path-year."""
    t = res.raw.tallies
    assert np.isfinite(t).all()
    assert (t >= 0).all()
    f = res.funds
    for name in ("simi_income", "simi_claims", "simi_expenditure", "simi_balance",
                 "simi_accumulated"):
        assert np.isfinite(getattr(f, name)).all(), name
    assert_money_conserved(t, rtol=1e-9, atol=1e-6)
    summary = res.summary.drop(columns=[c for c in res.summary if c.startswith(("bmi_",
                                                                               "p_bmi"))])
    values = summary.to_numpy(dtype=float)
    assert not np.isinf(values).any()
    for col in ("insured", "simi_income_mean", "simi_expenditure_mean", "p_current_deficit",
                "p_accumulated_deficit", "simi_accumulated_balance_p50", "che_rate_mean"):
        assert np.isfinite(summary[col]).all(), col


def test_bmi_rate_one_without_cap(small_guangxi):
    levels = ("township", "primary", "secondary", "tertiary")
    res = _run(small_guangxi, [f"bmi.rate.{lv}=1.0" for lv in levels] + ["bmi.annual_cap=null"])
    _check(res)
    t = res.raw.tallies
    # BMI pays everything above the deductibles: what is left in scope is at most them
    assert (t[..., T["bmi_paid"]] <= t[..., T["in_scope_cost"]]).all()
    assert t[..., T["bmi_paid"]].sum() > 0.9 * t[..., T["in_scope_cost"]].sum()


def test_simi_rate_one_and_cap_zero(small_guangxi):
    rate_one = [f"simi.schedules.{s}.bands=[{{lower: 0, rate: 1.0}}]" for s in SIMI_SCHEDULES]
    res = _run(small_guangxi,
               rate_one + [f"simi.schedules.{s}.annual_cap=0" for s in SIMI_SCHEDULES])
    _check(res)
    assert (res.tally("simi_paid") == 0).all()
    assert (res.tally("simi_beneficiaries") == 0).all()
    assert (res.summary["simi_per_beneficiary_mean"].isna()).all()  # no beneficiary: empty
    full = _run(small_guangxi,
                rate_one + [f"simi.schedules.{s}.annual_cap=null" for s in SIMI_SCHEDULES])
    _check(full)
    assert full.tally("simi_paid").sum() > 0


def test_bmi_cap_zero(small_guangxi):
    """The inpatient BMI cap 0 leaves only the outpatient special-disease BMI benefit (not
    under that cap); without outpatient special diseases BMI pays nothing."""
    res = _run(small_guangxi, ["bmi.annual_cap=0", "morbidity.os_prevalence_at_70=0"])
    _check(res)
    assert (res.tally("bmi_paid") == 0).all()
    assert res.tally("simi_paid").sum() > 0


def test_group_with_zero_share(small_guangxi):
    res = _run(small_guangxi, ["groups.special.share=0", "groups.general.share=1"])
    _check(res)
    assert (res.tally("simi_paid_special") == 0).all()


def test_small_population_with_empty_cells(small_guangxi):
    res = _run(small_guangxi, ["population.insured=3000"], paths=4)
    cells = res.raw.model.cells.insured
    assert (cells == 0).mean() > 0.05  # some age x sex x group cells hold nobody
    _check(res)
    assert res.insured.min() > 0


@pytest.mark.parametrize("insured", [1, 7, 500])
def test_population_too_small_for_whole_persons_is_refused(small_guangxi, insured, tmp_path,
                                                           capsys):
    """Cells hold whole persons: 7 insured would silently become 0 persons, 500 about 465."""
    rc = main(["run", small_guangxi, "--paths", "2", "--out", str(tmp_path / "o"), "--quiet",
               "--set", f"population.insured={insured}"])
    err = capsys.readouterr().err
    assert rc == 2 and "population.insured: too small" in err and "Traceback" not in err


def test_forty_year_horizon(small_guangxi):
    res = _run(small_guangxi, ["horizon.years=40", "population.insured=5000"], paths=3)
    _check(res)
    assert len(res.years) == 40 and (res.insured > 0).all()
    ci = res.raw.cost_index
    assert np.isfinite(ci).all() and (ci > 0).all()


def test_steepest_valid_cost_trend_over_a_century(small_guangxi):
    res = _run(small_guangxi,
               ["horizon.years=100", "risk.cost_trend=0.5", "population.insured=20000"], paths=2)
    _check(res)
    assert res.tally("total_cost")[:, -1].mean() > 1e15  # 1.5^99 growth, still finite


def test_largest_valid_population_without_claims(small_guangxi):
    """2 billion insured (the schema's maximum): populations, cells and income stay exact
    enough and finite; the claims side is switched off to keep the test fast."""
    res = _run(small_guangxi, ["population.insured=2000000000", "horizon.years=2",
                               "morbidity.incidence_multiplier=0",
                               "morbidity.os_prevalence_at_70=0"], paths=1)
    _check(res)
    assert abs(res.insured[0] - 2e9) < 1e-3 * 2e9
    assert (res.tally("claimants") == 0).all()
    np.testing.assert_allclose(res.funds.simi_income[0], 108.0 * res.insured, rtol=1e-12)


def test_large_population_with_claims(small_guangxi):
    res = _run(small_guangxi, ["population.insured=3000000", "horizon.years=1"], paths=1)
    _check(res)
    rate = res.tally("hospitalised")[0, 0] / res.insured[0]
    assert 0.05 < rate < 0.2


def test_non_finite_tally_stops_the_run(small_guangxi, tmp_path, monkeypatch, capsys):
    real = engine.simulate.run_batch

    def poisoned(model, seed, first, n):
        res = real(model, seed, first, n)
        if first > 0:
            res.tallies[0, 1, T["simi_paid"]] = np.inf
        return res

    monkeypatch.setattr(engine.simulate, "run_batch", poisoned)
    out = tmp_path / "run"
    rc = main(["run", small_guangxi, "--paths", "4", "--batch-paths", "2", "--out", str(out),
               "--quiet"])
    err = capsys.readouterr().err
    assert rc == 1
    assert "non-finite tally simi_paid in path 2, year 2022" in err
    assert "Traceback" not in err
    assert not (out / "summary.csv").exists()
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
