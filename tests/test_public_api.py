"""Pins the public API: a change here is a change for users and needs a deliberate edit."""

import inspect

import simi_actuarial as sa

EXPECTED = {
    "ClaimsError", "Comparison", "ProxyDesign", "RequiredFinancing", "RuleTable", "Scenario", "ScenarioError",
    "SimiInputError", "SimulationResult", "compare", "load_scenario", "reimburse_file",
    "reimburse_frame", "required_financing", "resolve_rules", "simulate", "write_results",
}


def test_public_names():
    assert set(sa.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(sa, name).__doc__, f"{name} has no docstring"


def test_signatures():
    assert list(inspect.signature(sa.simulate).parameters) == [
        "scenario", "paths", "seed", "threads", "batch_paths", "progress", "executor",
        "checkpoint", "engine", "design"]
    assert list(inspect.signature(sa.load_scenario).parameters) == ["path", "overrides"]
    assert list(inspect.signature(sa.required_financing).parameters) == [
        "result", "target", "alpha", "year", "value", "growth", "bootstrap", "seed"]
    assert list(inspect.signature(sa.compare).parameters) == [
        "base", "reform", "paths", "seed", "threads", "progress", "engine", "design"]


def test_cli_commands():
    from simi_actuarial.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == {"validate", "reimburse", "run", "solve", "compare", "report",
                                "sensitivity", "sweep", "calibrate", "backtest", "frontier",
                                "fit-claims"}
