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
    share_patient_in_scope share_self_pay simi_actual_payment_ratio che_rate_mean""".split()
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
