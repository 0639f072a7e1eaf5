"""simi fit-claims: a synthetic extract drawn from known parameters is fitted back (every
parameter within a few standard errors), the fitted scenario reproduces the extract's own
figures (admissions per insured, cost per admission by level, share above 50,000 CNY, SIMI
paid per insured from `simi reimburse`) within 5 %, and bad rows are named by line."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from cli_capture import assert_clear_rejection, run_cli

from simi_actuarial.fitting.extract import read_extract
from simi_actuarial.fitting.synthetic import Truth, write_extract
from simi_actuarial.scenario.loader import load_scenario

GROUPS = {"general": 0.95, "poor": 0.05}
LEVELS = ["township", "primary", "secondary", "tertiary"]
INSURED = 400_000


@pytest.fixture(scope="module")
def extract(tmp_path_factory, scenarios_dir):
    d = tmp_path_factory.mktemp("fit")
    truth = Truth()
    write_extract(truth, INSURED, d / "claims.csv", d / "insured.csv", groups=GROUPS, seed=11)
    rc, out, err = run_cli(["fit-claims", str(scenarios_dir / "nanning_2022.yaml"),
                            "--claims", str(d / "claims.csv"), "--insured",
                            str(d / "insured.csv"), "--year", "2022", "--out",
                            str(d / "fitted.yaml")])
    assert rc == 0, err
    from simi_actuarial.fitting.fit import fit_claims

    fit = fit_claims(load_scenario(scenarios_dir / "nanning_2022.yaml"), d / "claims.csv",
                     d / "insured.csv", 2022)
    return d, truth, fit, out


def _z(est, se, true):
    return (np.asarray(est) - np.asarray(true)) / np.asarray(se)


def test_cost_parameters_recovered_within_standard_errors(extract):
    _, t, fit, _ = extract
    c = fit.costs
    assert c.threshold_ci_[0] <= c.threshold_ <= c.threshold_ci_[1]
    assert abs(c.threshold_ - t.threshold) < 3 * c.threshold_se_
    assert np.all(np.abs(_z(c.mu_, c.mu_se_, t.mu)) < 3)
    assert np.all(np.abs(_z(c.sigma_, c.sigma_se_, t.sigma)) < 3)
    # tail share and index where the tail has hundreds of admissions (secondary, tertiary);
    # the binomial SE at the true share
    n = c.n_
    big = [2, 3]
    assert np.all(np.abs((c.p_tail_ - t.p_tail) / np.sqrt(t.p_tail * (1 - t.p_tail) / n))[big]
                  < 3)
    assert np.all(np.abs(_z(c.alpha_, c.alpha_se_, t.alpha))[big] < 3)
    # the mean cost per admission: fitted spliced mean vs the truth's
    from simi_actuarial.morbidity.severity import spliced_mean

    true_mean = [spliced_mean(t.mu[i], t.sigma[i], t.threshold, t.alpha[i], t.p_tail[i])
                 for i in range(4)]
    assert np.all(np.abs(_z(c.mean_, c.mean_se_, true_mean)) < 3)


def test_other_parameters_recovered_within_standard_errors(extract):
    _, t, fit, _ = extract
    a = fit.admissions
    assert abs(_z(a.mean_young_, a.mean_young_se_, t.extra_young)) < 3
    assert abs(_z(a.mean_old_, a.mean_old_se_, t.extra_old)) < 3
    assert abs(_z(a.shape_, a.shape_se_, t.extra_shape)) < 3
    assert np.all(np.abs(_z(fit.inscope.mean_, fit.inscope.mean_se_, t.inscope_mean)) < 3)
    assert abs(fit.inscope.concentration_ / t.inscope_conc - 1) < 0.05
    lm = fit.levels
    assert np.all(np.abs(_z(lm.band_mix_, lm.band_mix_se_, t.band_mix)) < 3.5)
    # claimant probability: smoothed, so judged where the true curve is smooth (ages 5+)
    z = _z(fit.claimants.prob_, fit.claimants.se_, t.claimant_probability)[5:]
    assert np.mean(np.abs(z) < 2) > 0.85, np.round(z, 1)
    assert np.max(np.abs(z)) < 4


def test_fitted_scenario_reproduces_the_extract(extract):
    """Simulated figures of the fitted scenario (systematic risk and outpatient special
    disease switched off: the extract holds neither) vs the extract's own, within 5 %."""
    from simi_actuarial.api import simulate
    from simi_actuarial.claims.reimburse import reimburse_file
    from simi_actuarial.morbidity.resolve import resolve_morbidity
    from simi_actuarial.morbidity.severity import spliced_cdf

    d, _, fit, _ = extract
    sc = load_scenario(d / "fitted.yaml", [
        "risk.cost_shock_sd=0", "risk.utilisation_shock_sd=0", "risk.trend_uncertainty_sd=0",
        "risk.incidence_uncertainty_sd=0", "morbidity.os_prevalence_at_70=0",
        "horizon.years=1"])
    s = simulate(sc, paths=20, seed=5).summary.iloc[0]
    claims = pd.read_csv(d / "claims.csv")
    n_adm = len(claims)
    assert s.insured == INSURED
    assert abs(s.admissions_per_insured_mean / (n_adm / INSURED) - 1) < 0.05
    assert abs(s.cost_per_admission_mean / claims.total_cost.mean() - 1) < 0.05
    # cost per admission by level and the share above 50,000: the resolved arrays that the
    # kernel samples, weighted by the simulated admissions' level mix
    m = resolve_morbidity(sc.morbidity, LEVELS, np.ones((101, 2)))
    by_level = claims.groupby("hospital_level").total_cost.mean()
    for i, lvl in enumerate(LEVELS):
        assert abs(m.expected_cost_per_admission[i] / by_level[lvl] - 1) < 0.05, lvl
    ins = fit.enrolment.insured
    adm_age = np.sum(ins * m.hosp_prob, axis=1) * (1 + m.adm_lambda)
    level_w = adm_age @ m.level_prob
    above = [1 - spliced_cdf(50000.0, m.cost_mu[i], m.cost_sigma[i], m.cost_threshold[i],
                             m.cost_alpha[i], m.cost_ptail[i]) for i in range(4)]
    model_share = float(level_w @ np.array(above) / level_w.sum())
    assert abs(model_share / (claims.total_cost >= 50000).mean() - 1) < 0.05
    totals = reimburse_file(sc, 2022,
                            d / "claims.csv", d / "payments.csv")
    extract_simi = totals.totals["simi_paid"] / INSURED
    assert abs(s.simi_per_insured_mean / extract_simi - 1) < 0.05, (s.simi_per_insured_mean,
                                                                    extract_simi)


def test_writes_scenario_and_diagnostics(extract):
    d, _, _, out = extract
    text = (d / "fitted.yaml").read_text()
    assert "extends:" in text and "claimant_probability" in text and "± " in text
    for name in ("parameters.csv", "by_age_band.csv", "by_level.csv", "by_cost_band.csv",
                 "qq.png", "structure.csv"):
        assert (d / "fitted.fit" / name).stat().st_size > 0
    bands = pd.read_csv(d / "fitted.fit" / "by_cost_band.csv")
    assert bands.observed.sum() == pytest.approx(bands.fitted.sum())
    assert re.search(r"tail threshold \d\d,000 CNY", out)


def test_chunk_size_does_not_change_the_statistics(extract):
    d, *_ = extract
    a = read_extract(d / "claims.csv", LEVELS, list(GROUPS))
    b = read_extract(d / "claims.csv", LEVELS, list(GROUPS), chunk_rows=997)
    for name in ("claimants", "admissions", "extra_hist", "level_by_age", "bin_n"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_allclose(a.bin_s1, b.bin_s1, rtol=1e-12)


def _rejected(tmp_path, scenarios_dir, claim_rows, enrolment: str) -> str:
    """Run fit-claims on the given files; assert a clean exit-2 rejection; its stderr."""
    (tmp_path / "c.csv").write_text("\n".join(claim_rows) + "\n")
    (tmp_path / "i.csv").write_text(enrolment)
    rc, _, err = run_cli(["fit-claims", str(scenarios_dir / "nanning_2022.yaml"), "--claims",
                          str(tmp_path / "c.csv"), "--insured", str(tmp_path / "i.csv"),
                          "--year", "2022", "--out", str(tmp_path / "n.yaml")])
    assert_clear_rejection(rc, err)
    return err


def test_bad_rows_named_by_line(tmp_path, scenarios_dir):
    rows = ["person_id,age,sex,group,hospital_level,total_cost,in_scope_cost",
            "a,40,male,general,tertiary,1000,900",
            "b,forty,male,general,tertiary,1000,900",
            "c,40,x,general,tertiary,1000,900",
            "d,40,female,general,clinic,1000,900"]
    err = _rejected(tmp_path, scenarios_dir, rows, "age,sex,insured\n40,male,100\n40,female,100\n")
    assert "line 3" in err and "age" in err
    assert "line 4" in err and "sex" in err
    assert "line 5" in err and "clinic" in err
    assert "line 2" not in err


def test_enrolment_must_cover_the_extract(tmp_path, scenarios_dir):
    rows = ["person_id,age,sex,group,hospital_level,total_cost,in_scope_cost"]
    rows += [f"p{i},40,male,general,tertiary,1000,900" for i in range(3)]
    err = _rejected(tmp_path, scenarios_dir, rows, "age,sex,insured\n40,male,2\n")
    assert "age 40 male" in err and "3 claimants" in err
