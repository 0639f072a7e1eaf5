"""simi run writes complete, atomic outputs; bad input exits 2 without a traceback."""

import json

import pandas as pd

from simi_actuarial.cli import main


def test_run_writes_summary_paths_manifest(repo_root, tmp_path, capsys):
    out = tmp_path / "run"
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "6",
               "--out", str(out), "--quiet"])
    assert rc == 0
    summary = pd.read_csv(out / "summary.csv")
    required = """year insured simi_income_mean simi_expenditure_mean simi_per_insured_mean
    beneficiaries_mean loss_ratio_mean p_current_deficit p_current_deficit_se
    p_accumulated_deficit p_accumulated_deficit_se simi_accumulated_balance_p05
    simi_accumulated_balance_p50 simi_accumulated_balance_p95 bmi_income_mean
    bmi_expenditure_mean bmi_accumulated_balance_p50 share_bmi share_simi share_assistance
    share_patient_in_scope share_self_pay simi_actual_payment_ratio simi_episode_payment_ratio
    che_rate_mean""".split()
    assert set(required) <= set(summary.columns)
    assert len(summary) == 5
    paths = pd.read_parquet(out / "paths.parquet")
    assert len(paths) == 6 * 5
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True
    assert manifest["paths"] == 6 and len(manifest["scenario_hash"]) == 64
    assert not list(out.glob(".*.tmp"))
    assert (out / "summary.csv").stat().st_mode & 0o044  # readable by others, not 0600
    assert "small_guangxi" in capsys.readouterr().out


def test_run_rejects_bad_override_with_exit_2(repo_root, tmp_path, capsys):
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "2",
               "--out", str(tmp_path / "x"), "--set", "risk.cost_trend=fast", "--quiet"])
    assert rc == 2
    err = capsys.readouterr().err
    assert "risk.cost_trend" in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_run_without_financing_is_a_clear_error(repo_root, tmp_path, capsys):
    rc = main(["run", str(repo_root / "scenarios/zhanjiang_2019.yaml"), "--paths", "2",
               "--out", str(tmp_path / "y"), "--set", "financing=null", "--quiet"])
    assert rc == 2
    assert "financing" in capsys.readouterr().err


def test_solve_cli_reports_solution_and_rerun(repo_root, capsys):
    import json as _json

    rc = main(["solve", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "40",
               "--alpha", "0.2", "--bootstrap", "50", "--quiet", "--json"])
    assert rc == 0
    out = _json.loads(capsys.readouterr().out)
    assert out["target"] == "accumulated" and out["paths"] == 40
    assert out["ci_low"] <= out["per_capita"] <= out["ci_high"]
    assert 0 <= out["verify_probability"] <= 1 and out["verify_seed"] != 11


def test_solve_cli_rejects_bad_alpha(repo_root, capsys):
    rc = main(["solve", str(repo_root / "tests/data/small_guangxi.yaml"), "--alpha", "1.5"])
    assert rc == 2
    assert "--alpha" in capsys.readouterr().err


def test_summary_reports_the_insurer_settlement(repo_root):
    # small_guangxi has an insurer contract: the settlement columns agree with the paths
    import numpy as np

    import simi_actuarial as sa

    res = sa.simulate(repo_root / "tests/data/small_guangxi.yaml", paths=8, seed=3)
    s, f = res.summary, res.funds
    assert res.scenario.fund.insurer is not None
    np.testing.assert_allclose(s["fund_net_cost_mean"],
                               (f.fund_loss_share - f.returned_surplus).mean(axis=0))
    np.testing.assert_allclose(s["p_insurer_loss"], (f.insurer_result < 0).mean(axis=0))
    np.testing.assert_allclose(s["insurer_cumulative_result_mean"],
                               np.cumsum(f.insurer_result, axis=1).mean(axis=0))
    cum_loss = (np.cumsum(f.insurer_result, axis=1) < 0).mean(axis=0)
    np.testing.assert_allclose(s["p_insurer_cumulative_loss"], cum_loss)
    # the settlement splits the layer's result exactly: result = returned + insurer - fund
    np.testing.assert_allclose(f.simi_balance,
                               f.returned_surplus + f.insurer_result - f.fund_loss_share,
                               rtol=1e-12, atol=1e-6)
