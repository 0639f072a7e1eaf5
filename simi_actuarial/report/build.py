"""Build the HTML run report from a finished run's files (``simi report DIR``,
``simi run --report``)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import SimiInputError
from ..io import write_text
from ..rules.text import summarize
from ..scenario.base import value_at
from . import html as H
from .run_files import RunFiles

ALPHA = 0.05
SECTIONS = ("conclusion", "scenario", "assumptions", "rules", "tables", "financing", "insurer",
            "plots", "mc-error", "manifest")


def build_report(run_dir: str | Path, out: str | Path | None = None, alpha: float = ALPHA,
                 figures_dir: str | Path | None = None, bootstrap: int = 199,
                 lang: str = "en") -> Path:
    """Write a self-contained HTML report of the run in ``run_dir`` (default
    ``run_dir/report.html``) and return its path. Everything is rebuilt from
    ``summary.csv``, ``paths.parquet`` and ``manifest.json``. With ``figures_dir`` the
    figures are also written there as PNG files. ``lang``: ``en`` or ``zh`` (Chinese,
    :mod:`.i18n`)."""
    if not 0 < alpha < 1:
        raise SimiInputError("--alpha", [("--alpha", f"must be in (0, 1), got {alpha}")])
    run = RunFiles.load(run_dir)
    target = Path(out) if out is not None else run.directory / "report.html"
    write_text(target, render_report(run, alpha, figures_dir, bootstrap, lang))
    return target


def render_report(run: RunFiles, alpha: float = ALPHA, figures_dir: str | Path | None = None,
                  bootstrap: int = 199, lang: str = "en") -> str:
    """The report as an HTML string."""
    from ..viz.financing import DEFAULT_ALPHAS, financing_curve
    from . import i18n, managed

    i18n.check_lang(lang)
    alphas = sorted(set(DEFAULT_ALPHAS) | {alpha})
    curve = financing_curve(run, alphas, "accumulated", bootstrap=bootstrap, seed=run.seed)
    figs, notes = _figures(run, curve, lang)
    if figures_dir is not None:
        from ..io import atomic_path

        for name, (png, _, _) in figs.items():
            with atomic_path(Path(figures_dir) / f"{name}.png") as tmp:
                tmp.write_bytes(png)
    sc = run.scenario
    from .answers import assumptions_section, conclusion_section

    sections = [
        ("conclusion", "Conclusion", conclusion_section(run, alpha)),
        ("scenario", "Scenario summary", _scenario_section(run, curve, alpha)),
        ("assumptions", "Key assumptions and where they come from", assumptions_section(run)),
        ("rules", "Resolved rules per year", _rules_section(run)),
        ("tables", "Results by year", _tables_section(run, curve)),
        # managed funds and the insurer (report/managed.py)
        ("financing", "Fund indicators and financing standard", managed.financing_section(run)),
        ("insurer", "Insurer contract", managed.insurer_section(run, alpha, bootstrap, lang)),
        ("plots", "Figures", "".join(H.figure(png, cap, alt) for png, cap, alt in figs.values())
         + "".join(H.para(x, "note") for x in notes)),
        ("mc-error", "Monte Carlo error", _mc_section(run, curve, alpha)),
        ("manifest", "Manifest (provenance)", _manifest_section(run)),
    ]
    sections = [x for x in sections if x[2]]  # no insurer: no insurer section
    return i18n.translate_html(H.document(f"SIMI fund projection: {sc.name}", sections), lang)


# --------------------------------------------------------------------------- sections

def _first(value, year):
    return float(value_at(value, year)) if value is not None else math.nan


def _scenario_section(run: RunFiles, curve: pd.DataFrame, alpha: float) -> str:
    from ..viz.deficit import exhaustion_years

    sc, s = run.scenario, run.summary
    y0, y1 = int(run.years[0]), int(run.years[-1])
    last = s.iloc[-1]
    ex = exhaustion_years(run.paths).to_numpy()
    exhausted = ex[ex > 0]
    row = curve[np.isclose(curve.alpha, alpha)].iloc[0]
    facts = [
        ("scenario", sc.name),
        ("description", (sc.description or "").strip() or "–"),
        ("horizon", f"{y0}–{y1} ({len(run.years)} years)"),
        ("insured", f"{s.insured.iloc[0]:,.0f} in {y0}, {s.insured.iloc[-1]:,.0f} in {y1}"),
        ("groups", ", ".join(sc.groups)),
        ("SIMI financing", f"{_first(sc.financing.simi_per_capita, y0):,.2f} CNY per insured "
                           f"in {y0}, {_first(sc.financing.simi_per_capita, y1):,.2f} in {y1}"),
        ("Monte Carlo", f"{run.n_paths:,} paths, seed {run.seed}"),
        ("engine", engine_text(run.manifest)),
        ("SIMI claims per insured",
         f"{s.simi_per_insured_mean.iloc[0]:,.2f} CNY in {y0} → "
         f"{last.simi_per_insured_mean:,.2f} ± {last.simi_per_insured_mean_se:,.2f} in {y1}"),
        (f"P(accumulated deficit by {y1})",
         f"{last.p_accumulated_deficit_by_year:.3f} ± {last.p_accumulated_deficit_by_year_se:.3f}"),
        ("exhaustion year",
         (f"median {int(np.median(exhausted))} among the {100 * len(exhausted) / len(ex):.1f} % "
          "of paths exhausted within the horizon" if len(exhausted) else
          "no path exhausted within the horizon")),
        (f"required standard (P(accumulated deficit in any year) ≤ {alpha:g})",
         f"{row.per_capita:,.2f} CNY per insured in {y0} "
         f"(95 % bootstrap CI {row.ci95_low:,.2f}–{row.ci95_high:,.2f}), flat over the horizon"),
    ]
    frame = pd.DataFrame(facts, columns=["item", "value"])
    return H.table(frame) + H.para(
        "Amounts are nominal CNY. ± values are one Monte Carlo standard error.", "note")


def engine_text(manifest: dict) -> str:
    """The run's engine as the report states it (with the proxy's design and its check
    against the microsimulation, from the manifest)."""
    if manifest.get("engine", "micro") != "proxy":
        return "microsimulation: every claimant of every path simulated"
    d = manifest.get("proxy") or {}
    inner = d.get("inner_claimants_per_grid_point") or [0]
    text = (f"proxy: conditional moments from inner microsimulations on "
            f"{d.get('grid_points', '?')} cost-factor grid points per year, "
            f"{min(inner):,}–{max(inner):,} inner claimants per grid point"
            + ("" if d.get("process_noise", True) else ", no process noise"))
    check = manifest.get("proxy_check")
    if isinstance(check, dict):
        return text + (f"; checked against the microsimulation on {check.get('paths')} paths, "
                       f"largest |z| {check.get('max_abs_z', float('nan')):.2f}")
    return text + "; not checked against the microsimulation (simi run --check-micro)"


def _rules_section(run: RunFiles) -> str:
    from .rules_table import rules_per_year

    sc = run.scenario
    frame = rules_per_year(sc, run.summary)
    fmts = {c: (".1%" if "share" in c else ",.0f") for c in frame.columns if c != "year"}
    fmts["SIMI financing (CNY/insured)"] = ",.2f"
    return (H.para("Rules in force by period (as printed by simi validate): BMI deductible/"
                   "rate by hospital level, SIMI starting line, bands and cap by group, "
                   "assistance.") + H.pre(summarize(sc))
            + H.para("Per year (– = no cap):") + H.table(frame, fmts))


SUMMARY_TABLE = [
    ("year", "year", "d"),
    ("insured", "insured", ",.0f"),
    ("simi_income_mean", "SIMI income (CNY)", ",.0f"),
    ("simi_expenditure_mean", "SIMI expenditure (CNY)", ",.0f"),
    ("simi_per_insured_mean", "SIMI claims per insured (CNY)", ",.2f"),
    ("simi_per_insured_mean_se", "± SE", ",.2f"),
    ("loss_ratio_mean", "loss ratio", ".3f"),
    ("p_current_deficit", "P(current deficit)", ".3f"),
    ("p_current_deficit_se", "± SE", ".3f"),
    ("p_accumulated_deficit", "P(acc. balance < 0)", ".3f"),
    ("p_accumulated_deficit_se", "± SE", ".3f"),
    ("simi_accumulated_balance_p05", "acc. balance p05 (CNY)", ",.0f"),
    ("simi_accumulated_balance_p50", "acc. balance p50 (CNY)", ",.0f"),
    ("simi_accumulated_balance_p95", "acc. balance p95 (CNY)", ",.0f"),
]
SHARE_TABLE = [("year", "year", "d"), ("share_bmi", "BMI", ".1%"), ("share_simi", "SIMI", ".1%"),
               ("share_assistance", "assistance", ".1%"),
               ("share_patient_in_scope", "patient in-scope", ".1%"),
               ("share_self_pay", "self-pay", ".1%"),
               ("simi_actual_payment_ratio", "SIMI actual payment ratio", ".1%"),
               ("simi_episode_payment_ratio", "SIMI actual payment ratio per episode", ".1%"),
               ("beneficiaries_mean", "SIMI beneficiaries", ",.0f"),
               ("che_rate_mean", "CHE rate (per insured)", ".2%")]


def _select(frame: pd.DataFrame, spec) -> str:
    return H.columns_table(frame, spec)


def _tables_section(run: RunFiles, curve: pd.DataFrame) -> str:
    c = curve[["alpha", "per_capita", "ci95_low", "ci95_high", "achieved_in_sample"]]
    return ("<h3>Fund and risk</h3>" + _select(run.summary, SUMMARY_TABLE)
            + H.para("Accumulated balance quantiles are over paths; their standard errors "
                     "are in summary.csv (_se columns).", "note")
            + "<h3>Who pays, beneficiaries, catastrophic expenditure</h3>"
            + _select(run.summary, SHARE_TABLE)
            + "<h3>Required financing standard by risk tolerance</h3>"
            + H.table(c, {"alpha": "g", "per_capita": ",.2f", "ci95_low": ",.2f",
                          "ci95_high": ",.2f", "achieved_in_sample": ".3f"},
                      {"alpha": "α", "per_capita": "standard (CNY/insured, first year)",
                       "ci95_low": "95 % CI low", "ci95_high": "95 % CI high",
                       "achieved_in_sample": "P(deficit) in sample"})
            + H.para("Standard held flat over the horizon, meeting P(accumulated deficit in "
                     "any year) ≤ α; solved per path without re-simulation (the balance is "
                     "linear in the standard); 95 % CI by bootstrap over paths.", "note"))


def _figures(run: RunFiles, curve: pd.DataFrame, lang: str = "en"):
    """``({name: (png, caption, alt)}, [notes on figures not drawn])``."""
    from ..viz import (
        deficit_probability,
        exhaustion_histogram,
        fan_chart,
        payer_composition,
        population_pyramid,
        required_financing_vs_alpha,
    )
    from ..viz.style import png_bytes

    sc = run.scenario
    y0 = int(run.years[0])
    out, notes = {}, []

    from .i18n import figure_note, localise_figure

    def add(name, fig, caption, alt):
        localise_figure(fig, lang)
        out[name] = (png_bytes(fig), caption, alt)

    add("fan_chart", fan_chart(run.paths),
        "Accumulated SIMI balance (end of year, nominal): median and the bands holding 50 % "
        "and 90 % of the paths.", "fan chart of the accumulated balance")
    add("deficit_probability", deficit_probability(run.summary),
        "Share of paths with a current deficit in the year and with a negative accumulated "
        "balance at the end of the year; error bars ± 1.96 Monte Carlo standard errors.",
        "deficit probability by year")
    add("exhaustion_years", exhaustion_histogram(run.paths),
        "First year in which the accumulated balance is negative, share of paths.",
        "exhaustion-year histogram")
    add("payer_composition", payer_composition(run.summary),
        "Mean shares of claimants' total cost paid by each layer and by patients.",
        "payer composition by year")
    add("required_financing", required_financing_vs_alpha(
        curve, _first(sc.financing.simi_per_capita, y0)),
        "Per-capita standard (first year, held flat) that keeps P(accumulated deficit in "
        "any year) at or below α, with 95 % bootstrap CI.", "required financing against alpha")
    try:
        from ..population.projection import project_population

        pop = project_population(sc.population, y0, len(run.years))
        add("population_pyramid", population_pyramid(pop.years, pop.insured),
            "Expected insured persons by age and sex (cohort-component projection of the "
            "scenario's population assumptions; the engine rounds these to whole persons "
            "per cell and group).", "population pyramid over time")
    except SimiInputError as exc:  # e.g. a structure CSV no longer at its recorded path
        notes.append(f"Population pyramid not drawn: {exc.format()}")
    notes += figure_note(lang)
    return out, notes


def _mc_section(run: RunFiles, curve: pd.DataFrame, alpha: float) -> str:
    s, n = run.summary, run.n_paths
    p = s["p_accumulated_deficit"].to_numpy()
    p_se = s["p_accumulated_deficit_se"].to_numpy()
    rel = (s["simi_per_insured_mean_se"] / s["simi_per_insured_mean"]).to_numpy()
    row = curve[np.isclose(curve.alpha, alpha)].iloc[0]
    proxy = run.manifest.get("engine", "micro") == "proxy"
    lines = [
        f"Every figure here is estimated from {n:,} independent Monte Carlo paths "
        f"(seed {run.seed}). Systematic risks (cost trend and its shocks, utilisation shocks, "
        "parameter uncertainty) are drawn once per path; "
        + ("within each path the claims are drawn from the proxy engine's conditional "
           "moments, estimated once by inner microsimulations." if proxy else
           "claims are simulated person by person within each path."),
        f"Probabilities: the largest standard error of P(accumulated balance < 0) over the "
        f"years is {np.nanmax(p_se):.4f} (at p = {p[np.nanargmax(p_se)]:.3f}); with {n:,} "
        f"paths no probability has a standard error above {0.5 / math.sqrt(n):.4f}. "
        "A probability estimated as exactly 0 (or 1) has a binomial standard error of 0, "
        f"yet the true value may be as far as about {3 / n:.4f} from it (rule of three, "
        "95 %).",
        f"Means: the relative standard error of SIMI claims per insured is at most "
        f"{100 * np.nanmax(rel):.2f} % in any year.",
        f"Required standard at α = {alpha:g}: 95 % bootstrap interval "
        f"{row.ci95_low:,.2f}–{row.ci95_high:,.2f} CNY around {row.per_capita:,.2f} "
        f"(relative half-width {100 * (row.ci95_high - row.ci95_low) / 2 / row.per_capita:.1f} %).",
        "Standard errors fall as 1/√paths: four times the paths halve them.",
        *(["The proxy's own estimation error is common to every path, so the standard "
            "errors of means and probabilities do not include it; the required standard's "
            "interval does (its sd from the proxy, delta method, added in quadrature). It is "
            "also measured by the check against the microsimulation (simi run --check-micro; "
            "docs/performance.md)."] if proxy else []),
        "These errors measure simulation noise only. They do not cover uncertainty in the "
        "assumptions beyond what the scenario's risk section models, nor model error: see "
        "`simi sensitivity` for how results move with each assumption.",
    ]
    if n * min(alpha, 0.05) < 10:
        lines.append(f"Caution: {n:,} paths leave fewer than 10 paths beyond the α = "
                     f"{min(alpha, 0.05):g} tail; tail quantities (p05, small-α standards) "
                     "are rough. Use at least 1,000 paths for decisions.")
    return "".join(H.para(x) for x in lines)


def _manifest_section(run: RunFiles) -> str:
    m = dict(run.manifest)
    resolved = m.pop("scenario_resolved", None)
    text = json.dumps(m, indent=2, sort_keys=True, default=str)
    return (H.para(f"Read from {run.directory / 'manifest.json'}. The scenario hash is the "
                   "SHA-256 of the resolved scenario below; it was checked when this report "
                   "was built.") + H.pre(text)
            + "<details><summary>Resolved scenario (JSON)</summary>"
            + H.pre(json.dumps(resolved, indent=2, sort_keys=True, default=str))
            + "</details>")
