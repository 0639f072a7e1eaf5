"""Meeting outputs: financing-rule and insurer report sections, the Chinese report, the
run workbook."""

from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from simi_actuarial.cli import main
from simi_actuarial.errors import SimiInputError
from simi_actuarial.report import build_report, i18n

RULE = ("financing.simi_rule={kind: loss_ratio, band: [0.85, 0.95], max_step_up: 0.15, "
        "max_step_down: 0.05}")
BMI = ["financing.bmi_per_capita=889", "financing.bmi_other_revenue_share=0.05",
       "financing.bmi_rule={kind: loss_ratio, band: [0.9, 1.0], max_step_up: 0.1}"]
VOID = {"meta", "img", "br", "hr", "input", "link"}


class Nesting(HTMLParser):
    """Fails on a closing tag that does not close the innermost open element."""

    def __init__(self):
        super().__init__()
        self.stack, self.text = [], []

    def handle_starttag(self, tag, attrs):
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def managed_run(repo_root, tmp_path_factory):
    out = tmp_path_factory.mktemp("managed") / "run"
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "12",
               "--out", str(out), "--quiet", "--set", RULE, *(x for b in BMI for x in ("--set", b)),
               "--report", "--lang", "zh"])
    assert rc == 0
    return out


def test_chinese_report_parses_and_holds_the_source_terms(managed_run):
    doc = (managed_run / "report.html").read_text(encoding="utf-8")
    p = Nesting()
    p.feed(doc)
    p.close()
    assert p.stack == []
    assert '<html lang="zh-CN">' in doc
    text = "".join(p.text)
    for term in ("大病保险", "起付线", "基金结余率", "当期结余", "累计结余", "累计结余率",
                 "基金使用率", "筹资规则", "承保机构", "蒙特卡洛", "基本医疗保险筹资标准 中位数",
                 "结论", "关键假设及其来源", "按其筹资规则", "逐年所需筹资标准", "本文件（"):
        assert term in text, term
    for english in ("Scenario summary", "Published fund indicators", "Insurer contract",
                    "Conclusion", "Key assumptions", "A flat standard of"):
        assert english not in text
    if i18n.cjk_font() is None:  # said in the report, figures keep English labels
        assert "本机未安装中文字体" in text


def test_workbook_reads_back_equal_to_summary_csv(managed_run):
    book = pd.read_excel(managed_run / "results.xlsx", sheet_name=None)
    assert set(book) == {"summary", "rules", "quantiles", "manifest", "scenario"}
    pd.testing.assert_frame_equal(book["summary"], pd.read_csv(managed_run / "summary.csv"))
    summary = book["summary"]
    assert book["rules"]["year"].tolist() == summary["year"].tolist()
    np.testing.assert_array_equal(book["rules"]["SIMI standard under the rule, p50"],
                                  summary["simi_standard_p50"])
    q = book["quantiles"]
    assert {"simi_standard_p05", "simi_standard_p95_se", "bmi_standard_p50",
            "simi_accumulated_balance_p50"} <= set(q.columns)
    manifest = dict(zip(book["manifest"]["key"], book["manifest"]["value"], strict=True))
    import json

    recorded = json.loads((managed_run / "manifest.json").read_text())
    assert manifest["scenario_hash"] == recorded["scenario_hash"]
    assert int(manifest["paths"]) == 12
    scen = dict(zip(book["scenario"]["key"], book["scenario"]["value"], strict=True))
    assert scen["financing.simi_rule.kind"] == "loss_ratio"


def test_english_report_has_rule_and_insurer_sections(managed_run, tmp_path):
    path = build_report(managed_run, tmp_path / "en.html", bootstrap=10)
    doc = path.read_text(encoding="utf-8")
    for anchor in ('id="financing"', 'id="insurer"'):
        assert anchor in doc
    assert "Financing rule: loss_ratio" in doc and "cumulative extra financing" in doc
    assert "P(insurer&#x27;s cumulative loss) ≤ 0.05" in doc


def test_fixed_standard_is_called_a_stress_case(repo_root, tmp_path):
    out = tmp_path / "fixed"
    assert main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "4",
                 "--out", str(out), "--quiet"]) == 0
    doc = build_report(out, bootstrap=5).read_text(encoding="utf-8")
    assert "stress case" in doc and "Financing standard under the rule" not in doc


def test_unknown_language_is_refused(managed_run, tmp_path):
    with pytest.raises(SimiInputError) as err:
        build_report(managed_run, tmp_path / "x.html", lang="fr")
    assert err.value.problems[0][0] == "--lang"


def test_figure_labels_are_translated_only_with_a_cjk_font(monkeypatch):
    from simi_actuarial.viz.style import new_figure

    fig, ax = new_figure()
    ax.set_ylabel("accumulated balance (CNY)")
    monkeypatch.setattr(i18n, "cjk_font", lambda: None)
    assert not i18n.localise_figure(fig, "zh")
    assert ax.get_ylabel() == "accumulated balance (CNY)"
    monkeypatch.setattr(i18n, "cjk_font", lambda: "DejaVu Sans")
    assert i18n.localise_figure(fig, "zh")
    assert ax.get_ylabel() == "累计结余（元）"


def test_workbook_holds_control_characters_of_free_text(repo_root, tmp_path):
    # found by the `make fuzz` campaign of 2026-12-01: a control character in a scenario's
    # free text (here the description, via YAML's "\x1f" escape) crashed the workbook writer
    # with openpyxl's IllegalCharacterError after the run; it is now written escaped.
    out = tmp_path / "run"
    rc = main(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths", "2",
               "--out", str(out), "--quiet", "--set", 'description="unit\\x1fsep\\ttab"'])
    assert rc == 0
    scenario = pd.read_excel(out / "results.xlsx", sheet_name="scenario")
    values = dict(zip(scenario["key"], scenario["value"], strict=True))
    assert values["description"] == "unit\\x1fsep\ttab"


def test_headline_under_a_rule_reports_the_rule_not_the_fixed_standard(repo_root, tmp_path):
    # found by a new-user trial (2026-12-01): under a rule the headline said
    # "now: 108.00 CNY; P(accumulated deficit by 2025) 1.00", the fixed standard's verdict
    from cli_capture import run_cli

    rc, out, err = run_cli(["run", str(repo_root / "tests/data/small_guangxi.yaml"), "--paths",
                            "8", "--out", str(tmp_path / "r"), "--quiet", "--set", RULE])
    assert rc == 0, err
    assert "as run, under the financing rule (loss_ratio, band 0.85–0.95" in out
    assert "the standards here are fixed ones (no rule)" in out
    assert "now: 108.00 CNY" not in out
    assert "caution: 8 paths leave fewer than 10 beyond the 5 % tail" in out
