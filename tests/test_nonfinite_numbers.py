"""No number of any scenario field may be NaN or +-inf: every numeric leaf of a complete
resolved scenario (every default written out) is replaced by +inf, -inf and NaN in turn, and
each must be refused with an error naming that very field (the guard lives once, in the
shared strict base model, so a new field cannot forget it)."""

from __future__ import annotations

import copy
import math

import pytest
import yaml
from cli_capture import assert_clear_rejection, run_cli

from simi_actuarial.errors import ScenarioError
from simi_actuarial.scenario.loader import load_scenario, scenario_from_dict

NON_FINITE = (math.inf, -math.inf, math.nan)


@pytest.fixture(scope="module")
def resolved(scenarios_dir):
    """default.yaml resolved (its ``extends`` chain and every default written out)."""
    return load_scenario(scenarios_dir / "default.yaml").model_dump(mode="python")


def numeric_leaves(node, keys=(), dotted=""):
    """(keys, dotted path as the loader names it: ``a.b[2].c``, year keys as ``a.2025``)
    of every int/float leaf (not bool)."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from numeric_leaves(v, (*keys, k), f"{dotted}.{k}" if dotted else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from numeric_leaves(v, (*keys, i), f"{dotted}[{i}]")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield keys, dotted


def _replaced(doc, keys, value):
    doc = copy.deepcopy(doc)
    node = doc
    for k in keys[:-1]:
        node = node[k]
    node[keys[-1]] = value
    return doc


def test_every_numeric_leaf_refuses_inf_and_nan(resolved):
    leaves = list(numeric_leaves(resolved))
    assert len(leaves) > 100, "the walk must cover a complete scenario"
    scenario_from_dict(copy.deepcopy(resolved))  # the unmodified dump is valid
    missed = []
    for keys, dotted in leaves:
        for bad in NON_FINITE:
            try:
                scenario_from_dict(_replaced(resolved, keys, bad), "default")
            except ScenarioError as exc:
                named = [p for p, _ in exc.problems]
                if not any(p == dotted or p.startswith(dotted + ".") for p in named):
                    missed.append((dotted, bad, f"refused but named {named}"))
            else:
                missed.append((dotted, bad, "accepted"))
    assert not missed, missed[:20]


@pytest.mark.parametrize("field, text", [
    ("morbidity.os_bmi_deductible", ".inf"),      # the field the long fuzz run found open
    ("morbidity.os_bmi_deductible", "-.inf"),
    ("financing.simi_per_capita", ".nan"),
    ("population.insured", ".inf"),
    ("risk.cost_trend_mean", ".NaN"),
])
def test_cli_validate_refuses_non_finite(tmp_path, scenarios_dir, field, text):
    """Through ``simi validate``: exit 2 and the field named, as a user sees it."""
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump({"extends": str(scenarios_dir / "default.yaml")})
                 + _nested(field, text))
    rc, _, err = run_cli(["validate", str(f)])
    assert_clear_rejection(rc, err)
    assert field in err, err
    rc, _, err = run_cli(["validate", str(scenarios_dir / "default.yaml"),
                          "--set", f"{field}={text}"])
    assert_clear_rejection(rc, err)
    assert field in err, err


def _nested(field: str, text: str) -> str:
    parts = field.split(".")
    return "".join("  " * i + p + ":\n" for i, p in enumerate(parts[:-1])) \
        + "  " * (len(parts) - 1) + f"{parts[-1]}: {text}\n"


@pytest.mark.parametrize("field, value", [
    # found by the fuzz campaign of issue #16 (valid before; then a traceback or inf/NaN)
    ("morbidity.os_sigma", 2.657012071662978e155),           # OverflowError in resolve
    ("morbidity.os_mean_cost", 3.3192441321089937e307),      # non-finite tally total_cost
    ("morbidity.cost_multiplier", 5e-324),                   # ZeroDivisionError
    ("morbidity.extra_admissions_shape", 5e-324),            # overflow in scipy's ibeta
    ("morbidity.cost_mean.tertiary", 1.7e308),
])
def test_extreme_values_found_by_fuzzing_are_refused(scenarios_dir, field, value):
    with pytest.raises(ScenarioError) as exc:
        load_scenario(scenarios_dir / "default.yaml", [f"{field}={value!r}"])
    assert field in [p for p, _ in exc.value.problems]
