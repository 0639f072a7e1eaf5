"""Scenario loading: bundled files validate; bad input is rejected naming the field."""

from __future__ import annotations

import textwrap

import pytest

from simi_actuarial.cli import main
from simi_actuarial.errors import ScenarioError
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.scenario.base import value_at
from simi_actuarial.scenario.loader import load_scenario

ZJ = "zhanjiang_2019.yaml"


def _problems(exc: ScenarioError) -> dict[str, str]:
    return {path: msg for path, msg in exc.problems}


def _reject(path, *overrides) -> dict[str, str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, list(overrides))
    return _problems(info.value)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


# --- bundled scenarios ---


def _bundled():
    from pathlib import Path

    return sorted((Path(__file__).resolve().parent.parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", _bundled(), ids=lambda p: p.name)
def test_bundled_scenario_validates(path):
    sc = load_scenario(path)
    t = resolve_rules(sc)
    assert sc.horizon.years >= 1
    # group shares sum to 1 in every horizon year
    assert t.group_share.sum(axis=1) == pytest.approx(1.0)
    # every schedule and assumption is sourced
    assert sc.bmi.source and sc.simi.source
    assert all(s.source for s in sc.simi.schedules.values())


def test_bundled_library_is_complete(scenarios_dir):
    names = {p.name for p in scenarios_dir.glob("*.yaml")}
    expected = {
        "zhanjiang_2019.yaml", "nanning_2020.yaml", "nanning_2021.yaml", "nanning_2022.yaml",
        "guangxi_2021.yaml", "guangxi_2021_indexed.yaml", "baise_2020.yaml",
        "chongzuo_2020.yaml", "chongqing_urrbmi_2013.yaml", "national_2021.yaml",
    }
    assert expected <= names


@pytest.mark.parametrize(
    "name, start, line, cap, per_capita",
    [
        # seed002 Tables 2-7/2-12; financing 0.15 x 220 (App. 2, s2.9.4)
        ("zhanjiang_2019.yaml", 2019, 20_000, 600_000, 33.0),
        # seed001 s4.1.5 and Table 3 (premium / insured)
        ("nanning_2020.yaml", 2020, 7_000, 500_000, 54.74),
        ("nanning_2021.yaml", 2021, 8_000, 500_000, 69.74),
        ("nanning_2022.yaml", 2022, 8_000, 500_000, 69.74),
        # seed000 note to Table 1; seed001 s2.1.6.2
        ("guangxi_2021.yaml", 2021, 8_000, 500_000, 108.0),
        # seed000 Table 1 / text; Table 3 financing / insured
        ("baise_2020.yaml", 2020, 5_800, float("inf"), 90.0),
        ("chongzuo_2020.yaml", 2020, 5_500, float("inf"), 115.76),
    ],
)
def test_key_numbers_of_bundled_scenarios(scenarios_dir, name, start, line, cap, per_capita):
    sc = load_scenario(scenarios_dir / name)
    t = resolve_rules(sc)
    g = t.group_names.index("general")
    assert sc.horizon.start_year == start
    assert t.simi_line[0, g] == line
    assert t.simi_cap[0, g] == cap
    assert value_at(sc.financing.simi_per_capita, start) == pytest.approx(per_capita)


# --- rejected input, each naming the dotted field path ---


@pytest.mark.parametrize(
    "override, path, words",
    [
        ("simi.schedules.general.starting_lin=1", "simi.schedules.general.starting_lin",
         "unknown field"),
        ("horizon.years=ten", "horizon.years", "integer"),
        ("horizon.years='10'", "horizon.years", "integer"),  # no str -> int coercion
        ("bmi.rate.tertiary=1.2", "bmi.rate.tertiary", "less than or equal to 1"),
        ("bmi.rate.tertiary={2018: 1.2}", "bmi.rate.tertiary.2018", "less than or equal to 1"),
        ("simi.schedules.general.bands=[{lower: 0, upper: 30000, rate: 0.5}, "
         "{lower: 30000, rate: 1.5}]", "simi.schedules.general.bands[1].rate",
         "less than or equal to 1"),
        ("simi.schedules.general.bands=[{lower: 0, upper: 30000, rate: 0.5}, "
         "{lower: 20000, rate: 0.6}]", "simi.schedules.general.bands", "starts at 20000"),
        ("simi.schedules.general.bands=[{lower: 0, upper: 30000, rate: 0.5}, "
         "{lower: 0, rate: 0.6}]", "simi.schedules.general.bands", "strictly increasing"),
        ("simi.schedules.general.bands=[{lower: 100, rate: 0.5}]",
         "simi.schedules.general.bands", "must start at 0"),
        ("simi.schedules.general.annual_cap=-1", "simi.schedules.general.annual_cap",
         "greater than or equal to 0"),
        ("bmi.annual_cap=-5", "bmi.annual_cap", "greater than or equal to 0"),
        ("simi.schedules.poor.starting_line=25000", "simi.schedules.poor.starting_line",
         "exceeds the general line"),
        ("simi.schedules.general.starting_line={2025: 20000}",
         "simi.schedules.general.starting_line", "after the horizon start"),
        ("groups.general.share=0.5", "groups", "sum to"),
        ("groups.poor.simi_schedule=nowhere", "groups.poor.simi_schedule", "unknown schedule"),
        ("simi.schedules.general.starting_line={indexed: {factor: 0.5, series: nowhere}}",
         "simi.schedules.general.starting_line.indexed.series", "unknown income series"),
        ("hospital_levels=[township, primary, secondary]", "bmi.deductible.tertiary",
         "not in hospital_levels"),
    ],
)
def test_bad_values_name_the_field(scenarios_dir, override, path, words):
    problems = _reject(scenarios_dir / ZJ, override)
    assert path in problems, problems
    assert words in problems[path]


def test_missing_required_field(tmp_path, scenarios_dir):
    text = (scenarios_dir / ZJ).read_text(encoding="utf-8")
    assert "  annual_cap: 200000\n" in text
    p = tmp_path / "s.yaml"
    p.write_text(text.replace("  annual_cap: 200000\n", ""), encoding="utf-8")
    problems = _reject(p)
    assert problems == {"bmi.annual_cap": "required field is missing"}


def test_unknown_top_level_key_in_file(tmp_path, scenarios_dir):
    p = _write(tmp_path, "s.yaml", f"""\
        extends: {scenarios_dir / ZJ}
        horizn: {{start_year: 2019}}
        """)
    assert "unknown field" in _reject(p)["horizn"]


def test_duplicate_key_reports_line(tmp_path):
    p = _write(tmp_path, "dup.yaml", """\
        name: a
        horizon: {start_year: 2020}
        name: b
        """)
    problems = _reject(p)
    [(where, msg)] = problems.items()
    assert where.startswith("line 3")
    assert "duplicate key 'name'" in msg


def test_python_tag_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    p = _write(tmp_path, "tag.yaml", f"""\
        name: !!python/object/apply:os.system ["touch {marker}"]
        """)
    problems = _reject(p)
    [(where, msg)] = problems.items()
    assert where.startswith("line 1")
    assert "python/object" in msg
    assert not marker.exists()


def test_non_utf8_file(tmp_path):
    p = tmp_path / "latin1.yaml"
    p.write_bytes("name: zhanjiang\ndescription: caf\xe9\n".encode("latin-1"))
    [(_, msg)] = _reject(p).items()
    assert "not UTF-8" in msg


def test_empty_file(tmp_path):
    p = _write(tmp_path, "empty.yaml", "")
    [(_, msg)] = _reject(p).items()
    assert "mapping" in msg


def test_bad_set_paths(scenarios_dir):
    # descending into a plain value
    problems = _reject(scenarios_dir / ZJ, "horizon.start_year.month=3")
    assert "cannot set a field inside a plain value" in problems["horizon.start_year.month"]
    # list index out of range
    problems = _reject(scenarios_dir / ZJ, "simi.schedules.general.bands.7.rate=0.5")
    assert "no list item 7" in problems["simi.schedules.general.bands.7.rate"]
    # no '='
    assert "dotted.path=value" in _reject(scenarios_dir / ZJ, "bmi.annual_cap")["bmi.annual_cap"]
    # empty component
    assert "empty path component" in _reject(scenarios_dir / ZJ, "bmi..annual_cap=1")[
        "bmi..annual_cap"]
    # a path that does not exist in the schema
    problems = _reject(scenarios_dir / ZJ, "simi.schedulez.general.starting_line=1")
    assert "unknown field" in problems["simi.schedulez"]


def test_set_values_are_typed(scenarios_dir):
    sc = load_scenario(scenarios_dir / ZJ, ["simi.schedules.general.starting_line=25000",
                                            "simi.schedules.general.annual_cap=null"])
    t = resolve_rules(sc)
    g = t.group_names.index("general")
    assert t.simi_line[0, g] == 25_000
    assert t.simi_cap[0, g] == float("inf")


def test_set_year_key_turns_value_into_history(scenarios_dir):
    sc = load_scenario(scenarios_dir / ZJ, ["simi.schedules.general.starting_line.2022=25000"])
    t = resolve_rules(sc)
    g = t.group_names.index("general")
    # 2019-2021 keep 20,000; 25,000 from 2022
    assert list(t.simi_line[:5, g]) == [20_000, 20_000, 20_000, 25_000, 25_000]


def test_circular_extends(tmp_path):
    _write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    _write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    problems = _reject(tmp_path / "a.yaml")
    assert "circular extends" in problems["extends"]


def test_self_extends(tmp_path):
    _write(tmp_path, "a.yaml", "extends: a.yaml\nname: a\n")
    assert "circular extends" in _reject(tmp_path / "a.yaml")["extends"]


def test_missing_parent(tmp_path):
    _write(tmp_path, "a.yaml", "extends: nowhere.yaml\nname: a\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(tmp_path / "a.yaml")
    assert "cannot read file" in info.value.format()


# --- extends + histories ---


def _child_reform(tmp_path, scenarios_dir, merge: bool):
    marker = "~merge: true, " if merge else ""
    return _write(tmp_path, "child.yaml", f"""\
        extends: {scenarios_dir / ZJ}
        name: child
        horizon: {{start_year: 2019, years: 4}}
        simi:
          schedules:
            general:
              starting_line: {{{marker}2021: 25000}}
              bands: {{{marker}2021: [{{lower: 0, rate: 0.6}}]}}
        """)


def test_extends_history_replaces_the_parents_whole_history(tmp_path, scenarios_dir):
    """A history in a child file is what applies: the parent's earlier years are not kept
    silently, so a reform from 2021 on a 2019 horizon is an error naming both fields."""
    with pytest.raises(ScenarioError) as exc:
        load_scenario(_child_reform(tmp_path, scenarios_dir, False))
    text = exc.value.format()
    assert "simi.schedules.general.starting_line: history starts in 2021" in text
    assert "simi.schedules.general.bands: history starts in 2021" in text


def test_extends_merge_marker_keeps_earlier_values(tmp_path, scenarios_dir):
    t = resolve_rules(load_scenario(_child_reform(tmp_path, scenarios_dir, True)))
    g = t.group_names.index("general")
    # 2019-2020: the parent's plain 20,000 and its four bands; 2021 on: the reform
    assert list(t.simi_line[:, g]) == [20_000, 20_000, 25_000, 25_000]
    assert list(t.band_rate[0, g]) == [0.5, 0.6, 0.7, 0.8]
    assert t.band_rate[2, g, 0] == 0.6 and t.band_lower[2, g, 1] == float("inf")
    # untouched fields are inherited
    assert t.simi_cap[0, g] == 600_000


def test_child_history_is_not_filled_from_the_parents_years(tmp_path, scenarios_dir):
    """The reported surprise: a child's bmi_per_capita {2019: 780, 2020: 820} took the
    parent's 2021-2030 values. Now the child's history is the whole history (here the
    child's years overlap the parent's, whose 2023-2030 values must not be kept)."""
    child = _write(tmp_path, "child.yaml", f"""\
        extends: {scenarios_dir / "default.yaml"}
        name: child
        horizon: {{start_year: 2021, years: 4}}
        financing:
          bmi_per_capita: {{2021: 780, 2022: 820}}
        """)
    f = load_scenario(child).financing
    assert f.bmi_per_capita == {2021: 780, 2022: 820}


def test_delete_marker_removes_inherited_keys(tmp_path, scenarios_dir):
    child = _write(tmp_path, "child.yaml", f"""\
        extends: {scenarios_dir / "guangxi_2021.yaml"}
        name: child
        hospital_levels: [primary, secondary, tertiary]
        bmi:
          deductible: {{township: ~delete}}
          rate: {{township: ~delete}}
        groups:
          general: {{share: 1.0}}
          special: ~delete
        """)
    sc = load_scenario(child)
    assert list(sc.groups) == ["general"]
    assert "township" not in sc.bmi.deductible
    sc2 = load_scenario(scenarios_dir / "guangxi_2021.yaml",
                        ["groups.special=~delete", "groups.general.share=1"])
    assert list(sc2.groups) == ["general"]


def test_nanning_reforms_keep_history(scenarios_dir):
    sc = load_scenario(scenarios_dir / "nanning_2022.yaml")
    t = resolve_rules(sc, years=[2020, 2021, 2022])
    g, p = t.group_names.index("general"), t.group_names.index("poor")
    # seed001 s4.1.5: lines 7,000 / 8,000 / 8,000 and 3,500 / 4,000 / 4,000
    assert list(t.simi_line[:, g]) == [7_000, 8_000, 8_000]
    assert list(t.simi_line[:, p]) == [3_500, 4_000, 4_000]
    # first-band rates 50 / 55 / 60 %; poor +10 pp
    assert list(t.band_rate[:, g, 0]) == [0.50, 0.55, 0.60]
    assert list(t.band_rate[:, p, 0]) == pytest.approx([0.60, 0.65, 0.70])
    fin = sc.financing.simi_per_capita
    assert [value_at(fin, y) for y in (2020, 2021, 2022)] == [54.74, 69.74, 69.74]
    ins = sc.fund.insurer
    assert [value_at(ins.profit_cap, y) for y in (2020, 2021)] == [0.03, 0.02]
    assert [value_at(ins.loss_corridor, y) for y in (2020, 2021)] == [0.03, 0.05]


def test_reform_started_mid_horizon(scenarios_dir):
    # nanning_2021 is written as a reform of 2020: moving its start back shows both regimes
    sc = load_scenario(scenarios_dir / "nanning_2021.yaml", ["horizon.start_year=2020"])
    t = resolve_rules(sc)
    g = t.group_names.index("general")
    assert list(t.simi_line[:3, g]) == [7_000, 8_000, 8_000]


def test_history_over_plain_indexed_line_via_extends(tmp_path, scenarios_dir):
    parent = _write(tmp_path, "parent.yaml", f"""\
        extends: {scenarios_dir / 'guangxi_2021.yaml'}
        name: parent
        simi:
          schedules:
            general:
              starting_line: {{indexed: {{factor: 0.3, series: national}}}}
        """)
    child = _write(tmp_path, "child.yaml", f"""\
        extends: {parent.name}
        name: child
        simi:
          schedules:
            general:
              starting_line: {{~merge: true, 2025: 12000}}
        """)
    t = resolve_rules(load_scenario(child))
    g = t.group_names.index("general")
    # 2021: round(0.3 x 2020 national income 32,189) = 9,656.7 (no rounding); 2025: 12,000
    assert t.simi_line[0, g] == pytest.approx(0.3 * 32_189)
    assert t.simi_line[4, g] == 12_000


def test_set_year_over_plain_indexed_line(scenarios_dir):
    sc = load_scenario(scenarios_dir / "guangxi_2021.yaml", [
        "simi.schedules.general.starting_line={indexed: {factor: 0.3}}",
        "simi.schedules.general.starting_line.2025=12000",
    ])
    t = resolve_rules(sc)
    assert t.simi_line[4, t.group_names.index("general")] == 12_000


def test_plain_indexed_line_over_history(tmp_path, scenarios_dir):
    child = _write(tmp_path, "child.yaml", f"""\
        extends: {scenarios_dir / 'guangxi_2021_indexed.yaml'}
        name: child
        simi:
          schedules:
            general:
              starting_line: {{indexed: {{factor: 0.4, series: national, cap: 15000}}}}
        """)
    t = resolve_rules(load_scenario(child))
    # 2021: 0.4 x 32,189 = 12,875.6
    assert t.simi_line[0, t.group_names.index("general")] == pytest.approx(12_875.6)


def test_indexed_floor_above_cap_reports_one_problem(scenarios_dir):
    problems = _reject(
        scenarios_dir / ZJ,
        "simi.schedules.general.starting_line={indexed: {factor: 0.5, floor: 9000, cap: 8000}}",
    )
    assert problems == {
        "simi.schedules.general.starting_line.indexed": "floor (9000.0) exceeds cap (8000.0)"
    }


@pytest.mark.parametrize("override", [
    "groups.general.share={}",
    "simi.schedules.general.starting_line={}",
])
def test_empty_history_rejected_at_load(scenarios_dir, override):
    problems = _reject(scenarios_dir / ZJ, override)
    assert override.split("=")[0] in problems


@pytest.mark.parametrize("override", [
    "simi.schedules.general.annual_cap={}",
    "bmi.rate.tertiary={}",
])
def test_empty_history_rejected_before_resolution(scenarios_dir, override):
    with pytest.raises(ScenarioError):
        resolve_rules(load_scenario(scenarios_dir / ZJ, [override]))


# --- the CLI ---


def test_cli_validate_good_files(scenarios_dir, capsys):
    files = [str(p) for p in sorted(scenarios_dir.glob("*.yaml"))]
    assert main(["validate", *files]) == 0
    out = capsys.readouterr().out
    assert out.count("OK ") == len(files)
    assert "SIMI[general]" in out


def test_cli_validate_bad_file(tmp_path, scenarios_dir, capsys):
    bad = _write(tmp_path, "bad.yaml", f"""\
        extends: {scenarios_dir / ZJ}
        simi:
          schedules:
            general:
              annual_cap: -600000
        """)
    good = scenarios_dir / ZJ
    assert main(["validate", str(good), str(bad)]) == 2
    captured = capsys.readouterr()
    assert "simi.schedules.general.annual_cap" in captured.err
    assert "1 of 2 file(s) invalid" in captured.err
    assert f"OK {good}" in captured.out


def test_cli_validate_bad_set(scenarios_dir, capsys):
    rc = main(["validate", str(scenarios_dir / ZJ), "--set", "bmi.rate.tertiary=1.5"])
    assert rc == 2
    assert "bmi.rate.tertiary" in capsys.readouterr().err


def test_scenario_round_trips_through_manifest_json(scenarios_dir):
    # value histories (financing.bmi_per_capita, starting lines) have year keys, which JSON
    # turns into strings: the manifest's copy must read back as the same scenario
    import json

    from simi_actuarial.scenario.loader import scenario_from_json, scenario_hash

    sc = load_scenario(scenarios_dir / "default.yaml",
                       ["simi.schedules.general.starting_line={2021: 8000, 2024: 9000}"])
    back = scenario_from_json(json.loads(json.dumps(sc.model_dump(mode="json"))))
    assert back == sc
    assert scenario_hash(back) == scenario_hash(sc)
    with pytest.raises(ScenarioError):
        scenario_from_json({"name": "x"}, "manifest.json")
