"""Insurer-side targets: hand-computed roots (including a non-monotone objective), the
order-statistic property, and the solution verified on fresh paths."""

import json
from dataclasses import dataclass

import numpy as np
import pytest

import simi_actuarial as sa
from simi_actuarial.cli import main
from simi_actuarial.fund.accounting import project_funds
from simi_actuarial.scenario.loader import load_scenario
from simi_actuarial.solve_insurer import solve_insurer


@dataclass
class Tallies:
    """A run reduced to what the solver reads."""

    scenario: object
    claims: np.ndarray
    insured: np.ndarray

    @property
    def years(self):
        return np.array(self.scenario.years)

    @property
    def n_paths(self):
        return self.claims.shape[0]

    def tally(self, name):
        return self.claims if name == "simi_paid" else np.zeros_like(self.claims)


def _one_year(scenarios_dir):
    return load_scenario(scenarios_dir / "zhanjiang_2019.yaml", [
        "horizon.years=1", "financing={source: t, simi_per_capita: 100}",
        "fund.insurer={source: t, management_fee: 0, profit_cap: 0.02, loss_corridor: 0.05, "
        "loss_share_fund: 0.5}"])


def test_fund_net_cost_has_two_roots_and_the_smallest_is_reported(scenarios_dir):
    # claims 100 on one insured: below f = 100 / 1.05 = 95.24 the loss exceeds the corridor
    # and the fund bears 0.5 x 0.05 f (rising with f); above it the fund bears 0.5 (100 - f)
    # (falling). A net cost of 1 CNY is reached at f = 40 and at f = 98.
    run = Tallies(_one_year(scenarios_dir), np.array([[100.0]]), np.array([1.0]))
    sol = solve_insurer(run, "fund_net_cost", value=1.0, bootstrap=0)
    assert sol.roots == pytest.approx((40.0, 98.0), abs=1e-5)
    assert sol.per_capita == pytest.approx(40.0, abs=1e-5)


def test_insurer_margin_by_hand(scenarios_dir):
    # two paths, claims 90 and 110 on one insured, fee 0: at f in the corridor-free zone
    # above 110 both make a profit capped at 2 %: margin 0.02 only as f -> large; a margin
    # of 0 needs E[result] = 0: path 1 keeps min(f - 90, 0.02 f); path 2 loses 110 - f,
    # within the corridor (f >= 104.76) it bears half: -(110 - f) / 2.
    # 0.02 f = (110 - f) / 2 -> f = 55 / 0.52 = 105.769...
    run = Tallies(_one_year(scenarios_dir), np.array([[90.0], [110.0]]), np.array([1.0]))
    sol = solve_insurer(run, "insurer_margin", value=0.0, bootstrap=0)
    assert sol.per_capita == pytest.approx(55 / 0.52, abs=1e-5)


@pytest.fixture(scope="module")
def small(repo_root):
    return sa.load_scenario(repo_root / "tests/data/small_guangxi.yaml")


@pytest.fixture(scope="module")
def run200(small):
    return sa.simulate(small, paths=200, seed=21)


def test_insurer_loss_is_the_order_statistic_of_break_evens(small, run200):
    alpha = 0.2
    sol = solve_insurer(run200, "insurer_loss", alpha=alpha, term=3, bootstrap=100)
    assert sol.ci_low <= sol.per_capita <= sol.ci_high

    def p_loss(f):
        fp = project_funds(small, run200.insured, run200.tally("simi_paid"),
                           run200.tally("bmi_paid"), np.full(len(small.years), f))
        return float((fp.insurer_result[:, :3].sum(axis=1) < 0).mean())

    assert p_loss(sol.per_capita) <= alpha < p_loss(sol.per_capita - 0.02)
    assert sol.achieved_in_sample == pytest.approx(p_loss(sol.per_capita))


def test_insurer_solve_is_verified_by_a_rerun(repo_root, capsys):
    rc = main(["solve", str(repo_root / "tests/data/small_guangxi.yaml"), "--target",
               "insurer_loss", "--alpha", "0.2", "--term", "3", "--paths", "200",
               "--bootstrap", "50", "--quiet", "--json"])
    assert rc == 0
    out = json.loads(capsys.readouterr().out)
    assert out["target"] == "insurer_loss" and out["term"] == 3
    # the fresh paths meet the target within their own Monte Carlo error and the solve's
    assert abs(out["verify_value"] - 0.2) < 0.12, out
    rc = main(["solve", str(repo_root / "tests/data/small_guangxi.yaml"), "--target",
               "fund_net_cost", "--value", "0", "--paths", "200", "--bootstrap", "30",
               "--quiet", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["ci_low"] <= out["per_capita"] <= out["ci_high"]
    assert abs(out["verify_value"]) < 4 * out["verify_value_se"] + 0.5, out


def test_insurer_targets_refuse_bad_options(repo_root, capsys):
    small = str(repo_root / "tests/data/small_guangxi.yaml")
    assert main(["solve", small, "--target", "insurer_margin", "--quiet"]) == 2
    assert "--value" in capsys.readouterr().err
    assert main(["solve", small, "--target", "insurer_loss", "--set", "fund.insurer=null",
                 "--quiet"]) == 2
    assert "fund.insurer" in capsys.readouterr().err
    assert main(["solve", small, "--target", "insurer_margin", "--value", "0.5",
                 "--paths", "20", "--quiet"]) == 2
    assert "attainable" in capsys.readouterr().err


def test_contract_frontier_by_hand(scenarios_dir):
    from simi_actuarial.frontier import contract_frontier

    run = Tallies(_one_year(scenarios_dir), np.array([[90.0], [110.0]]), np.array([1.0]))
    t = contract_frontier(run, [100, 120], [0.05], [0.02])
    # f = 100: path 1 keeps 2 (8 returned); path 2 loses 10, 5 in the corridor: fund 2.5,
    # insurer -7.5. f = 120: both keep 2.4 (27.6 and 7.6 returned)
    np.testing.assert_allclose(t.insurer_result_per_insured, [-2.75, 2.4])
    np.testing.assert_allclose(t.p_insurer_loss, [0.5, 0.0])
    np.testing.assert_allclose(t.p_simi_deficit, [0.5, 0.0])
    np.testing.assert_allclose(t.fund_net_cost_per_insured, [(2.5 - 8) / 2, -(27.6 + 7.6) / 2])


def test_frontier_cli_from_a_run_directory(repo_root, tmp_path, capsys):
    small = str(repo_root / "tests/data/small_guangxi.yaml")
    assert main(["run", small, "--paths", "8", "--out", str(tmp_path / "r"), "--quiet"]) == 0
    rc = main(["frontier", "--from-run", str(tmp_path / "r"), "--standards", "90:110:10",
               "--corridors", "0.03,0.05", "--out", str(tmp_path / "f")])
    assert rc == 0
    import pandas as pd

    t = pd.read_csv(tmp_path / "f/frontier.csv")
    assert len(t) == 6 and (tmp_path / "f/frontier.png").stat().st_size > 10_000
    # the layer's P(deficit) does not depend on the contract terms
    assert t.groupby("standard").p_simi_deficit.nunique().eq(1).all()
    assert main(["frontier", "--from-run", str(tmp_path / "r"), "--standards", "9:1:1",
                 "--out", str(tmp_path / "g")]) == 2
    assert "--standards" in capsys.readouterr().err


def test_frontier_arguments_checked_before_simulating(scenarios_dir):
    # found by a new-user trial (2026-12-01): a reversed grid was refused only after the run
    from cli_capture import assert_clear_rejection, run_cli

    rc, _, err = run_cli(["frontier", str(scenarios_dir / "default.yaml"), "--standards",
                          "140:90:10", "--paths", "100000", "--out", "unused"])
    assert_clear_rejection(rc, err)
    assert "--standards: '140:90:10'" in err
