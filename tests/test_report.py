"""simi run --report / simi report DIR: a self-contained HTML report rebuilt from files."""

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

import simi_actuarial as sa
from simi_actuarial.cli import main
from simi_actuarial.report import RunFiles, build_report
from simi_actuarial.rules.text import summarize

HEADINGS = ("Conclusion", "Scenario summary", "Key assumptions and where they come from",
            "Resolved rules per year", "Results by year",
            "Fund indicators and financing standard", "Insurer contract", "Figures",
            "Monte Carlo error", "Manifest (provenance)")


@pytest.fixture(scope="module")
def run_dir(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "run"
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "20",
               "--threads", "1", "--out", str(out), "--quiet", "--report",
               "--set", "simi.schedules.general.starting_line.2023=9000"])
    assert rc == 0
    return out


def _sections(html):
    return dict(re.findall(r'<section id="([a-z-]+)"><h2>(.*?)</h2>', html))


def test_run_report_has_every_section_and_embedded_figures(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    secs = _sections(html)
    assert list(secs) == ["conclusion", "scenario", "assumptions", "rules", "tables",
                          "financing", "insurer", "plots",
                          "mc-error", "manifest"]
    assert tuple(secs.values()) == HEADINGS
    # six figures + the contract frontier of the insurer section
    assert html.count('src="data:image/png;base64,') == 7
    assert not re.search(r'(src|href)="(https?:|file:|/)', html)  # self-contained
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["scenario_hash"] in html
    # resolved rules per year: the validate summary and the line change in 2023
    sc = RunFiles.load(run_dir).scenario
    assert summarize(sc).splitlines()[0] in html
    assert "2021-2022:" in html and "2023-2025:" in html
    assert "<td>9,000</td>" in html and "<td>8,000</td>" in html


def test_report_opens_with_the_answer_and_the_assumptions_provenance(run_dir):
    """The conclusion states the flat required standard (the same figure as the solver's)
    and the year-by-year path; the assumptions table names where each comes from and warns
    that morbidity was not fitted in this file (it comes from the calibrated Guangxi file)."""
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    run = RunFiles.load(run_dir)
    flat = sa.required_financing(run, "accumulated", 0.05, bootstrap=199, seed=run.seed)
    con = html.split('id="conclusion"')[1].split("</section>")[0]
    assert f"A flat standard of {flat.per_capita:,.2f} CNY per insured" in con
    assert con.count("<tr>") == len(run.years) + 1  # header + one row per year
    ass = html.split('id="assumptions"')[1].split("</section>")[0]
    assert "--set simi.schedules.general.starting_line.2023=9000" in ass
    assert "this file (small_guangxi.yaml)" in ass  # population.insured
    assert "inherited from " in ass and "guangxi_2021.yaml" in ass  # the SIMI rules
    assert "WARNING: morbidity and costs are the model&#x27;s national defaults" in ass \
        or "WARNING: morbidity and costs are the model's national defaults" in ass


def test_mc_error_statement_matches_the_summary(run_dir):
    html = (run_dir / "report.html").read_text(encoding="utf-8")
    s = pd.read_csv(run_dir / "summary.csv")
    mc = html.split('id="mc-error"')[1].split("</section>")[0]
    assert "20 independent Monte Carlo paths (seed 11)" in mc
    assert f"{s.p_accumulated_deficit_se.max():.4f}" in mc
    assert f"{0.5 / np.sqrt(20):.4f}" in mc
    assert "Caution" in mc  # 20 paths: too few for tail quantities


def test_report_rebuilds_from_the_files_alone(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    rc = main(["report", str(copy), "--figures", str(tmp_path / "figs")])
    assert rc == 0
    rebuilt = (copy / "report.html").read_text(encoding="utf-8")
    original = (run_dir / "report.html").read_text(encoding="utf-8")
    assert _sections(rebuilt) == _sections(original)
    # same numbers: tables are identical (paths.parquet / summary.csv / manifest only)
    table = re.compile(r"<table>.*?</table>", re.S)
    assert table.findall(rebuilt) == table.findall(original)
    assert len(list((tmp_path / "figs").glob("*.png"))) == 6


def test_run_files_agree_with_the_in_memory_result(repo_root, tmp_path):
    sc = sa.load_scenario(repo_root / "tests/data/small_guangxi.yaml")
    res = sa.simulate(sc, paths=12, seed=3, threads=1)
    sa.write_results(res, tmp_path)
    run = RunFiles.load(tmp_path)
    np.testing.assert_array_equal(run.tally("simi_paid"), res.tally("simi_paid"))
    np.testing.assert_array_equal(run.insured, res.insured)
    a = sa.required_financing(run, "accumulated", 0.1, bootstrap=30, seed=2)
    b = sa.required_financing(res, "accumulated", 0.1, bootstrap=30, seed=2)
    assert a == b


def _bad(run_dir, tmp_path, edit):
    copy = tmp_path / "bad"
    shutil.copytree(run_dir, copy)
    (copy / "report.html").unlink()
    edit(copy)
    return copy


def test_bad_run_directories_exit_2_naming_the_problem(run_dir, tmp_path, capsys):
    def tamper(d):
        m = json.loads((d / "manifest.json").read_text())
        m["scenario_resolved"]["financing"]["simi_per_capita"] = 999.0
        (d / "manifest.json").write_text(json.dumps(m))

    def incomplete(d):
        m = json.loads((d / "manifest.json").read_text())
        m["complete"] = False
        (d / "manifest.json").write_text(json.dumps(m))

    cases = [
        (lambda d: (d / "paths.parquet").unlink(), "paths.parquet: missing"),
        (tamper, "scenario_hash: does not match"),
        (incomplete, "not complete"),
        (lambda d: (d / "summary.csv").write_text("year,insured\n2021,1\n"),
         "summary.csv: its years do not match"),
    ]
    for i, (edit, message) in enumerate(cases):
        bad = _bad(run_dir, tmp_path / str(i), edit)
        assert main(["report", str(bad)]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
        assert not (bad / "report.html").exists()  # nothing written on failure
    assert main(["report", str(tmp_path / "nowhere")]) == 2
    assert "not a directory" in capsys.readouterr().err
    with pytest.raises(sa.SimiInputError, match="--alpha"):
        build_report(run_dir, tmp_path / "x.html", alpha=1.5)
