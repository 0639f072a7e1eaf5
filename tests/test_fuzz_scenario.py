"""Hostile scenario files: every mutation of a valid scenario, every damaged or malicious
file ends in exit 0 (still valid) or exit 2 with a message naming the problem — never a
traceback, never code execution, never a non-finite output."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from cli_capture import assert_clear_rejection, fuzz_settings, run_cli
from hypothesis import given
from hypothesis import strategies as st

from simi_actuarial.scenario.loader import load_scenario

FUZZ = fuzz_settings(60)

HOSTILE = st.one_of(
    st.sampled_from([None, "", "text", True, False, [], {}, [1, 2], {"a": 1}, {2021: "x"},
                     {1800: 1}, float("nan"), float("inf"), -float("inf"), -1, -1e-9, 0, 1,
                     0.5, 1e308, -1e308, 10**30, -(10**30), 2**63, 2**64,
                     "!!python/object/apply:os.system ['touch pwned']", "../../etc/passwd"]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(max_size=12),
)


@pytest.fixture(scope="module")
def full_doc(repo_root):
    """A complete scenario (every default written out) as plain YAML data."""
    sc = load_scenario(repo_root / "tests/data/small_guangxi.yaml")
    return sc.model_dump(mode="python")


def _leaves(node, path=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _leaves(v, (*path, i))
    else:
        yield path, node


def _set(doc, path, value, op):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if op == "delete" and isinstance(node, dict):
        del node[path[-1]]
    elif op == "unknown" and isinstance(node, dict):
        node["no_such_field"] = value
    else:
        node[path[-1]] = value
        op = "replace"
    return doc, op


def _write(tmp: Path, text: str | bytes) -> Path:
    f = tmp / "scenario.yaml"
    f.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return f


def _check_run_outputs(f: Path, tmp: Path) -> None:
    """A mutant that validates must also run (tiny) to finite outputs, or fail clearly."""
    sc = load_scenario(f)
    if sc.population.insured > 50_000 or sc.horizon.years > 12:
        return  # valid but too big for a unit test; the numerical-guard tests cover size
    out = tmp / "out"
    rc, _, err = run_cli(["run", str(f), "--paths", "2", "--out", str(out), "--quiet",
                          "--threads", "1", "--seed", "1"])
    assert "Traceback" not in err, err
    assert rc in (0, 2), err
    if rc == 0:
        paths = pd.read_parquet(out / "paths.parquet")
        money = paths.drop(columns=[c for c in paths.columns if c.startswith("bmi_")])
        assert np.isfinite(money.to_numpy(dtype=float)).all()
        summary = pd.read_csv(out / "summary.csv")
        assert not np.isinf(summary.to_numpy(dtype=float)).any()


@FUZZ
@given(data=st.data(), value=HOSTILE,
       op=st.sampled_from(["replace", "replace", "replace", "delete", "unknown"]))
def test_mutated_scenario_is_valid_or_rejected_clearly(full_doc, data, value, op):
    leaves = list(_leaves(full_doc))
    path, old = data.draw(st.sampled_from(leaves), label="leaf")
    doc, op = _set(full_doc, path, value, op)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        f = _write(tmp, yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        rc, _, err = run_cli(["validate", "-q", str(f)])
        assert "Traceback" not in err, err
        assert rc in (0, 2), err
        if rc == 2:
            assert_clear_rejection(rc, err)
        non_finite = isinstance(value, float) and not math.isfinite(value)
        if op == "replace" and non_finite and isinstance(old, (int, float)) \
                and not isinstance(old, bool):
            assert rc == 2, f"{'.'.join(map(str, path))}={value} accepted"
            assert ".".join(str(p) for p in path[:1]) in err
        if op == "unknown":
            assert rc == 2 and "no_such_field" in err
        if rc == 0:
            _check_run_outputs(f, tmp)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6))
def test_truncated_scenario_is_rejected_clearly(repo_root, cut):
    text = (repo_root / "scenarios/guangxi_2021.yaml").read_bytes()
    cut = cut % len(text)
    with tempfile.TemporaryDirectory() as d:
        f = _write(Path(d), text[:cut])
        rc, _, err = run_cli(["validate", "-q", str(f)])
        assert "Traceback" not in err
        assert rc in (0, 2)
        if rc == 2:
            assert_clear_rejection(rc, err)
        elif cut < len(text) // 2:
            pytest.fail("half a scenario accepted")


@FUZZ
@given(blob=st.binary(max_size=400) | st.text(max_size=200).map(str.encode))
def test_random_bytes_are_rejected_clearly(blob):
    with tempfile.TemporaryDirectory() as d:
        rc, _, err = run_cli(["validate", "-q", str(_write(Path(d), blob))])
        assert_clear_rejection(rc, err)


@pytest.mark.parametrize("encoding", ["utf-16", "gbk", "latin-1", "utf-32"])
def test_wrong_encoding_names_the_problem(repo_root, tmp_path, capsys, encoding):
    text = (repo_root / "tests/data/small_guangxi.yaml").read_text(encoding="utf-8")
    note = "Ü" if encoding == "latin-1" else "广西大病保险"
    text = text.replace("name: small_guangxi", f"name: small_guangxi  # {note}")
    f = _write(tmp_path, text.encode(encoding))
    rc, _, err = run_cli(["validate", str(f)])
    assert_clear_rejection(rc, err)
    assert "UTF-8" in err or "invalid YAML" in err


@pytest.mark.parametrize("payload", [
    "name: !!python/object/apply:os.system ['touch {marker}']",
    "name: !!python/object/new:subprocess.check_output [['touch', '{marker}']]",
    "name: !!python/name:os.system",
    "name: !!python/module:os",
    "population: !!python/object:types.SimpleNamespace {{insured: 1}}",
    "name: !custom_tag x",
    "name: !!binary aGVsbG8=",
])
def test_yaml_tags_never_execute_code(repo_root, tmp_path, payload):
    marker = tmp_path / "pwned"
    base = (repo_root / "tests/data/small_guangxi.yaml").read_text(encoding="utf-8")
    f = tmp_path / "scenario.yaml"
    f.write_text(base.replace("name: small_guangxi", payload.format(marker=marker))
                 .replace("../../scenarios", str(repo_root / "scenarios")), encoding="utf-8")
    rc, _, err = run_cli(["validate", str(f)])
    assert_clear_rejection(rc, err)
    assert not marker.exists()


def test_alias_bomb_and_deep_nesting_are_rejected(tmp_path):
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    rc, _, err = run_cli(["validate", str(_write(tmp_path, bomb))])
    assert_clear_rejection(rc, err)
    assert "too large" in err
    rc, _, err = run_cli(["validate", str(_write(tmp_path, "name: " + "[" * 5000))])
    assert_clear_rejection(rc, err)


@pytest.mark.parametrize("bad", ["inf", "nan", "-5", "abc", "", "OVERFLOW"])
def test_hostile_structure_csv_is_rejected(repo_root, tmp_path, bad):
    rows = ["age,sex,count"] + [f"{a},{s},100" for a in range(101) for s in ("male", "female")]
    if bad == "OVERFLOW":
        rows = [rows[0]] + [r.replace(",100", ",1e308") for r in rows[1:]]
    else:
        rows[5] = rows[5].replace(",100", f",{bad}")
    f = tmp_path / "structure.csv"
    f.write_text("\n".join(rows) + "\n")
    rc, _, err = run_cli(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths",
                          "1", "--out", str(tmp_path / "o"), "--quiet", "--set",
                          f"population.structure={f}"])
    assert_clear_rejection(rc, err)
    assert "population.structure" in err
