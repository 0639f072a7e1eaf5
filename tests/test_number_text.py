"""Numbers typed as text: full-width forms (NFKC) accepted, thousands separators refused with
a message — the same rule in ``--set`` values, scenario YAML and age x sex CSV tables."""

from __future__ import annotations

import math

import numpy as np
import pytest
import yaml
from cli_capture import assert_clear_rejection, fuzz_settings, run_cli
from hypothesis import given
from hypothesis import strategies as st

from simi_actuarial.errors import ScenarioError
from simi_actuarial.numtext import NumberTextError, parse_number, parse_whole
from simi_actuarial.population.age_sex_csv import read_age_sex_csv
from simi_actuarial.scenario.loader import load_scenario
from simi_actuarial.scenario.yaml_io import load_yaml_text, load_yaml_value

WIDE = str.maketrans("0123456789+-.eE", "０１２３４５６７８９＋－．ｅＥ")


@pytest.mark.parametrize("text, value", [
    ("１２３", 123.0), ("－５", -5.0), ("＋５", 5.0), ("１２．５", 12.5), ("１．５Ｅ３", 1500.0),
    ("\u3000４２\u3000", 42.0), ("\u00a07", 7.0), ("1２3", 123.0), (".5", 0.5), ("5.", 5.0),
    ("-1e-3", -0.001), ("0", 0.0),
])
def test_parse_number_accepts_full_width(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["12,345", "１２，３４５", "1,234,567.5", "12 345", "12'345",
                                  "１２\u3000３４５"])
def test_parse_number_refuses_thousands_separators(text):
    with pytest.raises(NumberTextError, match="thousands separators are not accepted"):
        parse_number(text)


@pytest.mark.parametrize("text, why", [
    ("", "empty"), ("1,5", "decimal point is '.'"), ("1_000", "not a number"),
    ("abc", "not a number"), ("١٢", "not a number"), ("1e", "not a number"),
    ("--1", "not a number"), ("0x10", "not a number"),
])
def test_parse_number_refuses_other_text(text, why):
    with pytest.raises(NumberTextError, match=why):
        parse_number(text)


def test_non_finite_words_are_returned_for_the_caller_to_refuse():
    assert math.isnan(parse_number("NaN"))
    assert parse_number("-inf") == -math.inf and parse_number("ＩＮＦ") == math.inf


@pytest.mark.parametrize("text, value", [("３０", 30), ("30.0", 30), ("１００", 100)])
def test_parse_whole(text, value):
    assert parse_whole(text) == value


@pytest.mark.parametrize("text", ["30.5", "inf", "nan", ""])
def test_parse_whole_refuses(text):
    with pytest.raises(NumberTextError):
        parse_whole(text)


FUZZ = fuzz_settings(60)


@FUZZ
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_full_width_repr_reads_back_exactly(x):
    """Any finite float written in full-width characters reads back bit for bit."""
    assert parse_number(repr(x).translate(WIDE)) == x


@FUZZ
@given(st.integers(min_value=1000, max_value=10**15))
def test_grouped_integers_always_refused(n):
    for sep in (",", "，", " ", "'"):
        with pytest.raises(NumberTextError, match="write " + str(n)):
            parse_number(f"{n:,}".replace(",", sep))


@FUZZ
@given(st.lists(st.sampled_from([*"0123456789０１２３４５６７８９+-.eE,，_ 　＋－．ｅx", "nan", "inf"]),
                max_size=14).map("".join))
def test_parse_number_total(text):
    """Any text: a float that ``float`` gives for its NFKC form, or NumberTextError; never
    another exception."""
    import unicodedata

    try:
        value = parse_number(text)
    except NumberTextError as exc:
        assert str(exc)
        return
    expected = float(unicodedata.normalize("NFKC", text).strip())
    assert value == expected or (math.isnan(value) and math.isnan(expected))


@FUZZ
@given(st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=False, allow_infinity=False)))
def test_yaml_full_width_equals_ascii(x):
    """A number YAML reads in ASCII reads the same in full-width forms."""
    ascii_value = load_yaml_value(repr(x))
    assert load_yaml_value(repr(x).translate(WIDE)) == ascii_value


# ---- scenario YAML and --set ----

@pytest.mark.parametrize("text, value", [
    ("１２３", 123), ("－０．５", -0.5), ("１．５ｅ３", 1500.0), ("１_０００", 1000),
    ("1２3", 123),
])
def test_yaml_full_width_numbers(text, value):
    got = load_yaml_value(text)
    assert got == value and type(got) is type(value)


def test_yaml_full_width_year_keys_and_quoted_text():
    data = load_yaml_text("a: {２０２５: １２}\nb: '１２３'\nc: １２三\n", "t")
    assert data == {"a": {2025: 12}, "b": "１２３", "c": "１２三"}


@pytest.mark.parametrize("text", ["12,345", "１２，３４５", "1,000.5", "12 345"])
def test_yaml_thousands_separators_refused_with_line(text):
    with pytest.raises(ScenarioError) as exc:
        load_yaml_text(f"name: x\nvalue: {text}\n", "t")
    ((where, msg),) = exc.value.problems
    assert where.startswith("line 2") and "thousands separators" in msg


def test_yaml_flow_lists_and_ascii_unchanged():
    assert load_yaml_value("[1,234]") == [1, 234]
    assert load_yaml_value("1_000") == 1000 and load_yaml_value("1e6") == 1e6
    assert load_yaml_value("2021-01-01").year == 2021


def test_set_full_width_value_lands_as_number(scenarios_dir):
    sc = load_scenario(scenarios_dir / "default.yaml",
                       ["population.insured=２０００００", "simulation.paths=１２"])
    assert sc.population.insured == 200000 and sc.simulation.paths == 12


def test_set_thousands_refused_through_cli(scenarios_dir):
    rc, _, err = run_cli(["validate", str(scenarios_dir / "default.yaml"),
                          "--set", "population.insured=２００，０００"])
    assert_clear_rejection(rc, err)
    assert "population.insured" in err and "thousands separators" in err, err


def test_scenario_file_full_width_validates_through_cli(tmp_path, scenarios_dir):
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"extends": str(scenarios_dir / "default.yaml")})
                 + "population:\n  insured: ３０００００\n", encoding="utf-8")
    rc, out, err = run_cli(["validate", str(f)])
    assert rc == 0, err
    f.write_text(yaml.safe_dump({"extends": str(scenarios_dir / "default.yaml")})
                 + "population:\n  insured: ３００，０００\n", encoding="utf-8")
    rc, _, err = run_cli(["validate", str(f)])
    assert_clear_rejection(rc, err)
    assert "line 3" in err and "write 300000" in err, err


# ---- age x sex CSV tables (population.structure, mortality tables) ----

def _table(rows) -> str:
    return "age,sex,count\n" + "".join(f"{a},{s},{c}\n" for a, s, c in rows)


def test_age_sex_csv_full_width(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(_table([("３０", "male", "１２３４"), (31, "ｆｅｍａｌｅ", "５．５"),
                         ("30", "male", "1")]), encoding="utf-8")
    out = read_age_sex_csv(str(f), "population.structure", ("count",), accumulate=True)
    assert out[30, 0] == 1235 and out[31, 1] == 5.5 and out.sum() == 1240.5


@pytest.mark.parametrize("cell, why", [
    ('"1,234"', "thousands separators"), ('"１，２３４"', "thousands separators"),
    ("", "empty"), ("abc", "not a number"), ("1_000", "not a number"),
])
def test_age_sex_csv_refuses_bad_counts(tmp_path, cell, why):
    f = tmp_path / "t.csv"
    f.write_text(_table([(30, "male", 5), (31, "male", cell)]), encoding="utf-8")
    with pytest.raises(ScenarioError) as exc:
        read_age_sex_csv(str(f), "population.structure", ("count",), accumulate=True)
    ((where, msg),) = exc.value.problems
    assert where == "population.structure (CSV row 3)" and why in msg


@pytest.mark.parametrize("age", ["30.5", "inf", "１０１"])
def test_age_sex_csv_refuses_bad_ages(tmp_path, age):
    """A fractional age was silently truncated to 30 before (``int(30.5)``)."""
    f = tmp_path / "t.csv"
    f.write_text(_table([(age, "male", 5)]), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"CSV row 2"):
        read_age_sex_csv(str(f), "population.structure", ("count",), accumulate=True)


def test_age_sex_csv_infinite_count_refused(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text(_table([(30, "male", "ｉｎｆ")]), encoding="utf-8")
    with pytest.raises(ScenarioError, match="finite"):
        read_age_sex_csv(str(f), "population.structure", ("count",), accumulate=True)
    assert np.isfinite(parse_number("１e300"))
