"""Hostile claims files for ``simi reimburse``: random rows with wrong types, NaN/inf,
negative and huge costs, odd ids, truncated files, wrong encodings. Good files give finite
outputs; bad ones exit 2 naming the first bad line — never a traceback, never NaN."""

from __future__ import annotations

import csv
import math
import re
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_capture import assert_clear_rejection, fuzz_settings, run_cli
from hypothesis import given
from hypothesis import strategies as st

HEADER = "person_id,group,hospital_level,total_cost,in_scope_cost"
GROUPS = ["general", "dire_poverty", "poor"]
LEVELS = ["township", "primary", "secondary", "tertiary"]
FUZZ = fuzz_settings(15)

COST = st.one_of(
    st.floats(min_value=0, max_value=2e5).map(lambda x: f"{x:.2f}"),
    st.integers(min_value=0, max_value=300_000).map(str),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e999", "-1", "-0.01", "1e11", "abc", "",
                     " 12 ", "1,5", "0x10", "1e5", "１２３", "12元", "None", "１２．５", "－１",
                     "１ｅ３", "１，０００", "\u3000７\u3000", "٣", "1_000", "ｎａｎ", ".5", "5."]),
)
ID_TEXT = st.text(alphabet=st.characters(blacklist_characters=',"\r\n\x00',
                                         blacklist_categories=("Cs",)), max_size=8)
ROW = st.tuples(ID_TEXT, st.sampled_from([*GROUPS, "General", "", "rich"]),
                st.sampled_from([*LEVELS, "Tertiary", "", "clinic"]), COST, COST)


# The documented rule (README, docs/reliability.md): a decimal number in ASCII after Unicode
# NFKC normalisation (full-width digits, point, signs, spaces), finite, 0 <= cost <= 1e10.
# Python's float() alone would also take "1_000" and other scripts' digits ("٣").
DECIMAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)


def _cost_ok(text: str) -> float | None:
    folded = unicodedata.normalize("NFKC", text).strip()
    if not DECIMAL.fullmatch(folded):
        return None
    v = float(folded)
    return v if math.isfinite(v) and 0 <= v <= 1e10 else None


def _row_ok(row) -> bool:
    _, group, level, total, scope = row
    t, s = _cost_ok(total), _cost_ok(scope)
    return (group in GROUPS and level in LEVELS and t is not None and s is not None
            and s <= t)


@pytest.fixture(scope="module")
def zj_path(scenarios_dir) -> str:
    return str(scenarios_dir / "zhanjiang_2019.yaml")


def _reimburse(zj_path, data: bytes, *extra):
    with tempfile.TemporaryDirectory() as d:
        claims = Path(d) / "claims.csv"
        claims.write_bytes(data)
        out = Path(d) / "out.csv"
        rc, _, err = run_cli(["reimburse", zj_path, "--year", "2019", str(claims), "-o",
                              str(out), "-q", "--chunk-rows", "7", *extra])
        assert "Traceback" not in err, err
        frame = pd.read_csv(out, dtype={"person_id": str}) if out.exists() else None
        leftovers = [p.name for p in Path(d).iterdir() if p.name.startswith(".")]
    assert not leftovers, leftovers
    return rc, err, frame


def _check_output(frame: pd.DataFrame) -> None:
    if frame is None or not len(frame):
        return
    money = frame.drop(columns=["person_id", "group"])
    values = money.to_numpy(dtype=float)
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert np.allclose(frame["bmi_paid"] + frame["simi_paid"] + frame["assistance_paid"]
                       + frame["patient_in_scope"], frame["in_scope_cost"], atol=0.011 * 4)


@FUZZ
@given(rows=st.lists(ROW, min_size=1, max_size=25))
def test_random_rows_are_settled_or_rejected_by_line(zj_path, rows):
    # unique ids (a person keeps one group); the row index keeps ids non-blank
    rows = [(f"{i}{pid}", *rest) for i, (pid, *rest) in enumerate(rows)]
    buf = [HEADER] + [",".join(r) for r in rows]
    rc, err, frame = _reimburse(zj_path, ("\n".join(buf) + "\n").encode("utf-8"))
    bad = [i + 2 for i, r in enumerate(rows) if not _row_ok(r)]
    if bad:
        assert_clear_rejection(rc, err)
        assert frame is None
        assert f"line {bad[0]}: " in err, (bad, err)
    else:
        assert rc == 0, err
        assert len(frame) == len(rows)
        _check_output(frame)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=10**6), n=st.integers(1, 30))
def test_truncated_file_is_settled_or_rejected(zj_path, cut, n):
    lines = [HEADER] + [f"p{i},general,{LEVELS[i % 4]},{1000 + 997 * i}.5,{900 + 13 * i}"
                        for i in range(n)]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    rc, err, frame = _reimburse(zj_path, data[: cut % (len(data) + 1)])
    assert rc in (0, 2), err
    if rc == 2:
        assert_clear_rejection(rc, err)
    else:
        _check_output(frame)


@FUZZ
@given(blob=st.binary(max_size=300))
def test_random_bytes_after_header_never_crash(zj_path, blob):
    rc, err, frame = _reimburse(zj_path, (HEADER + "\n").encode() + blob)
    assert rc in (0, 2), err
    if rc == 2:
        assert_clear_rejection(rc, err)
    else:
        _check_output(frame)


@pytest.mark.parametrize("encoding", ["utf-16", "gbk", "utf-32"])
def test_wrong_encoding_is_named(zj_path, encoding):
    text = HEADER + "\n张三,general,tertiary,1000,900\n"
    rc, err, frame = _reimburse(zj_path, text.encode(encoding))
    assert_clear_rejection(rc, err)
    assert "UTF-8" in err or "missing column" in err


def test_utf8_ids_with_bom_and_quotes_are_kept(zj_path):
    rows = [["张三", "general", "tertiary", "30000", "28000"],
            ["a,b", "poor", "secondary", "100", "100"]]
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "c.csv"
        with open(f, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(HEADER.split(","))
            w.writerows(rows)
        rc, err, frame = _reimburse(zj_path, f.read_bytes())
    assert rc == 0, err
    assert sorted(frame["person_id"]) == sorted(["张三", "a,b"])
    _check_output(frame)


def test_output_name_cannot_escape_with_the_rejected_file(zj_path, tmp_path):
    """``--skip-bad-rows`` writes OUT.rejected.csv beside OUT, never elsewhere."""
    claims = tmp_path / "c.csv"
    claims.write_text(HEADER + "\na,general,tertiary,-1,0\nb,general,tertiary,10,5\n")
    out = tmp_path / "sub" / "out.csv"
    out.parent.mkdir()
    rc, _, err = run_cli(["reimburse", zj_path, "--year", "2019", str(claims), "-o",
                          str(out), "-q", "--skip-bad-rows"])
    assert rc == 0, err
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.csv", "out.rejected.csv"]
