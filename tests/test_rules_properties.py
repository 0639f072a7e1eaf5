"""Property tests of the benefit chain on random claims and random valid rule tables.

Rule tables are drawn as replacements of the BMI/SIMI/assistance sections of a bundled
scenario (zhanjiang_2019.yaml), validated by the scenario schema and resolved with
``resolve_rules``; claims are random admissions plus outpatient special-disease costs.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simi_actuarial.rules import kernel
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.rules.kernel import (
    FLAG_CAP_COMBINED,
    FLAG_DEDUCTIBLE_COUNTS,
    FLAG_OUTPATIENT_SPECIAL_COUNTS,
)
from simi_actuarial.rules.reference import Admission, person_year, simi_band_payment
from simi_actuarial.scenario.loader import load_document, scenario_from_dict

SCENARIOS_DIR = Path(__file__).resolve().parent.parent / "scenarios"
BASE_DOC = load_document(SCENARIOS_DIR / "zhanjiang_2019.yaml")
LEVELS = list(BASE_DOC["hospital_levels"])
GROUPS = list(BASE_DOC["groups"])
RTOL, ATOL = 1e-12, 1e-9

SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

money = st.floats(min_value=0.0, max_value=300_000.0, allow_nan=False, allow_infinity=False)
rate = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@st.composite
def bands(draw):
    n = draw(st.integers(1, 5))
    steps = draw(st.lists(st.floats(100.0, 80_000.0), min_size=n, max_size=n))
    edges = [0.0]
    for s in steps[:-1]:
        edges.append(edges[-1] + s)
    closed = draw(st.booleans())
    out = []
    for i, lo in enumerate(edges):
        band = {"lower": lo, "rate": draw(rate)}
        if i + 1 < len(edges):
            band["upper"] = edges[i + 1]
        elif closed:
            band["upper"] = lo + steps[-1]
        out.append(band)
    return out


def cap():
    return st.one_of(st.none(), st.floats(1_000.0, 800_000.0))


@st.composite
def rule_docs(draw):
    """A valid scenario document with random BMI, SIMI and assistance rules."""
    doc = copy.deepcopy(BASE_DOC)
    doc["bmi"] = {
        "source": "random",
        "deductible": {lvl: draw(st.floats(0.0, 2_000.0)) for lvl in LEVELS},
        "rate": {lvl: draw(rate) for lvl in LEVELS},
        "annual_cap": draw(cap()),
    }
    general_line = draw(st.floats(0.0, 40_000.0))
    schedules = {
        "general": {"source": "random", "starting_line": general_line,
                    "bands": draw(bands()), "annual_cap": draw(cap())},
    }
    for name in GROUPS[1:]:
        schedules[name] = {
            "source": "random", "special": True,
            "starting_line": draw(st.floats(0.0, 1.0)) * general_line,
            "bands": draw(bands()), "annual_cap": draw(cap()),
        }
    doc["simi"] = {
        "source": "random",
        "cap_scope": draw(st.sampled_from(["simi", "bmi_plus_simi"])),
        "deductible_counts_toward_line": draw(st.booleans()),
        "outpatient_special_counts_toward_line": draw(st.booleans()),
        "self_pay_counted_share": draw(st.one_of(st.just(0.0), rate)),
        "schedules": schedules,
    }
    doc["assistance"] = {}
    for name in GROUPS:
        doc["groups"][name].pop("assistance", None)
        if draw(st.booleans()):
            doc["assistance"][f"ma_{name}"] = {
                "source": "random", "rate": draw(rate),
                "deductible": draw(st.floats(0.0, 5_000.0)), "annual_limit": draw(cap()),
            }
            doc["groups"][name]["assistance"] = f"ma_{name}"
    return doc


@st.composite
def tables(draw):
    return resolve_rules(scenario_from_dict(draw(rule_docs())))


admission = st.builds(
    lambda lvl, ins, sp: Admission(lvl, ins + sp, ins),
    st.integers(0, len(LEVELS) - 1), money, st.floats(0.0, 50_000.0),
)


@st.composite
def claims(draw):
    """(group index, admissions, outpatient special in-scope, BMI paid on it)."""
    g = draw(st.integers(0, len(GROUPS) - 1))
    adms = draw(st.lists(admission, min_size=0, max_size=6))
    os_in = draw(st.floats(0.0, 60_000.0))
    os_bmi = draw(st.floats(0.0, 1.0)) * os_in
    return g, adms, os_in, os_bmi


def run_kernel(table, g, adms, os_in, os_bmi):
    """(bmi, simi, assistance, simi_on_self_pay) by the compiled kernel."""
    cat = int(table.group_category[g])
    in_scope = bmi_unc = ded = self_pay = 0.0
    for a in adms:
        d, b = kernel.admission_terms(table.rule_arrays(), 0, cat, a.level,
                                      a.in_scope_cost)
        ded += d
        bmi_unc += b
        in_scope += a.in_scope_cost
        self_pay += a.total_cost - a.in_scope_cost
    return kernel.settle(0, g, in_scope, bmi_unc, ded, os_in, os_bmi, self_pay, 0.0,
                         table.rule_arrays())


def close(a, b):
    return abs(a - b) <= ATOL + RTOL * abs(b)


def year0(table):
    return int(table.years[0])


@SETTINGS
@given(tables(), claims())
def test_reference_and_kernel_agree(table, claim):
    g, adms, os_in, os_bmi = claim
    ref = person_year(table, year0(table), g, adms, os_in, os_bmi)
    bmi, simi, assist, simi_sp = run_kernel(table, g, adms, os_in, os_bmi)
    assert close(bmi, ref.bmi_paid), (bmi, ref.bmi_paid)
    assert close(simi, ref.simi_paid), (simi, ref.simi_paid)
    assert close(assist, ref.assistance_paid), (assist, ref.assistance_paid)
    assert close(simi_sp, ref.simi_on_self_pay), (simi_sp, ref.simi_on_self_pay)


@SETTINGS
@given(tables(), st.lists(claims(), min_size=1, max_size=40))
def test_settle_many_agrees_with_reference(table, batch):
    n = len(batch)
    group = np.empty(n, dtype=np.int64)
    in_scope, bmi_unc, ded, os_in, os_bmi, self_pay = (np.zeros(n) for _ in range(6))
    for i, (g, adms, o_in, o_bmi) in enumerate(batch):
        group[i] = g
        cat = table.group_category[g]
        for a in adms:
            d = min(table.bmi_deductible[0, cat, a.level], a.in_scope_cost)
            ded[i] += d
            bmi_unc[i] += table.bmi_rate[0, cat, a.level] * (a.in_scope_cost - d)
            in_scope[i] += a.in_scope_cost
            self_pay[i] += a.total_cost - a.in_scope_cost
        os_in[i], os_bmi[i] = o_in, o_bmi
    bmi, simi, assist, simi_sp = kernel.settle_many(0, group, in_scope, bmi_unc, ded, os_in,
                                                    os_bmi, self_pay, table.rule_arrays())
    for i, (g, adms, o_in, o_bmi) in enumerate(batch):
        ref = person_year(table, year0(table), g, adms, o_in, o_bmi)
        assert close(bmi[i], ref.bmi_paid)
        assert close(simi[i], ref.simi_paid)
        assert close(assist[i], ref.assistance_paid)
        assert close(simi_sp[i], ref.simi_on_self_pay)


@SETTINGS
@given(tables(), claims())
def test_payments_nonnegative_and_conserved(table, claim):
    g, adms, os_in, os_bmi = claim
    r = person_year(table, year0(table), g, adms, os_in, os_bmi)
    tol = 1e-6 * max(1.0, r.in_scope_cost)
    assert r.bmi_paid >= 0 and r.simi_paid >= 0 and r.assistance_paid >= 0
    assert r.patient_in_scope >= -tol
    assert r.self_pay >= -tol
    total_in_scope = sum(a.in_scope_cost for a in adms) + os_in
    assert r.in_scope_cost == pytest.approx(total_in_scope, rel=1e-12, abs=1e-9)
    # in-scope cost: BMI, SIMI's in-scope part, assistance and the patient; total cost: every
    # payer and the patient's self-pay (SIMI pays on out-of-scope cost where it is counted)
    assert 0.0 <= r.simi_on_self_pay <= r.simi_paid + tol
    paid = r.bmi_paid + (r.simi_paid - r.simi_on_self_pay) + r.assistance_paid + r.patient_in_scope
    assert paid == pytest.approx(r.in_scope_cost, rel=1e-12, abs=1e-9)
    everyone = r.bmi_paid + r.simi_paid + r.assistance_paid + r.patient_in_scope + r.self_pay
    assert everyone == pytest.approx(r.total_cost, rel=1e-12, abs=1e-9)
    if table.self_pay_counted[0] == 0.0:
        assert r.simi_on_self_pay == 0.0
    # caps hold
    cat = table.group_category[g]
    assert r.bmi_paid <= table.bmi_cap[0, cat] + os_bmi + tol
    cap = table.simi_cap[0, g]
    if table.flags[0, FLAG_CAP_COMBINED]:
        assert r.simi_paid <= max(cap - r.bmi_paid, 0.0) + tol
    else:
        assert r.simi_paid <= cap + tol
    assert r.assistance_paid <= table.assist_limit[0, g] + tol


def _simi_base(table, g, adms, os_in, os_bmi):
    """Annual OOP that SIMI applies to, per DESIGN.md steps 2-3 (in-scope, plus the counted
    share of the out-of-scope cost)."""
    cat = table.group_category[g]
    bmi = ded = in_scope = out_of_scope = 0.0
    for a in adms:
        d = min(table.bmi_deductible[0, cat, a.level], a.in_scope_cost)
        bmi += table.bmi_rate[0, cat, a.level] * (a.in_scope_cost - d)
        ded += d
        in_scope += a.in_scope_cost
        out_of_scope += a.total_cost - a.in_scope_cost
    base = in_scope - min(bmi, table.bmi_cap[0, cat]) + table.self_pay_counted[0] * out_of_scope
    if not table.flags[0, FLAG_DEDUCTIBLE_COUNTS]:
        base -= ded
    if table.flags[0, FLAG_OUTPATIENT_SPECIAL_COUNTS]:
        base += os_in - os_bmi
    return base


@SETTINGS
@given(tables(), claims())
def test_nothing_paid_below_the_line(table, claim):
    g, adms, os_in, os_bmi = claim
    base = _simi_base(table, g, adms, os_in, os_bmi)
    r = person_year(table, year0(table), g, adms, os_in, os_bmi)
    k_simi = run_kernel(table, g, adms, os_in, os_bmi)[1]
    line = table.simi_line[0, g]
    if base <= line * (1 - 1e-12):
        assert r.simi_paid == 0.0
        assert k_simi == 0.0
    # and never more than the highest band rate on the amount above the line
    max_rate = float(table.band_rate[0, g].max())
    assert r.simi_paid <= max_rate * max(base - line, 0.0) + 1e-6


@SETTINGS
@given(tables(), claims(), st.data())
def test_monotone_in_cost(table, claim, data):
    g, adms, os_in, os_bmi = claim
    if not adms:
        adms = [Admission(0, 1_000.0, 1_000.0)]
    i = data.draw(st.integers(0, len(adms) - 1))
    extra = data.draw(st.floats(0.0, 200_000.0))
    bigger = list(adms)
    a = bigger[i]
    bigger[i] = Admission(a.level, a.total_cost + extra, a.in_scope_cost + extra)
    y = year0(table)
    lo = person_year(table, y, g, adms, os_in, os_bmi)
    hi = person_year(table, y, g, bigger, os_in, os_bmi)
    tol = 1e-6
    assert hi.bmi_paid >= lo.bmi_paid - tol
    # BMI + SIMI never falls when cost rises; SIMI alone never falls unless the cap is on
    # BMI + SIMI (a higher BMI payment then leaves less room under the combined cap)
    assert hi.bmi_paid + hi.simi_paid >= lo.bmi_paid + lo.simi_paid - tol
    if not table.flags[0, FLAG_CAP_COMBINED]:
        assert hi.simi_paid >= lo.simi_paid - tol
    # the patient's in-scope share never falls either
    assert hi.patient_in_scope >= lo.patient_in_scope - tol
    # kernel gives the same ordering
    k_lo = run_kernel(table, g, adms, os_in, os_bmi)
    k_hi = run_kernel(table, g, bigger, os_in, os_bmi)
    assert k_hi[0] + k_hi[1] >= k_lo[0] + k_lo[1] - tol


@SETTINGS
@given(tables(), st.integers(0, len(GROUPS) - 1), st.floats(1e-6, 1.0))
def test_simi_continuous_at_band_edges(table, g, eps):
    lowers = table.band_lower[0, g]
    rates = table.band_rate[0, g]
    max_rate = float(rates.max())
    line = float(table.simi_line[0, g])
    zeros = (0.0, 0.0, 0.0, 0.0)
    for edge in lowers[np.isfinite(lowers)]:
        f_lo = simi_band_payment(edge - eps, list(lowers), list(rates)) if edge >= eps else 0.0
        f_hi = simi_band_payment(edge + eps, list(lowers), list(rates))
        assert 0.0 <= f_hi - f_lo <= 2 * eps * max_rate + 1e-9
        # through settle with no BMI: the in-scope OOP is line + edge +- eps
        k_lo = kernel.settle(0, g, line + edge - eps, 0.0, 0.0, *zeros, table.rule_arrays())[1]
        k_hi = kernel.settle(0, g, line + edge + eps, 0.0, 0.0, *zeros, table.rule_arrays())[1]
        assert k_hi - k_lo <= 2 * eps * max_rate + 1e-9
        assert k_hi >= k_lo - 1e-9


def test_random_tables_are_really_random():
    """Guard against a strategy that silently produces only trivial tables."""
    lines, flags = set(), set()

    @settings(max_examples=30, deadline=None, database=None)
    @given(tables())
    def collect(t):
        lines.add(float(t.simi_line[0, 0]))
        flags.add(tuple(int(x) for x in t.flags[0]))

    collect()
    assert len(lines) > 5
    assert len(flags) > 1
    assert all(math.isfinite(x) for x in lines)
