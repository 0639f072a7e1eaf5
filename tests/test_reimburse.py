"""``simi reimburse``: claims CSV in, one row per person out.

Checks: a file computed by hand (Zhanjiang 2019), agreement with the reference oracle
(``rules.reference.person_year``) on random unsorted files whose persons span chunks,
invariance to the chunk size / row order / batching, conservation per row, bad rows with
their line numbers, ``--skip-bad-rows``, ``--year`` outside the horizon, atomic output.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simi_actuarial.claims import reimburse as rb
from simi_actuarial.claims import reimburse_file, reimburse_frame, store
from simi_actuarial.cli import main
from simi_actuarial.errors import ClaimsError
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.rules.reference import Admission, person_year
from simi_actuarial.scenario.loader import load_scenario

HEADER = "person_id,group,hospital_level,total_cost,in_scope_cost"
MONEY = ["total_cost", "in_scope_cost", "self_pay", "bmi_paid", "simi_paid",
         "assistance_paid", "patient_in_scope", "patient_burden"]
ASSISTANCE = ["assistance={ma: {source: test, rate: 0.7, deductible: 1000, annual_limit: 20000}}",
              "groups.poor.assistance=ma"]


@pytest.fixture(scope="module")
def zj_path(scenarios_dir) -> Path:
    return scenarios_dir / "zhanjiang_2019.yaml"


@pytest.fixture(scope="module")
def zj(zj_path):
    return load_scenario(zj_path)


def _write(path: Path, text: str, bom: bool = False) -> Path:
    path.write_bytes((("\ufeff" if bom else "") + text).encode("utf-8"))
    return path


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith("."))


# --------------------------------------------------------------------------- by hand
# Zhanjiang 2019 (seed002 Table 2-6/2-7/2-12, Appendix 1): BMI deductible/rate township
# 100/85 %, secondary 300/70 %, tertiary 500/50 %, BMI cap 200,000. SIMI on the annual
# in-scope OOP (= in-scope - BMI, deductibles included): general line 20,000, bands above the
# line 0-30k 50 %, 30-60k 60 %, 60-80k 70 %, >80k 80 %, BMI+SIMI cap 600,000; poor line
# 6,000 at 80 %, dire poverty line 4,000 at 85 %, both uncapped. No medical assistance.
HAND_CLAIMS = """person_id,group,hospital_level,total_cost,in_scope_cost,ward
B,general,tertiary,70000,60000,w1
A,general,tertiary,12000,10000,w2
E,general,tertiary,300000,300000,w1
C,poor,tertiary,45000,40000,w3
D,general,tertiary,1000000,900000,w1
G,general,secondary,250,200,w2
B,general,secondary,20000,20000,w2
F,dire_poverty,township,1000.01,1000.01,w3
E,general,tertiary,300000,300000,w1
"""
HAND_EXPECTED = HEADER.replace("hospital_level,", "") + "," + ",".join(MONEY[2:]) + """
A,general,12000.00,10000.00,2000.00,4750.00,0.00,0.00,5250.00,7250.00
B,general,90000.00,80000.00,10000.00,43540.00,8230.00,0.00,28230.00,38230.00
C,poor,45000.00,40000.00,5000.00,19750.00,11400.00,0.00,8850.00,13850.00
D,general,1000000.00,900000.00,100000.00,200000.00,400000.00,0.00,300000.00,400000.00
E,general,600000.00,600000.00,0.00,200000.00,287000.00,0.00,113000.00,113000.00
F,dire_poverty,1000.01,1000.01,0.00,765.01,0.00,0.00,235.00,235.00
G,general,250.00,200.00,50.00,0.00,0.00,0.00,200.00,250.00
"""
# A: BMI 0.5 x (10,000 - 500) = 4,750; OOP 5,250 < 20,000: no SIMI; burden 5,250 + 2,000.
# B (2 admissions, in different chunks): BMI 0.5 x 59,500 + 0.7 x 19,700 = 29,750 + 13,790
#    = 43,540; OOP 80,000 - 43,540 = 36,460; SIMI 0.5 x 16,460 = 8,230; left 28,230;
#    self-pay 10,000; burden 38,230.
# C (poor): BMI 0.5 x 39,500 = 19,750; OOP 20,250; SIMI 0.8 x 14,250 = 11,400; left 8,850.
# D: BMI 0.5 x 899,500 = 449,750 -> cap 200,000; OOP 700,000, 680,000 above the line:
#    0.5 x 30k + 0.6 x 30k + 0.7 x 20k + 0.8 x 600k = 527,000 -> BMI+SIMI cap leaves
#    600,000 - 200,000 = 400,000; left 900,000 - 600,000 = 300,000; burden 400,000.
# E (2 admissions): BMI 2 x 149,750 = 299,500 -> cap 200,000 on the sum; OOP 400,000,
#    380,000 above: 15k + 18k + 14k + 0.8 x 300k = 287,000 (< 400,000); left 113,000.
# F (dire poverty): BMI 0.85 x 900.01 = 765.0085 -> 765.01 on output; OOP 235.0015 < 4,000
#    -> 235.00 (765.01 + 235.00 = 1,000.01: conservation holds after rounding here).
# G: deductible 300 > in-scope 200: BMI 0, OOP 200, self-pay 50.
# Totals: total cost 1,748,250.01; SIMI 8,230 + 11,400 + 400,000 + 287,000 = 706,630 paid
# to 4 beneficiaries (B, C, D, E); 7 persons, 9 admissions.


def test_hand_computed_file_through_cli(tmp_path, zj_path, capsys):
    claims = _write(tmp_path / "claims.csv", HAND_CLAIMS, bom=True)
    out = tmp_path / "out.csv"
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o", str(out),
               "--chunk-rows", "2"])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert out.read_text() == HAND_EXPECTED
    assert "note: ignored extra column(s): ward" in err
    assert "persons=7 admissions=9 total_cost=1,748,250.01" in err
    assert "simi_paid=706,630.00" in err and "simi_beneficiaries=4" in err
    assert "rows read" not in err  # no progress for small files
    assert _leftovers(tmp_path) == []


def test_frame_api_matches_hand_computation(zj):
    df = pd.read_csv(io.StringIO(HAND_CLAIMS), dtype={"person_id": str})
    res = reimburse_frame(zj, 2019, df)
    assert list(res.columns) == list(rb.OUTPUT_COLUMNS)
    assert list(res["person_id"]) == list("ABCDEFG")
    f = res.set_index("person_id")
    assert f.loc["F", "bmi_paid"] == pytest.approx(765.0085)
    assert f.loc["D", "simi_paid"] == pytest.approx(400_000)
    assert f.loc["E", "bmi_paid"] == pytest.approx(200_000)


# --------------------------------------------------------------------------- random files
def _random_claims(scenario, n_adm: int, n_persons: int, seed: int) -> pd.DataFrame:
    """Unsorted admissions: persons drawn at random, heavy-tailed costs (caps bind)."""
    rng = np.random.default_rng(seed)
    groups = list(scenario.groups)
    levels = list(scenario.hospital_levels)
    person = rng.integers(0, n_persons, n_adm)
    pgroup = rng.integers(0, len(groups), n_persons)
    total = np.round(np.exp(rng.normal(9.0, 1.3, n_adm)), 2)
    in_scope = np.minimum(np.round(total * rng.uniform(0.5, 1.0, n_adm), 2), total)
    zero = rng.random(n_adm) < 0.03
    in_scope[zero] = 0.0
    return pd.DataFrame({
        "person_id": [f"p{i}" for i in person],
        "group": np.asarray(groups, dtype=object)[pgroup[person]],
        "hospital_level": np.asarray(levels, dtype=object)[rng.integers(0, len(levels), n_adm)],
        "total_cost": total,
        "in_scope_cost": in_scope,
    })


def _reference(scenario, year: int, df: pd.DataFrame) -> pd.DataFrame:
    table = resolve_rules(scenario)
    rows = []
    for pid, sub in df.groupby("person_id", sort=True):
        adm = [Admission(table.level_names.index(lv), float(t), float(s)) for lv, t, s in
               zip(sub["hospital_level"], sub["total_cost"], sub["in_scope_cost"],
                   strict=True)]
        r = person_year(table, year, table.group_names.index(sub["group"].iloc[0]), adm)
        rows.append({"person_id": pid, "total_cost": r.total_cost,
                     "in_scope_cost": r.in_scope_cost, "self_pay": r.self_pay,
                     "bmi_paid": r.bmi_paid, "simi_paid": r.simi_paid,
                     "assistance_paid": r.assistance_paid,
                     "patient_in_scope": r.patient_in_scope,
                     "patient_burden": r.patient_burden})
    return pd.DataFrame(rows).set_index("person_id")


@pytest.mark.parametrize("name, overrides, year", [
    ("zhanjiang_2019.yaml", ASSISTANCE, 2021),
    ("chongqing_urrbmi_2013.yaml", [], 2013),   # BMI contribution categories
    ("nanning_2020.yaml", [], 2020),            # deductibles not counted toward the line
])
def test_agrees_with_reference_oracle(tmp_path, scenarios_dir, name, overrides, year):
    scenario = load_scenario(scenarios_dir / name, overrides)
    df = _random_claims(scenario, 1500, 300, seed=len(name))
    claims = tmp_path / "claims.csv"
    df.to_csv(claims, index=False)
    out = tmp_path / "out.csv"
    totals = reimburse_file(scenario, year, claims, out, chunk_rows=97)
    got = pd.read_csv(out, dtype={"person_id": str}).set_index("person_id")
    ref = _reference(scenario, year, df)
    assert list(got.index) == sorted(ref.index)
    assert totals.persons == len(ref) and totals.admissions == len(df)
    assert (got["simi_paid"] > 0).any()  # the SIMI layer is exercised
    for col in MONEY:
        np.testing.assert_allclose(got[col], ref.loc[got.index, col], rtol=0, atol=0.0051)
    assert totals.simi_beneficiaries == int((got["simi_paid"] > 0).sum())
    assert totals.totals["simi_paid"] == pytest.approx(got["simi_paid"].sum(), abs=1e-6)
    # unrounded, in memory
    frame = reimburse_frame(scenario, year, df).set_index("person_id")
    for col in MONEY:
        np.testing.assert_allclose(frame[col], ref.loc[frame.index, col], rtol=1e-12,
                                   atol=1e-7)


def test_conservation_per_row(tmp_path, zj_path, capsys):
    scenario = load_scenario(zj_path, ASSISTANCE)
    df = _random_claims(scenario, 3000, 500, seed=7)
    claims = tmp_path / "claims.csv"
    df.to_csv(claims, index=False)
    out = tmp_path / "out.csv"
    sets = sum((["--set", s] for s in ASSISTANCE), [])
    assert main(["reimburse", str(zj_path), "--year", "2020", str(claims), "-o", str(out),
                 *sets]) == 0
    got = pd.read_csv(out)
    assert (got["assistance_paid"] > 0).any()
    cents = {c: np.rint(got[c].to_numpy() * 100).astype(np.int64) for c in MONEY}
    assert np.all(np.abs(cents["total_cost"] - cents["in_scope_cost"] - cents["self_pay"]) <= 1)
    paid = (cents["bmi_paid"] + cents["simi_paid"] + cents["assistance_paid"]
            + cents["patient_in_scope"])
    assert np.all(np.abs(cents["in_scope_cost"] - paid) <= 2)
    assert np.all(np.abs(cents["patient_burden"] - cents["patient_in_scope"]
                         - cents["self_pay"]) <= 1)
    assert all((got[c] >= 0).all() for c in MONEY)


def test_chunk_size_row_order_and_batching_invariance(tmp_path, zj, monkeypatch):
    df = _random_claims(zj, 2000, 400, seed=11)
    a = tmp_path / "a.csv"
    df.to_csv(a, index=False)
    b = tmp_path / "b.csv"  # same admissions, other order
    df.sample(frac=1.0, random_state=3).to_csv(b, index=False)
    outputs = []
    for path, chunk in [(a, 1_000_000), (a, 3), (a, 64), (b, 211)]:
        out = tmp_path / f"out_{path.stem}_{chunk}.csv"
        reimburse_file(zj, 2019, path, out, chunk_rows=chunk)
        outputs.append(out.read_bytes())
    # many small settlement batches, one DuckDB thread then four
    monkeypatch.setattr(rb, "SETTLE_ROWS", 7)
    monkeypatch.setattr(store, "THREADS", 1)
    out = tmp_path / "out_batches.csv"
    reimburse_file(zj, 2019, b, out, chunk_rows=50)
    outputs.append(out.read_bytes())
    monkeypatch.setattr(store, "THREADS", 4)
    out = tmp_path / "out_threads.csv"
    reimburse_file(zj, 2019, b, out, chunk_rows=50)
    outputs.append(out.read_bytes())
    assert all(o == outputs[0] for o in outputs[1:])
    assert outputs[0].count(b"\n") == 1 + df["person_id"].nunique()


# --------------------------------------------------------------------------- bad input
BAD_CLAIMS = HEADER + """
a,general,tertiary,100,50
b,general,tertiary,-5,0
c,general,tertiary,100,abc
d,general,tertiary,nan,10
e,general,tertiary,100,inf
f,general,tertiary,100,150
g,general,hospice,100,50
h,rich,tertiary,100,50
,general,tertiary,100,50

j,general,tertiary,100,50,extra
k,general,secondary,400,300
l,general,tertiary
m,general,tertiary,2e12,5
"""
BAD_EXPECTED = [
    (3, "total_cost is negative"),
    (4, "in_scope_cost is not a number: 'abc'"),
    (5, "total_cost is NaN"),
    (6, "in_scope_cost is infinite"),
    (7, "in_scope_cost 150.0 exceeds total_cost 100.0"),
    (8, "unknown hospital_level 'hospice'"),
    (9, "unknown group 'rich'"),
    (10, "empty person_id"),
    (12, "too many fields"),
    (14, "total_cost is empty"),
    (15, "is above 1e+10 CNY"),
]


@pytest.mark.parametrize("chunk", ["1000", "2"])
def test_bad_rows_fail_with_line_numbers(tmp_path, zj_path, capsys, chunk):
    claims = _write(tmp_path / "claims.csv", BAD_CLAIMS)
    out = tmp_path / "out.csv"
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o", str(out),
               "--chunk-rows", chunk])
    err = capsys.readouterr().err
    assert rc == 2
    assert not out.exists() and _leftovers(tmp_path) == []
    listed = [ln for ln in err.splitlines() if ln.strip().startswith("line ")]
    assert len(listed) == len(BAD_EXPECTED), err
    for text, (line, reason) in zip(listed, BAD_EXPECTED, strict=True):
        assert text.strip().startswith(f"line {line}: ") and reason in text, (text, line)
    assert "11 bad row(s) (all listed)" in err


def test_many_bad_rows_first_20_and_count(tmp_path, zj_path, capsys):
    rows = [f"p{i},general,tertiary,{-i - 1},0" for i in range(57)]
    claims = _write(tmp_path / "claims.csv", HEADER + "\n" + "\n".join(rows) + "\n")
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o",
               str(tmp_path / "o.csv"), "--chunk-rows", "10"])
    err = capsys.readouterr().err
    assert rc == 2
    listed = [ln.strip() for ln in err.splitlines() if ln.strip().startswith("line ")]
    assert [ln.split(":")[0] for ln in listed] == [f"line {i}" for i in range(2, 22)]
    assert "57 bad row(s) (first 20 listed)" in err


def test_missing_column(tmp_path, zj_path, capsys):
    claims = _write(tmp_path / "c.csv", "person_id,group,total_cost,in_scope_cost\na,general,1,1\n")
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o",
               str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "line 1: missing column 'hospital_level'" in err
    assert not (tmp_path / "o.csv").exists()


CONFLICT_CLAIMS = HEADER + """
x,general,tertiary,100,50
y,general,tertiary,200,100
x,general,primary,300,300
z,poor,primary,300,300
x,poor,secondary,400,400
y,general,tertiary,500,500
"""


def test_conflicting_groups_across_chunks(tmp_path, zj_path, capsys):
    claims = _write(tmp_path / "c.csv", CONFLICT_CLAIMS)
    out = tmp_path / "o.csv"
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o", str(out),
               "--chunk-rows", "2"])
    err = capsys.readouterr().err
    assert rc == 2 and not out.exists()
    assert ("line 6: person_id 'x' appears in more than one group: general (first on line 2, "
            "2 admissions), poor (first on line 6, 1 admission)") in err
    assert "1 person(s) with conflicting groups" in err


def test_skip_bad_rows(tmp_path, zj_path, capsys):
    claims = _write(tmp_path / "claims.csv", BAD_CLAIMS + "x,general,tertiary,100,50\n"
                    "x,poor,tertiary,100,50\nx,poor,secondary,100,-1\n")
    out = tmp_path / "out.csv"
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o", str(out),
               "--skip-bad-rows", "--chunk-rows", "3"])
    err = capsys.readouterr().err
    assert rc == 0, err
    got = pd.read_csv(out, dtype={"person_id": str})
    assert list(got["person_id"]) == ["a", "k"]
    rejected = list(csv.DictReader(open(tmp_path / "out.rejected.csv", encoding="utf-8")))
    assert list(rejected[0]) == ["line", "person_id", "group", "hospital_level", "total_cost",
                                 "in_scope_cost", "reason"]
    lines = sorted(int(r["line"]) for r in rejected)
    assert lines == [3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 16, 17, 18]
    by_line = {int(r["line"]): r for r in rejected}
    assert by_line[4]["in_scope_cost"] == "abc" and "not a number" in by_line[4]["reason"]
    assert "more than one group" in by_line[16]["reason"]
    assert "more than one group" in by_line[17]["reason"]
    assert "in_scope_cost is negative" in by_line[18]["reason"]
    assert "rejected_rows=14" in err and "persons=2 admissions=2" in err
    assert "skipped 1 blank line(s)" in err
    assert _leftovers(tmp_path) == []


def test_year_outside_horizon(tmp_path, zj_path, capsys):
    claims = _write(tmp_path / "c.csv", HAND_CLAIMS)
    rc = main(["reimburse", str(zj_path), "--year", "2035", str(claims), "-o",
               str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "--year" in err and "2019..2028" in err


def test_interrupted_run_leaves_nothing(tmp_path, zj, monkeypatch):
    claims = _write(tmp_path / "c.csv", HAND_CLAIMS)
    out = tmp_path / "o.csv"

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(store.PersonStore, "write_csv", boom)
    with pytest.raises(KeyboardInterrupt):
        reimburse_file(zj, 2019, claims, out, chunk_rows=2)
    assert not out.exists() and _leftovers(tmp_path) == []


def test_frame_errors_name_rows(zj):
    df = pd.DataFrame({"person_id": ["a", "b"], "group": ["general", "nobody"],
                       "hospital_level": ["tertiary", "tertiary"],
                       "total_cost": [10.0, 10.0], "in_scope_cost": [20.0, 5.0]})
    with pytest.raises(ClaimsError) as exc:
        reimburse_frame(zj, 2019, df)
    assert [p for p, _ in exc.value.problems] == ["row 0", "row 1"]


def test_full_width_numbers_read_as_ascii(tmp_path, zj_path, capsys):
    """Costs with full-width digits, point and spaces (NFKC) settle exactly like ASCII;
    thousands separators and other scripts' digits stay errors, named by line."""
    fold = str.maketrans("0123456789.", "０１２３４５６７８９．")
    rows = HAND_CLAIMS.splitlines()
    wide = [rows[0]] + [",".join(f[:3] + [f"\u3000{f[3].translate(fold)}", f[4].translate(fold)]
                                 + f[5:]) for f in (r.split(",") for r in rows[1:])]
    claims = _write(tmp_path / "wide.csv", "\n".join(wide) + "\n")
    assert "１０００．０１" in claims.read_text()
    out = tmp_path / "out.csv"
    assert main(["reimburse", str(zj_path), "--year", "2019", str(claims), "-o", str(out)]) == 0
    assert out.read_text() == HAND_EXPECTED
    bad = _write(tmp_path / "bad.csv", HEADER + "\na,general,tertiary,１，０００,5\n"
                 "b,general,tertiary,٣,1\nc,general,tertiary,１２元,1\n")
    rc = main(["reimburse", str(zj_path), "--year", "2019", str(bad), "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "line 2: total_cost is not a number: '１，０００'" in err
    assert "line 3: total_cost is not a number: '٣'" in err
    assert "line 4: total_cost is not a number: '１２元'" in err
