"""Hostile ``--set`` overrides: any path and any value text ends in a valid scenario or exit 2
with a message naming the override — never a traceback, never code execution."""

from __future__ import annotations

import pytest
from cli_capture import assert_clear_rejection, fuzz_settings, run_cli
from hypothesis import given
from hypothesis import strategies as st

from simi_actuarial.errors import ScenarioError
from simi_actuarial.scenario.loader import load_scenario

FUZZ = fuzz_settings(80)

VALUE_TEXT = st.one_of(
    st.sampled_from(["", "null", "~", ".nan", ".inf", "-.inf", "1e999", "1.0e999", "-1",
                     "0", "1", "2.5", "99999999999999999999999", "true", "[]", "{}",
                     "[1, 2", "{a: 1}", "{2021: 0.5}", "{1800: 0.5}", "'text'", "=", "a=b",
                     "!!python/object/apply:os.system ['touch pwned']",
                     "!!python/name:os.system", "&a [*a]", "[" * 3000, "\x00", "\ud7ff",
                     "- - - -", "? a : b", "%YAML 1.1\n---\n1"]),
    st.text(max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers().map(str),
)
SEGMENT = st.one_of(
    st.sampled_from(["risk", "cost_trend", "simi", "schedules", "general", "bands", "0", "-1",
                     "99", "starting_line", "2024", "1800", "groups", "special", "share",
                     "population", "insured", "__class__", "..", "", " ", "name", "horizon",
                     "years", "financing", "simi_per_capita", "fund", "insurer"]),
    st.text(alphabet="abcxyz_019.-/=", max_size=6),
)


@FUZZ
@given(path=st.lists(SEGMENT, min_size=1, max_size=5).map(".".join), value=VALUE_TEXT)
def test_any_override_is_applied_or_rejected_clearly(small_guangxi, path, value):
    rc, _, err = run_cli(["validate", "-q", small_guangxi, "--set", f"{path}={value}"])
    assert "Traceback" not in err, err
    assert rc in (0, 2), err
    if rc == 2:
        assert_clear_rejection(rc, err)


NUMERIC_FIELDS = ["risk.cost_trend", "financing.simi_per_capita", "fund.interest_rate",
                  "population.insured", "simi.schedules.general.starting_line",
                  "simi.schedules.general.bands.0.rate", "groups.general.share",
                  "morbidity.cost_mean.tertiary", "che.threshold"]


@FUZZ
@given(field=st.sampled_from(NUMERIC_FIELDS),
       value=st.sampled_from([".nan", ".inf", "-.inf", "-1", "1e999", "'12'", "[1]", "{}",
                              "true", "null", "-1.0e+300"]))
def test_bad_numbers_are_rejected_naming_the_field(small_guangxi, field, value):
    if value == "null" and field in ("fund.interest_rate",):
        return  # nullable
    rc, _, err = run_cli(["validate", "-q", small_guangxi, "--set", f"{field}={value}"])
    if value == "null" and rc == 0:
        return  # an optional field
    if value == "-1" and field == "risk.cost_trend":
        assert rc == 2  # below the -20 % bound
    assert_clear_rejection(rc, err)
    head = field.rsplit(".", 1)[0] if field.startswith("groups") else field
    assert head.split(".")[0] in err


@FUZZ
@given(x=st.floats(min_value=-0.2, max_value=0.5, allow_nan=False))
def test_valid_override_lands_exactly(small_guangxi, x):
    text = f"{x:.6f}"
    sc = load_scenario(small_guangxi, [f"risk.cost_trend={text}"])
    assert sc.risk.cost_trend == float(text)


def test_override_never_executes_code(small_guangxi, tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ScenarioError):
        load_scenario(small_guangxi,
                      [f"name=!!python/object/apply:os.system ['touch {marker}']"])
    assert not marker.exists()


@FUZZ
@given(x=st.floats(min_value=1e-6, max_value=0.5, allow_nan=False))
def test_scientific_notation_is_a_number(small_guangxi, x):
    """``1e-5`` (no dot) is a number, not text, in overrides and scenario files (YAML 1.2)."""
    text = f"{x:.3e}".replace("e-0", "e-")
    assert load_scenario(small_guangxi, [f"risk.cost_trend={text}"]).risk.cost_trend \
        == float(text)


def test_scientific_notation_in_a_scenario_file(small_guangxi, tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(f"extends: {small_guangxi}\nrisk: {{cost_trend: 4e-2}}\n"
                 "population: {insured: 2E+4}\n")
    with pytest.raises(ScenarioError, match="population.insured.*valid integer"):
        load_scenario(f)
    f.write_text(f"extends: {small_guangxi}\nrisk: {{cost_trend: 4e-2}}\n")
    assert load_scenario(f).risk.cost_trend == 0.04
