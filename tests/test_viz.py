"""Plots render headless to non-empty files, with the expected titles, labels and data."""

import subprocess
import sys

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.population.projection import project_population
from simi_actuarial.viz import (
    deficit_probability,
    exhaustion_histogram,
    exhaustion_years,
    fan_chart,
    financing_curve,
    payer_composition,
    population_pyramid,
    reform_deltas,
    required_financing_vs_alpha,
    save_figure,
)

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small(repo_root):
    sc = sa.load_scenario(repo_root / "tests/data/small_guangxi.yaml",
                          ["horizon.years=6", "population.insured=20000"])
    return sa.simulate(sc, paths=24, seed=5, threads=1)


def _texts(fig):
    ax = fig.axes[0]
    return ax.get_title(), ax.get_xlabel(), ax.get_ylabel()


def _saved(fig, tmp_path, name):
    path = save_figure(fig, tmp_path / f"{name}.png")
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000
    assert not list(tmp_path.glob(".*.tmp"))
    return path


def test_fan_chart_median_is_the_median_of_paths(small, tmp_path):
    fig = fan_chart(small.paths)
    title, xl, yl = _texts(fig)
    assert "Accumulated SIMI balance" in title and "24 paths" in title
    assert xl == "year" and "CNY" in yl
    unit = 1e6 if "million" in yl else 1e3 if "thousand" in yl else 1.0
    median = [ln for ln in fig.axes[0].get_lines() if ln.get_label() == "median"][0]
    np.testing.assert_allclose(median.get_ydata() * unit,
                               np.median(small.funds.simi_accumulated, axis=0), rtol=1e-12)
    _saved(fig, tmp_path, "fan")


def test_deficit_probability_plots_the_summary_with_95pct_bars(small, tmp_path):
    fig = deficit_probability(small.summary)
    title, xl, yl = _texts(fig)
    assert "Probability of a SIMI deficit" in title and xl == "year" and "probability" in yl
    ax = fig.axes[0]
    ys = [c.lines[0].get_ydata() for c in ax.containers]
    np.testing.assert_allclose(ys[0], small.summary.p_current_deficit)
    np.testing.assert_allclose(ys[1], small.summary.p_accumulated_deficit)
    # error bar half-length = 1.96 SE
    seg = ax.containers[1].lines[2][0].get_segments()
    half = np.array([(s[1][1] - s[0][1]) / 2 for s in seg])
    np.testing.assert_allclose(half, 1.959963984540054 * small.summary.p_accumulated_deficit_se,
                               atol=1e-12)
    _saved(fig, tmp_path, "deficit")


def test_exhaustion_years_agree_with_the_result_and_bars_sum_to_one(small, tmp_path):
    np.testing.assert_array_equal(exhaustion_years(small.paths).to_numpy(),
                                  small.exhaustion_year())
    fig = exhaustion_histogram(small.paths)
    title, xl, yl = _texts(fig)
    assert "first turns negative" in title and xl == "exhaustion year" and "24" in yl
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert len(heights) == len(small.years) + 1
    assert sum(heights) == pytest.approx(1.0)
    _saved(fig, tmp_path, "exhaustion")


def test_payer_composition_stacks_to_one(small, tmp_path):
    fig = payer_composition(small.summary)
    title, xl, yl = _texts(fig)
    assert "Who pays" in title and xl == "year" and "share of claimants' total cost" in yl
    ax = fig.axes[0]
    tops = np.zeros(len(small.years))
    for c in ax.containers:
        tops = np.maximum(tops, [p.get_y() + p.get_height() for p in c.patches])
    np.testing.assert_allclose(tops, 1.0, atol=1e-9)  # BMI+SIMI+assistance+patient = cost
    assert [t.get_text() for t in ax.get_legend().get_texts()][1] == "SIMI"
    _saved(fig, tmp_path, "payers")


def test_required_financing_curve_falls_with_alpha(small, tmp_path):
    curve = financing_curve(small, (0.05, 0.2, 0.5), bootstrap=20, seed=1)
    assert np.all(np.diff(curve.per_capita) <= 0)  # more risk tolerated -> lower standard
    assert np.all(curve.ci95_low <= curve.ci95_high)
    direct = sa.required_financing(small, "accumulated", 0.2, bootstrap=0)
    assert curve.per_capita.iloc[1] == direct.per_capita
    fig = required_financing_vs_alpha(curve, 108.0)
    title, xl, yl = _texts(fig)
    assert "Required SIMI financing" in title and "α" in xl and "CNY per insured" in yl
    assert any("108.00" in t.get_text() for t in fig.axes[0].get_legend().get_texts())
    _saved(fig, tmp_path, "financing")


def test_reform_deltas_of_a_scenario_with_itself_are_zero(small, tmp_path):
    from simi_actuarial.compare import Comparison

    table = Comparison(base=small, reform=small).table
    fig = reform_deltas(table, "simi_per_insured", reform_name="same", base_name="same")
    title, xl, yl = _texts(fig)
    assert "same − same" in title and "Δ SIMI claims per insured" in yl and "CNY" in yl
    np.testing.assert_array_equal(fig.axes[0].containers[0].lines[0].get_ydata(), 0.0)
    fig = reform_deltas(table, "accumulated_deficit")
    assert "percentage points" in fig.axes[0].get_ylabel()
    with pytest.raises(KeyError, match="no metric"):
        reform_deltas(table, "nonsense")
    _saved(fig, tmp_path, "reform")


def test_population_pyramid_draws_the_first_year_and_ages_the_rest(small, tmp_path):
    sc = small.scenario
    pop = project_population(sc.population, 2021, 6)
    fig = population_pyramid(pop.years, pop.insured)
    title, xl, yl = _texts(fig)
    assert "by age and sex" in title and "insured persons" in xl and "age" in yl
    bars = fig.axes[0].patches  # first year: male (negative) and female bars
    unit = 1e3 if "thousand" in xl else 1.0
    assert sum(-p.get_width() for p in bars[:101]) * unit == pytest.approx(
        pop.insured[0, :, 0].sum())
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[0].startswith("2021") and labels[-1].startswith("2026")
    with pytest.raises(ValueError, match="not in the projection"):
        population_pyramid(pop.years, pop.insured, show_years=[1999])
    _saved(fig, tmp_path, "pyramid")


def test_missing_column_is_named(small):
    with pytest.raises(KeyError, match="p_nothing"):
        deficit_probability(small.summary, series=(("p_nothing", "x", "k", "o"),))


def test_plotting_never_imports_pyplot(tmp_path):
    code = (
        "import sys, pandas as pd\n"
        "from simi_actuarial.viz import payer_composition, save_figure\n"
        "s = pd.DataFrame({'year': [2021, 2022], 'share_bmi': [.5, .5], 'share_simi': [.1, .1],"
        " 'share_assistance': [0, 0], 'share_patient_in_scope': [.3, .3],"
        " 'share_self_pay': [.1, .1]})\n"
        f"save_figure(payer_composition(s), r'{tmp_path / 'x.pdf'}')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
