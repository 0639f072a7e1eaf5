"""The benefit chain on cases computed by hand from the seed documents.

Every case goes through BOTH the pure-Python reference (``rules.reference.person_year``)
and the numba kernel (``rules.kernel.admission_terms`` per admission, then ``settle``).
Expected numbers are worked out in the comments from the rules as printed in the seeds
(seed002 Tables 2-6/2-7/2-12 and Appendix 1 for Zhanjiang; seed001 s4.1.5 for Nanning;
seed001 s2.1.6.2 for Guangxi) and the NBS income series, never from the code under test.

Notation: one admission at a level with in-scope cost C has BMI = rate x (C - deductible);
Zhanjiang 2018 BMI (seed002 Table 2-6): township 100/85 %, Level I 100/80 %,
Level II 300/70 %, Level III 500/50 %, BMI cap 200,000.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simi_actuarial.rules import kernel
from simi_actuarial.rules.arrays import resolve_rules
from simi_actuarial.rules.reference import Admission, episodes, person_year, simi_band_payment
from simi_actuarial.scenario.loader import load_scenario

INDEXED = Path(__file__).resolve().parent / "data" / "indexed_line.yaml"


def _load(scenarios_dir, name, *overrides):
    return load_scenario(scenarios_dir / name, list(overrides))


def _adm(table, level, in_scope, self_pay=0.0):
    return Admission(table.level_names.index(level), in_scope + self_pay, in_scope)


def both(table, year, group, admissions, os_in_scope=0.0, os_bmi=0.0):
    """Run reference and kernel; assert they agree; return the reference result."""
    g = table.group_names.index(group)
    ref = person_year(table, year, g, admissions, os_in_scope, os_bmi)
    y = table.year_index(year)
    cat = int(table.group_category[g])
    in_scope = bmi_uncapped = deductibles = self_pay = 0.0
    for a in admissions:
        d, b = kernel.admission_terms(table.rule_arrays(), y, cat, a.level, a.in_scope_cost)
        deductibles += d
        bmi_uncapped += b
        in_scope += a.in_scope_cost
        self_pay += a.total_cost - a.in_scope_cost
    k_bmi, k_simi, k_assist, k_simi_sp = kernel.settle(
        y, g, in_scope, bmi_uncapped, deductibles, os_in_scope, os_bmi, self_pay, 0.0,
        table.rule_arrays()
    )
    assert k_bmi == pytest.approx(ref.bmi_paid, rel=1e-12, abs=1e-9)
    assert k_simi == pytest.approx(ref.simi_paid, rel=1e-12, abs=1e-9)
    assert k_assist == pytest.approx(ref.assistance_paid, rel=1e-12, abs=1e-9)
    assert k_simi_sp == pytest.approx(ref.simi_on_self_pay, rel=1e-12, abs=1e-9)
    return ref


@pytest.fixture(scope="module")
def zj(scenarios_dir):
    return resolve_rules(_load(scenarios_dir, "zhanjiang_2019.yaml"))


# --- Zhanjiang "others" schedule (seed002 Tables 2-7/2-12, notes_002 s1.4 worked examples) ---


@pytest.mark.parametrize(
    "oop, expected_simi",
    [
        (20_000, 0.0),  # at the line: nothing
        (30_000, 5_000.0),  # 0.5 x (30,000 - 20,000)
        (50_000, 15_000.0),  # 0.5 x 30,000
        (80_000, 33_000.0),  # 15,000 + 0.6 x 30,000
        (100_000, 47_000.0),  # 15,000 + 18,000 + 0.7 x 20,000
        (150_000, 87_000.0),  # 47,000 + 0.8 x 50,000
        (200_000, 127_000.0),  # 47,000 + 0.8 x 100,000
    ],
)
def test_zhanjiang_band_function(zj, oop, expected_simi):
    g = zj.group_names.index("general")
    line = zj.simi_line[0, g]
    assert line == 20_000
    got = simi_band_payment(oop - line, list(zj.band_lower[0, g]), list(zj.band_rate[0, g]))
    assert got == pytest.approx(expected_simi, abs=1e-9)
    # the numba band function on the same slice
    k = kernel.band_payment(oop - line, zj.band_lower, zj.band_rate, 0, g)
    assert k == pytest.approx(expected_simi, abs=1e-9)


@pytest.mark.parametrize(
    "in_scope, bmi, simi",
    [
        # One Level III admission: BMI = 0.5 (C - 500), OOP = C - BMI = 0.5 C + 250.
        (59_500, 29_500, 5_000),  # OOP 30,000 -> 0.5 x 10,000
        (99_500, 49_500, 15_000),  # OOP 50,000 -> 0.5 x 30,000
        (199_500, 99_500, 47_000),  # OOP 100,000 -> 15,000 + 18,000 + 14,000
        (299_500, 149_500, 87_000),  # OOP 150,000 -> 47,000 + 0.8 x 50,000
    ],
)
def test_zhanjiang_single_tertiary_admission(zj, in_scope, bmi, simi):
    r = both(zj, 2019, "general", [_adm(zj, "tertiary", in_scope, self_pay=1_000)])
    assert r.bmi_paid == pytest.approx(bmi)
    assert r.simi_paid == pytest.approx(simi)
    assert r.assistance_paid == 0
    assert r.self_pay == pytest.approx(1_000)
    # patient keeps the in-scope OOP not paid by SIMI
    assert r.patient_in_scope == pytest.approx(in_scope - bmi - simi)


def test_zhanjiang_two_admissions_by_hand(zj):
    # Level II: in-scope 40,000 (+6,000 self-pay): BMI 0.7 x 39,700 = 27,790
    # Level III: in-scope 60,000 (+10,000 self-pay): BMI 0.5 x 59,500 = 29,750
    # BMI 57,540; annual in-scope OOP = 100,000 - 57,540 = 42,460 (deductibles included)
    # SIMI = 0.5 x (42,460 - 20,000) = 11,230
    # patient in-scope = 42,460 - 11,230 = 31,230; self-pay 16,000; burden 47,230
    adms = [_adm(zj, "secondary", 40_000, 6_000), _adm(zj, "tertiary", 60_000, 10_000)]
    r = both(zj, 2019, "general", adms)
    assert r.bmi_paid == pytest.approx(57_540)
    assert r.simi_paid == pytest.approx(11_230)
    assert r.patient_in_scope == pytest.approx(31_230)
    assert r.patient_burden == pytest.approx(47_230)


def test_zhanjiang_deductibles_not_counting_via_set(scenarios_dir):
    table = resolve_rules(
        _load(scenarios_dir, "zhanjiang_2019.yaml", "simi.deductible_counts_toward_line=false")
    )
    # Same two admissions: OOP 42,460 minus the deductibles 300 + 500 = 41,660
    # SIMI = 0.5 x 21,660 = 10,830 (400 less than when deductibles count)
    adms = [_adm(table, "secondary", 40_000), _adm(table, "tertiary", 60_000)]
    r = both(table, 2019, "general", adms)
    assert r.simi_paid == pytest.approx(10_830)
    assert r.patient_in_scope == pytest.approx(42_460 - 10_830)


def test_zhanjiang_bmi_cap_binds(zj):
    # Level III in-scope 500,000: BMI 0.5 x 499,500 = 249,750 -> capped at 200,000
    # OOP 300,000 -> SIMI 47,000 + 0.8 x 200,000 = 207,000; BMI+SIMI 407,000 < 600,000
    r = both(zj, 2019, "general", [_adm(zj, "tertiary", 500_000)])
    assert r.bmi_paid == pytest.approx(200_000)
    assert r.simi_paid == pytest.approx(207_000)
    assert r.patient_in_scope == pytest.approx(93_000)


def test_zhanjiang_bmi_cap_across_admissions(zj):
    # three Level III admissions of 160,500: BMI 80,000 each = 240,000 -> cap 200,000
    # OOP 481,500 - 200,000 = 281,500 -> SIMI 47,000 + 0.8 x 181,500 = 192,200
    r = both(zj, 2019, "general", [_adm(zj, "tertiary", 160_500)] * 3)
    assert r.bmi_paid == pytest.approx(200_000)
    assert r.simi_paid == pytest.approx(192_200)


def test_zhanjiang_combined_cap_binds(zj):
    # Level III in-scope 800,000: BMI 399,750 -> 200,000; OOP 600,000
    # SIMI before cap 127,000 + 0.8 x 400,000 = 447,000; BMI+SIMI cap 600,000 leaves 400,000
    r = both(zj, 2019, "general", [_adm(zj, "tertiary", 800_000)])
    assert r.bmi_paid == pytest.approx(200_000)
    assert r.simi_paid == pytest.approx(400_000)
    assert r.bmi_paid + r.simi_paid == pytest.approx(600_000)
    assert r.patient_in_scope == pytest.approx(200_000)


def test_zhanjiang_cap_history_2017(scenarios_dir):
    # 2016-2017 the combined cap was 500,000 (seed002 Tables 2-7, 2-11), BMI Level III 45 %
    # (Appendix 2): in-scope 800,000 -> BMI 0.45 x 799,500 = 359,775 -> cap 200,000;
    # SIMI room 500,000 - 200,000 = 300,000
    sc = _load(scenarios_dir, "zhanjiang_2019.yaml")
    table = resolve_rules(sc, years=[2017, 2018])
    assert list(table.simi_cap[:, table.group_names.index("general")]) == [500_000, 600_000]
    r = both(table, 2017, "general", [_adm(table, "tertiary", 800_000)])
    assert r.simi_paid == pytest.approx(300_000)
    # 2017, Level III in-scope 59,500: BMI 0.45 x 59,000 = 26,550; OOP 32,950;
    # SIMI 0.5 x 12,950 = 6,475
    r = both(table, 2017, "general", [_adm(table, "tertiary", 59_500)])
    assert r.bmi_paid == pytest.approx(26_550)
    assert r.simi_paid == pytest.approx(6_475)


def test_zhanjiang_dire_poverty(zj):
    # line 4,000, 85 %, no cap (Appendix 1 item 1)
    # Level III in-scope 20,500: BMI 10,000; OOP 10,500; SIMI 0.85 x 6,500 = 5,525
    r = both(zj, 2019, "dire_poverty", [_adm(zj, "tertiary", 20_500)])
    assert r.simi_paid == pytest.approx(5_525)
    assert r.patient_in_scope == pytest.approx(4_975)
    # in-scope 2,000,500: BMI 200,000 (capped); OOP 1,800,500; SIMI 0.85 x 1,796,500 =
    # 1,527,025 -- far above the 600,000 combined cap of the general group: no cap applies
    r = both(zj, 2019, "dire_poverty", [_adm(zj, "tertiary", 2_000_500)])
    assert r.simi_paid == pytest.approx(1_527_025)


def test_zhanjiang_poor_and_dibao(zj):
    # line 6,000, 80 %, no cap (Appendix 1 item 2)
    # Level III in-scope 20,500: OOP 10,500; SIMI 0.8 x 4,500 = 3,600
    r = both(zj, 2019, "poor", [_adm(zj, "tertiary", 20_500)])
    assert r.simi_paid == pytest.approx(3_600)
    # Township in-scope 30,100: BMI 0.85 x 30,000 = 25,500; OOP 4,600 < 6,000: nothing
    r = both(zj, 2019, "poor", [_adm(zj, "township", 30_100)])
    assert r.bmi_paid == pytest.approx(25_500)
    assert r.simi_paid == 0


# --- medical assistance (added with --set; no seed gives MA rates) ---


def test_medical_assistance_after_simi(scenarios_dir):
    sc = _load(
        scenarios_dir,
        "zhanjiang_2019.yaml",
        "assistance={ma: {source: test, rate: 0.7, deductible: 1000, annual_limit: 20000}}",
        "groups.poor.assistance=ma",
    )
    table = resolve_rules(sc)
    # poor, Level III in-scope 20,500: OOP 10,500; SIMI 3,600; left 6,900
    # MA = 0.7 x (6,900 - 1,000) = 4,130; patient in-scope 2,770
    r = both(table, 2019, "poor", [_adm(table, "tertiary", 20_500)])
    assert r.assistance_paid == pytest.approx(4_130)
    assert r.patient_in_scope == pytest.approx(2_770)
    # in-scope 300,500: BMI 150,000; OOP 150,500; SIMI 0.8 x 144,500 = 115,600; left 34,900
    # MA 0.7 x 33,900 = 23,730 -> limit 20,000; patient in-scope 14,900
    r = both(table, 2019, "poor", [_adm(table, "tertiary", 300_500)])
    assert r.assistance_paid == pytest.approx(20_000)
    assert r.patient_in_scope == pytest.approx(14_900)
    # left 900 < the MA deductible: nothing
    r = both(table, 2019, "poor", [_adm(table, "tertiary", 6_300)])
    # BMI 2,900; OOP 3,400 < line 6,000: SIMI 0; MA 0.7 x (3,400 - 1,000) = 1,680
    assert r.simi_paid == 0
    assert r.assistance_paid == pytest.approx(1_680)
    # the general group has no scheme
    r = both(table, 2019, "general", [_adm(table, "tertiary", 300_500)])
    assert r.assistance_paid == 0


# --- Nanning (seed001 s4.1.5) ---


def test_nanning_2021_general_and_poor(scenarios_dir):
    t = resolve_rules(_load(scenarios_dir, "nanning_2021.yaml"))
    adm = [_adm(t, "tertiary", 60_500)]  # BMI 0.5 x 60,000 = 30,000; OOP 30,500
    # general: line 8,000 -> 22,500 above: 0.55 x 20,000 + 0.65 x 2,500 = 12,625
    assert both(t, 2021, "general", adm).simi_paid == pytest.approx(12_625)
    # poor: line 4,000 -> 26,500 above: 0.65 x 20,000 + 0.75 x 6,500 = 17,875
    assert both(t, 2021, "poor", adm).simi_paid == pytest.approx(17_875)
    # outpatient special disease counts toward the line: in-scope 10,000, BMI paid 6,000
    # -> base 34,500, 26,500 above: 11,000 + 0.65 x 6,500 = 15,225
    r = both(t, 2021, "general", adm, os_in_scope=10_000, os_bmi=6_000)
    assert r.simi_paid == pytest.approx(15_225)
    assert r.bmi_paid == pytest.approx(36_000)
    assert r.patient_in_scope == pytest.approx(70_500 - 36_000 - 15_225)


def test_nanning_2021_cap_general_not_poor(scenarios_dir):
    t = resolve_rules(_load(scenarios_dir, "nanning_2021.yaml"))
    adm = [_adm(t, "tertiary", 2_000_500)]  # BMI 200,000 (cap); OOP 1,800,500
    # general, 1,792,500 above: 11,000 + 13,000 + 15,000 + 0.85 x 1,732,500 = 1,511,625
    # -> SIMI cap 500,000 (on SIMI alone)
    assert both(t, 2021, "general", adm).simi_paid == pytest.approx(500_000)
    # poor, 1,796,500 above: 13,000 + 15,000 + 17,000 + 0.95 x 1,736,500 = 1,694,675
    assert both(t, 2021, "poor", adm).simi_paid == pytest.approx(1_694_675)


def test_nanning_2020_deductible_excluded(scenarios_dir):
    t = resolve_rules(_load(scenarios_dir, "nanning_2020.yaml"))
    # Level III in-scope 60,500: BMI 30,000; OOP 30,500 minus the 500 deductible = 30,000
    # (Appendix III s4(3)); line 7,000 -> 23,000 above: 0.5 x 20,000 + 0.6 x 3,000 = 11,800
    r = both(t, 2020, "general", [_adm(t, "tertiary", 60_500)])
    assert r.simi_paid == pytest.approx(11_800)
    # poor: line 3,500 -> 26,500 above: 0.6 x 20,000 + 0.7 x 6,500 = 16,550
    r = both(t, 2020, "poor", [_adm(t, "tertiary", 60_500)])
    assert r.simi_paid == pytest.approx(16_550)


def test_nanning_2022_bands(scenarios_dir):
    t = resolve_rules(_load(scenarios_dir, "nanning_2022.yaml"))
    # Level III in-scope 140,500: BMI 70,000; OOP 70,500; line 8,000 -> 62,500 above
    # 0.6 x 20,000 + 0.65 x 20,000 + 0.75 x 20,000 + 0.85 x 2,500 = 42,125
    r = both(t, 2022, "general", [_adm(t, "tertiary", 140_500)])
    assert r.simi_paid == pytest.approx(42_125)
    # poor: line 4,000 -> 66,500 above: 14,000 + 15,000 + 17,000 + 0.95 x 6,500 = 52,175
    r = both(t, 2022, "poor", [_adm(t, "tertiary", 140_500)])
    assert r.simi_paid == pytest.approx(52_175)


def both_episodes(table, year, group, admissions, os_in_scope=0.0, os_bmi=0.0):
    """Per-episode settlement by the reference (``episodes``) and by the kernel
    (``episode_payments`` on the running sums, j / (n + 1) of the outpatient special disease
    for admission j of n); assert they agree; return the reference episodes."""
    g = table.group_names.index(group)
    ref = episodes(table, year, g, admissions, os_in_scope, os_bmi)
    y = table.year_index(year)
    cat = int(table.group_category[g])
    rules = table.rule_arrays()
    in_scope = bmi_uncapped = deductibles = self_pay = 0.0
    n = len(admissions)
    for j, (a, r) in enumerate(zip(admissions, ref, strict=True), start=1):
        d, b = kernel.admission_terms(rules, y, cat, a.level, a.in_scope_cost)
        sp = a.total_cost - a.in_scope_cost
        f = j / (n + 1)
        k_bmi, k_simi = kernel.episode_payments(y, g, in_scope, bmi_uncapped, deductibles,
                                                self_pay, a.in_scope_cost, b, d, sp,
                                                f * os_in_scope, f * os_bmi, 0.0, rules)
        assert k_bmi == pytest.approx(r.bmi_paid, rel=1e-12, abs=1e-9)
        assert k_simi == pytest.approx(r.simi_paid, rel=1e-12, abs=1e-9)
        in_scope += a.in_scope_cost
        bmi_uncapped += b
        deductibles += d
        self_pay += sp
    return ref


def test_nanning_2022_episodes_crossing_the_line(scenarios_dir):
    """The thesis's actual payment ratio (Jiang (2024) Tables 8-10: per SIMI-reimbursed
    episode, SIMI / in-scope cost left after BMI) for one person's three admissions; general
    group, line 8,000, bands 60/65/75/85 %, deductibles count toward the line (2021 on)."""
    t = resolve_rules(_load(scenarios_dir, "nanning_2022.yaml"))
    adm = [
        _adm(t, "tertiary", 10_500),   # BMI 0.5 x 10,000 = 5,000; OOP 5,500; year 5,500
        _adm(t, "secondary", 10_300),  # BMI 0.7 x 10,000 = 7,000; OOP 3,300; year 8,800
        _adm(t, "tertiary", 40_500),   # BMI 0.5 x 40,000 = 20,000; OOP 20,500; year 29,300
    ]
    ep = both_episodes(t, 2022, "general", adm)
    # 1st: 5,500 < 8,000: no SIMI (not a SIMI-paid episode)
    # 2nd: 800 above the line: 0.6 x 800 = 480; ratio 480 / 3,300 = 0.14545
    # 3rd: 21,300 above: 0.6 x 20,000 + 0.65 x 1,300 = 12,845 for the year, less 480 paid
    #      -> 12,365; ratio 12,365 / 20,500 = 0.60317
    assert [e.bmi_paid for e in ep] == pytest.approx([5_000, 7_000, 20_000])
    assert [e.simi_paid for e in ep] == pytest.approx([0, 480, 12_365])
    assert ep[1].actual_payment_ratio == pytest.approx(480 / 3_300)
    assert ep[2].actual_payment_ratio == pytest.approx(12_365 / 20_500)
    # the thesis's mean over SIMI-paid episodes, (0.14545 + 0.60317) / 2 = 0.37431, against
    # the person-year ratio of summary.csv: 12,845 / (61,300 - 32,000) = 0.43840
    paid = [e.actual_payment_ratio for e in ep if e.simi_paid > 0]
    assert sum(paid) / len(paid) == pytest.approx((480 / 3_300 + 12_365 / 20_500) / 2)
    year = both(t, 2022, "general", adm)
    assert sum(e.simi_paid for e in ep) == pytest.approx(year.simi_paid)  # telescopes
    assert year.simi_paid / (year.in_scope_cost - year.bmi_paid) == pytest.approx(12_845 / 29_300)

    # with outpatient special disease (in-scope 10,000, BMI 6,000: OOP 4,000, counted toward
    # the line) accruing evenly: admission j of 3 comes after j/4 of it (1,000/2,000/3,000)
    ep = both_episodes(t, 2022, "general", adm, os_in_scope=10_000, os_bmi=6_000)
    # 1st: 1,000 -> 6,500: below the line
    # 2nd: 7,500 -> 10,800: 0 -> 0.6 x 2,800 = 1,680; ratio 1,680 / 3,300 = 0.50909
    # 3rd: 11,800 -> 32,300: 0.6 x 3,800 = 2,280 -> 12,000 + 0.65 x 4,300 = 14,795;
    #      12,515; ratio 12,515 / 20,500 = 0.61049
    assert [e.simi_paid for e in ep] == pytest.approx([0, 1_680, 12_515])
    assert [e.bmi_paid for e in ep] == pytest.approx([5_000, 7_000, 20_000])  # OS BMI not in them
    assert ep[2].actual_payment_ratio == pytest.approx(12_515 / 20_500)
    # the year (33,300 counted, 25,300 above: 12,000 + 0.65 x 5,300 = 15,445) keeps the
    # 1,250 that the outpatient spending accrues between the admissions
    year = both(t, 2022, "general", adm, os_in_scope=10_000, os_bmi=6_000)
    assert year.simi_paid == pytest.approx(15_445)
    assert year.simi_paid - sum(e.simi_paid for e in ep) == pytest.approx(1_250)


# --- Guangxi unified 2021 (seed001 s2.1.6.2) ---


def test_guangxi_2021_special_group(scenarios_dir):
    # BMI tertiary rate pinned at 50 % (the bundled file carries a fitted rate)
    t = resolve_rules(_load(scenarios_dir, "guangxi_2021.yaml", "bmi.rate.tertiary=0.5"))
    adm = [_adm(t, "tertiary", 120_500)]  # BMI 60,000; OOP 60,500
    # special: line 4,000 -> 56,500 above: 0.7 x 50,000 + 0.8 x 6,500 = 40,200
    assert both(t, 2021, "special", adm).simi_paid == pytest.approx(40_200)
    # general: line 8,000 -> 52,500 above: 0.6 x 50,000 + 0.7 x 2,500 = 31,750
    assert both(t, 2021, "general", adm).simi_paid == pytest.approx(31_750)
    big = [_adm(t, "tertiary", 1_200_500)]  # BMI 200,000 (cap); OOP 1,000,500
    # special, 996,500 above: 35,000 + 40,000 + 0.9 x 896,500 = 881,850 (no cap)
    assert both(t, 2021, "special", big).simi_paid == pytest.approx(881_850)
    # general, 992,500 above: 30,000 + 35,000 + 0.8 x 892,500 = 779,000 -> cap 500,000
    assert both(t, 2021, "general", big).simi_paid == pytest.approx(500_000)


def test_guangxi_2021_out_of_scope_cost_counted(scenarios_dir):
    # Jiang (2024) s2.1.6.3: from 2021 the B/C parts paid first and the price above the
    # catalogue limit count toward the line; here half of the out-of-scope cost (share pinned
    # by --set, BMI tertiary rate 0.5, deductible 500)
    t = resolve_rules(_load(scenarios_dir, "guangxi_2021.yaml", "bmi.rate.tertiary=0.5",
                            "bmi.deductible.tertiary=500", "simi.self_pay_counted_share=0.5"))
    adm = [_adm(t, "tertiary", 45_500, self_pay=6_000)]  # total 51,500
    r = both(t, 2021, "general", adm)
    # BMI 0.5 x 45,000 = 22,500; in-scope OOP 23,000; counted 0.5 x 6,000 = 3,000
    # -> 26,000, 18,000 above the line 8,000: SIMI 0.6 x 18,000 = 10,800
    assert r.bmi_paid == pytest.approx(22_500)
    assert r.simi_paid == pytest.approx(10_800)
    # SIMI split pro rata of what was counted: 10,800 x 3,000 / 26,000 on out-of-scope cost
    assert r.simi_on_self_pay == pytest.approx(10_800 * 3_000 / 26_000)
    assert r.self_pay == pytest.approx(6_000 - 10_800 * 3_000 / 26_000)
    assert r.patient_in_scope == pytest.approx(23_000 - 10_800 * 23_000 / 26_000)
    # without counting: 0.6 x (23,000 - 8,000) = 9,000, all of it in scope
    t0 = resolve_rules(_load(scenarios_dir, "guangxi_2021.yaml", "bmi.rate.tertiary=0.5",
                             "bmi.deductible.tertiary=500", "simi.self_pay_counted_share=0"))
    r0 = both(t0, 2021, "general", adm)
    assert (r0.simi_paid, r0.simi_on_self_pay, r0.self_pay) == pytest.approx((9_000, 0, 6_000))


# --- indexed starting line (fixture tests/data/indexed_line.yaml; series in simi_actuarial/data) ---
# NBS national per-capita disposable income: 2021 35,128; 2022 36,883; 2023 39,218.
# Beyond 2023 the series grows at economy.income_growth = 5 %: 2024 41,178.9; 2025 43,237.845.


def _lines(scenarios_dir, *overrides, group="general"):
    t = resolve_rules(_load(INDEXED.parent, INDEXED.name, *overrides))
    return [float(x) for x in t.simi_line[:6, t.group_names.index(group)]]


def test_indexed_line_as_published(scenarios_dir):
    # 2021: 8,000 (history); from 2022 0.5 x prior-year income, rounded to 100, within
    # [8,000, 15,000]: 0.5 x 35,128 = 17,564 -> 17,600 -> ceiling 15,000, and above after.
    assert _lines(scenarios_dir) == [8_000, 15_000, 15_000, 15_000, 15_000, 15_000]
    # special groups: 0.25 x 35,128 = 8,782 -> 8,800 -> ceiling 7,500
    assert _lines(scenarios_dir, group="special") == [4_000, 7_500, 7_500, 7_500, 7_500, 7_500]


def test_indexed_line_guangxi_series(scenarios_dir):
    # Guangxi all-residents income (Guangxi statistical communiques): 2021 26,727; 2022
    # 27,981; 2023 29,514; then +5 %/yr: 2024 30,989.7. general 0.5 x: 13,363.5 -> 13,400;
    # 13,990.5 -> 14,000; 14,757 -> 14,800; 15,494.85 -> 15,500 -> ceiling 15,000
    lines = _lines(scenarios_dir, "simi.schedules.general.starting_line.2022.indexed.series=guangxi")
    assert lines == [8_000, 13_400, 14_000, 14_800, 15_000, 15_000]
    # special 0.25 x: 6,681.75 -> 6,700; 6,995.25 -> 7,000; 7,378.5 -> 7,400; 7,747.4 -> 7,500
    lines = _lines(scenarios_dir, "simi.schedules.special.starting_line.2022.indexed.series=guangxi",
                   group="special")
    assert lines == [4_000, 6_700, 7_000, 7_400, 7_500, 7_500]


def test_bundled_indexed_scenario_indexes(scenarios_dir):
    # guangxi_2021_indexed.yaml exists to show indexation: its line must move with income
    # before any ceiling binds (it sat at the ceiling from 2022 with the national series)
    t = resolve_rules(_load(scenarios_dir, "guangxi_2021_indexed.yaml"))
    general = [float(x) for x in t.simi_line[:4, t.group_names.index("general")]]
    assert general[0] < general[1] < general[2] < general[3] <= 15_000


def test_indexed_line_cap_binding_later(scenarios_dir):
    lines = _lines(scenarios_dir, "simi.schedules.general.starting_line.2022.indexed.cap=19000")
    # 2022: 17,600; 2023: 0.5 x 36,883 = 18,441.5 -> 18,400; 2024: 0.5 x 39,218 = 19,609 ->
    # 19,600 -> 19,000; 2025: 0.5 x 41,178.9 = 20,589.45 -> 20,600 -> 19,000
    assert lines == [8_000, 17_600, 18_400, 19_000, 19_000, 19_000]


def test_indexed_line_uncapped_and_extrapolated(scenarios_dir):
    lines = _lines(scenarios_dir, "simi.schedules.general.starting_line.2022.indexed.cap=null")
    # 2025: 0.5 x 41,178.9 = 20,589.45 -> 20,600; 2026: 0.5 x 43,237.845 = 21,618.92 -> 21,600
    assert lines == [8_000, 17_600, 18_400, 19_600, 20_600, 21_600]


def test_indexed_line_floor_binding_first(scenarios_dir):
    lines = _lines(scenarios_dir, "simi.schedules.general.starting_line.2022.indexed.factor=0.2")
    # 0.2 x 35,128 = 7,025.6 -> 7,000 -> floor 8,000; 0.2 x 36,883 = 7,376.6 -> 7,400 ->
    # 8,000; 0.2 x 39,218 = 7,843.6 -> 7,800 -> 8,000; 0.2 x 41,178.9 = 8,235.78 -> 8,200;
    # 0.2 x 43,237.845 = 8,647.57 -> 8,600
    assert lines == [8_000, 8_000, 8_000, 8_000, 8_200, 8_600]


def test_indexed_line_rural_series_and_gap(scenarios_dir):
    lines = _lines(scenarios_dir, "simi.schedules.general.starting_line.2022.indexed.series=rural")
    # rural: 2021 18,931 -> 9,465.5 -> 9,500; 2022 20,133 -> 10,066.5 -> 10,100;
    # 2023 21,691 -> 10,845.5 -> 10,800 (half-up on 108.455 rounds to 108)
    assert lines[:4] == [8_000, 9_500, 10_100, 10_800]
    # rural 2020 is missing in the NBS file: geometric mean of 2019 (16,021) and 2021
    # (18,931); a line effective 2021 with lag 1 uses it (no rounding)
    lines = _lines(
        scenarios_dir,
        "simi.schedules.general.starting_line={2021: {indexed: {factor: 0.5, series: rural}}}",
    )
    assert lines[0] == pytest.approx(0.5 * math.sqrt(16_021 * 18_931))
    assert lines[1] == pytest.approx(0.5 * 18_931)


def test_indexed_line_drives_payment(scenarios_dir):
    t = resolve_rules(_load(INDEXED.parent, INDEXED.name))
    adm = [_adm(t, "tertiary", 60_500)]  # BMI 30,000; OOP 30,500
    # 2021 line 8,000: 0.6 x 22,500 = 13,500; 2022 line 15,000: 0.6 x 15,500 = 9,300
    assert both(t, 2021, "general", adm).simi_paid == pytest.approx(13_500)
    assert both(t, 2022, "general", adm).simi_paid == pytest.approx(9_300)


# --- Chongqing 2013 contribution categories (seed003 s2.3) ---


def test_chongqing_categories(scenarios_dir):
    t = resolve_rules(_load(scenarios_dir, "chongqing_urrbmi_2013.yaml"))
    # Grade III in-scope 20,800: Cat. 1 BMI 0.40 x 20,000 = 8,000; Cat. 2 0.45 x 20,000 = 9,000
    assert both(t, 2013, "cat1", [_adm(t, "tertiary", 20_800)]).bmi_paid == pytest.approx(8_000)
    assert both(t, 2013, "cat2", [_adm(t, "tertiary", 20_800)]).bmi_paid == pytest.approx(9_000)
    # Grade III in-scope 300,800: uncapped 120,000 (Cat. 1) / 135,000 (Cat. 2) ->
    # caps 80,000 / 120,000; OOP 220,800 / 180,800; assumed SIMI line 11,500, 40 % to
    # 88,500 above the line, 50 % to 188,500, then 60 %:
    # Cat. 1: 209,300 above: 0.4 x 88,500 + 0.5 x 100,000 + 0.6 x 20,800
    #         = 35,400 + 50,000 + 12,480 = 97,880
    # Cat. 2: 169,300 above: 0.4 x 88,500 + 0.5 x 80,800 = 35,400 + 40,400 = 75,800
    r1 = both(t, 2013, "cat1", [_adm(t, "tertiary", 300_800)])
    r2 = both(t, 2013, "cat2", [_adm(t, "tertiary", 300_800)])
    assert (r1.bmi_paid, r2.bmi_paid) == (pytest.approx(80_000), pytest.approx(120_000))
    assert (r1.simi_paid, r2.simi_paid) == (pytest.approx(97_880), pytest.approx(75_800))


# --- vectorised kernel on the same hand cases ---


def test_settle_many_matches_hand_cases(zj):
    import numpy as np

    g = np.array([zj.group_names.index(n) for n in ("general", "general", "dire_poverty")])
    # Level III in-scope 59,500 / 800,000 / 20,500 (deductible 500, rate 0.5)
    in_scope = np.array([59_500.0, 800_000.0, 20_500.0])
    ded = np.full(3, 500.0)
    bmi_unc = 0.5 * (in_scope - ded)
    zeros = np.zeros(3)
    bmi, simi, assist, simi_sp = kernel.settle_many(
        0, g, in_scope, bmi_unc, ded, zeros, zeros, zeros, zj.rule_arrays()
    )
    np.testing.assert_allclose(simi_sp, 0.0)
    np.testing.assert_allclose(bmi, [29_500, 200_000, 10_000])
    np.testing.assert_allclose(simi, [5_000, 400_000, 5_525])
    np.testing.assert_allclose(assist, 0.0)
