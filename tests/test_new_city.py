"""A new city: the targets template of `simi calibrate --init`, the key-assumption
provenance of `simi validate`, and the shipped walkthrough example (docs/new-city.md)."""

from __future__ import annotations

from cli_capture import assert_clear_rejection, run_cli

from simi_actuarial.calibration.targets import read_targets
from simi_actuarial.calibration.template import FIGURES, check_filled
from simi_actuarial.scenario.loader import load_scenario
from simi_actuarial.scenario.provenance import assumptions, morbidity_warning


def test_init_writes_a_valid_template_that_calibrate_refuses_until_filled(tmp_path,
                                                                          scenarios_dir):
    out = tmp_path / "targets_mycity.yaml"
    rc, _, err = run_cli(["calibrate", "--init", "mycity", str(scenarios_dir / "nanning_2022.yaml"),
                          "--years", "2021,2022", "--out", str(out)])
    assert rc == 0, err
    tf = read_targets(out)  # the parser of `simi calibrate` accepts it as written
    assert tf.name == "mycity_calibrated"
    assert [(t.statistic, t.year) for t in tf.targets] == [
        (s, y) for y in (2021, 2022) for s, *_ in FIGURES]
    assert {p.path for p in tf.parameters} == {"morbidity.incidence_multiplier",
                                               "morbidity.cost_multiplier"}
    rc, _, err = run_cli(["calibrate", "--targets", str(out)])
    assert_clear_rejection(rc, err)
    assert "targets[0] (simi_per_insured 2021): still a placeholder" in err
    # filled in: accepted
    text = out.read_text().replace('"FILL IN: author/office, title, year, table"',
                                   '"Bureau accounts 2022, table 1"')
    out.write_text(text)
    check_filled(read_targets(out))
    # never overwritten
    rc, _, err = run_cli(["calibrate", "--init", "mycity", "--out", str(out)])
    assert_clear_rejection(rc, err)
    assert "not overwritten" in err


def test_init_rejects_a_bad_place_name(tmp_path):
    rc, _, err = run_cli(["calibrate", "--init", "My City", "--out", str(tmp_path / "t.yaml")])
    assert_clear_rejection(rc, err)
    assert "--init" in err


def test_provenance_names_this_file_inherited_files_overrides_and_defaults(scenarios_dir):
    path = scenarios_dir / "default.yaml"
    sc = load_scenario(path, ["risk.cost_trend=0.06"])
    rows = {r["assumption"]: r for r in assumptions(path, sc, ["risk.cost_trend=0.06"])}
    assert rows["insured persons"]["origin"] == "this file (default.yaml)"
    assert rows["SIMI financing (CNY per insured)"]["origin"].endswith("guangxi_2021.yaml")
    assert rows["cost trend"]["origin"] == "--set risk.cost_trend=0.06"
    assert rows["cost trend"]["value"] == "6.0%/yr"
    inc = rows["hospitalisation (incidence)"]
    assert inc["kind"] == "inherited"
    assert inc["origin"].endswith("guangxi_2021_calibrated.yaml, fitted by simi calibrate")
    assert rows["SIMI rules"]["origin"].endswith("guangxi_2021.yaml")
    assert rows["utilisation trend"]["kind"] == "default"
    assert "not fitted in this file" in morbidity_warning(list(rows.values()))


def test_validate_shows_financing_histories_and_warns_on_national_defaults(scenarios_dir):
    rc, out, err = run_cli(["validate", str(scenarios_dir / "guangxi_2021_indexed.yaml")])
    assert rc == 0, err
    assert "financing: simi_per_capita 108" in out
    assert "simi.schedules.general.starting_line: start: 8,000, 2022: indexed(" in out
    assert "key assumptions" in out
    assert "WARNING: morbidity and costs are the model's national defaults" in out


def test_walkthrough_example_is_fitted_here_and_validates(repo_root, monkeypatch):
    """examples/newcity: the calibrated scenario fitted morbidity itself (no warning), its
    population comes from the fitted file, and it resolves from the repository root."""
    monkeypatch.chdir(repo_root)
    path = "examples/newcity/newcity_calibrated.yaml"
    sc = load_scenario(path)
    assert sc.morbidity.claimant_probability is not None
    assert sc.population.insured == 150_002
    rows = assumptions(path, sc)
    assert morbidity_warning(rows) is None
    pop = {r["assumption"]: r for r in rows}["insured persons"]["origin"]
    assert "newcity.yaml, fitted by simi fit-claims" in pop
    size = sum(p.stat().st_size for p in (repo_root / "examples").rglob("*") if p.is_file())
    assert size < 2_000_000


def test_run_ends_with_the_headline_and_refuses_to_overwrite(repo_root, tmp_path):
    import simi_actuarial as sa

    out = tmp_path / "run"
    argv = ["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "12",
            "--threads", "1", "--out", str(out), "--quiet"]
    rc, text, err = run_cli(argv)
    assert rc == 0, err
    tail = text[text.index("Required SIMI financing standard"):]
    from simi_actuarial.report import RunFiles

    run = RunFiles.load(out)
    flat = sa.required_financing(run, "accumulated", 0.05, bootstrap=0)
    assert f"flat 2021-2025: {flat.per_capita:,.2f} CNY per insured" in tail
    for y in run.years:
        cur = sa.required_financing(run, "current", 0.05, year=int(y), bootstrap=0)
        assert f"{int(y)} {cur.per_capita:,.2f} (" in tail
    rc, _, err = run_cli(argv)  # a complete run is not overwritten
    assert_clear_rejection(rc, err)
    assert "holds a complete run" in err
    rc, _, err = run_cli([*argv, "--force"])
    assert rc == 0, err


def test_compare_labels_formats_and_required_standard_change(repo_root):
    path = str(repo_root / "tests/data/small_guangxi.yaml")
    rc, out, err = run_cli(["compare", path, path, "--paths", "12", "--threads", "1",
                            "--quiet", "--year", "2022", "--set",
                            "simi.schedules.general.starting_line=12000"])
    assert rc == 0, err
    assert "--set on the reform: simi.schedules.general.starting_line=12000" in out
    assert "e+" not in out  # no scientific notation
    line = [x for x in out.splitlines() if x.startswith("required standard")][0]
    assert "change -" in line  # a higher line needs less financing
    rc, helptext, _ = run_cli(["compare", "--help"])
    assert "REFORM only" in " ".join(helptext.split())


def test_compare_refuses_different_horizons_before_simulating(scenarios_dir):
    # found by a new-user trial (2026-12-01): a traceback (exit 1) after both simulations
    rc, _, err = run_cli(["compare", str(scenarios_dir / "guangxi_2021.yaml"),
                          str(scenarios_dir / "nanning_2022.yaml"), "--paths", "100000"])
    assert_clear_rejection(rc, err)
    assert "horizon: the reform covers 2022-2031, the base 2021-2030" in err


def test_validate_prints_band_histories_as_rules(scenarios_dir):
    # new-user trial (2026-12-01): band histories were printed as raw Python dicts
    rc, out, err = run_cli(["validate", str(scenarios_dir / "nanning_2022.yaml")])
    assert rc == 0, err
    assert ("simi.schedules.general.bands: start: 0+:50% 20,000+:60% 40,000+:70% "
            "60,000+:80%, 2021: 0+:55%") in out
    assert "{'lower'" not in out


def test_unwritable_output_directory_is_named(repo_root, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    rc, _, err = run_cli(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths",
                          "2", "--out", str(blocker / "sub"), "--quiet"])
    assert rc == 1
    assert f"--out: cannot write to {blocker / 'sub'}" in err
    assert "Traceback" not in err


def test_stated_readmission_source_is_shown_only_beside_the_values_it_describes(
        scenarios_dir, tmp_path):
    """A file that sets the readmission law and says where it comes from gets that text in
    the origin column; a child that changes the values without a source of its own, or a
    --set, does not inherit the parent's text."""
    base = tmp_path / "base.yaml"
    base.write_text(f"extends: {scenarios_dir / 'nanning_2022.yaml'}\nname: base\n"
                    "morbidity:\n  extra_admissions_old: 0.7\n"
                    "  readmissions_source: fitted to somewhere\n")
    child = tmp_path / "child.yaml"
    child.write_text("extends: base.yaml\nname: child\n")
    changed = tmp_path / "changed.yaml"
    changed.write_text("extends: base.yaml\nname: changed\nmorbidity:\n"
                       "  extra_admissions_old: 0.8\n")

    def row(path, overrides=()):
        sc = load_scenario(path, list(overrides))
        return {r["assumption"]: r for r in assumptions(path, sc, list(overrides))}[
            "readmissions"]

    assert row(base)["origin"] == "this file (base.yaml): fitted to somewhere"
    assert row(child)["origin"].endswith("base.yaml: fitted to somewhere")
    assert row(child)["value"].startswith("extra admissions per hospitalised person 0.2 ")
    assert row(changed)["origin"] == "this file (changed.yaml)"
    assert row(child, ["morbidity.extra_admissions_young=0.3"])["origin"] == \
        "--set morbidity.extra_admissions_young=0.3"
    plain = scenarios_dir / "nanning_2022.yaml"
    assert row(plain)["origin"].startswith("model default: ASSUMPTION")
