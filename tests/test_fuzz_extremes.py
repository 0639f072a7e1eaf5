"""Every numeric leaf of a complete scenario at the extremes of float64 (±1.7e308, the
smallest subnormal 5e-324): refused naming the field, or the scenario runs to finite outputs
(or is refused with exit-2 input errors at run time) — never a traceback or a non-finite
number. Exhaustive over the leaves, about 100 tiny runs (~20 s): part of ``make fuzz``
(a finite extreme can break a cross-field rule, which then names its partner
field; skipped in the default ``make test``, which keeps the cases it found in
``tests/test_nonfinite_numbers.py``)."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from test_nonfinite_numbers import _replaced, numeric_leaves

import simi_actuarial as sa
from simi_actuarial.errors import SimiInputError
from simi_actuarial.scenario.loader import load_scenario, scenario_from_dict

EXTREMES = (1.7e308, -1.7e308, 5e-324)

pytestmark = pytest.mark.skipif(
    int(os.environ.get("SIMI_FUZZ_SCALE", "1") or 1) < 2,
    reason="long campaign only (make fuzz)")


def _finite_outputs(result) -> bool:
    if not np.isfinite(result.raw.tallies).all():
        return False
    for values in result.funds.as_columns().values():
        v = np.asarray(values, dtype=float)
        if not (np.isfinite(v).all() or np.isnan(v).all()):  # all-NaN: fund not projected
            return False
    return True


def test_every_leaf_at_float_extremes(repo_root):
    base = load_scenario(repo_root / "tests/data/small_guangxi.yaml", [
        "population.insured=5000", "horizon.years=2", "simulation.paths=1"]).model_dump()
    bad = []
    for keys, dotted in numeric_leaves(base):
        for value in EXTREMES:
            try:
                sc = scenario_from_dict(_replaced(base, keys, value))
            except SimiInputError:
                continue  # refused (the field, or a cross-field rule naming its partner)
            if sc.population.insured > 50_000 or sc.horizon.years > 5 or sc.simulation.paths > 2:
                continue  # valid but too big to run here
            try:
                if not _finite_outputs(sa.simulate(sc, seed=1)):
                    bad.append((dotted, value, "non-finite outputs"))
            except SimiInputError:
                pass  # refused at run time with a message (exit 2)
            except Exception as exc:  # noqa: BLE001 - any other exception is the finding
                bad.append((dotted, value, f"{type(exc).__name__}: {exc}"))
    assert not bad, bad
    assert math.isfinite(EXTREMES[0])
