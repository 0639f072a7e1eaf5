"""Contract frontier: the SIMI layer's risk against the insurer's result over a grid of
financing standards x loss corridors x profit caps, from one run's tallies.

Claims do not depend on the standard or the contract terms, so every grid point is the
run's paths re-settled by :func:`~simi_actuarial.fund.accounting.project_funds` (no
re-simulation; all points share the same random paths). Per point, over the contract term
(the first ``term`` years; default the horizon):

* ``p_simi_deficit``: P(accumulated SIMI balance < 0 in any year of the horizon) — the
  layer's result before the split, so it depends on the standard (and fee) only;
* ``insurer_result_per_insured``: E[sum_t insurer result_t] / sum_t N_t (CNY per
  insured-year);
* ``p_insurer_loss``: P(sum_t insurer result_t < 0);
* ``fund_net_cost_per_insured``: E[sum_t (fund's loss share - returned surplus)] / sum_t N_t.

Each with its Monte Carlo standard error (``_se``).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from .fund.accounting import project_funds
from .stats import mean_se, prob_se


def _with_terms(scenario, corridor: float, cap: float):
    ins = scenario.fund.insurer.model_copy(update={"loss_corridor": corridor,
                                                   "profit_cap": cap})
    return scenario.model_copy(update={"fund": scenario.fund.model_copy(update={"insurer": ins})})


def contract_frontier(result, standards, corridors, profit_caps, term: int | None = None
                      ) -> pd.DataFrame:
    """The frontier table (one row per standard x corridor x profit cap). ``result``: a
    run or its files (:class:`~simi_actuarial.report.run_files.RunFiles`); the scenario
    must have an insurer contract. Standards (CNY per insured), corridors and caps are
    applied flat over the horizon; the fee and the fund's loss share stay the scenario's."""
    sc = result.scenario
    if sc.fund.insurer is None:
        raise ValueError("fund.insurer: the frontier needs an insurer contract")
    years = list(sc.years)
    T = len(years) if term is None else int(term)
    if not 1 <= T <= len(years):
        raise ValueError(f"term must be between 1 and {len(years)} years")
    n = result.insured
    claims, bmi = result.tally("simi_paid"), result.tally("bmi_paid")
    per_insured_year = n[:T].sum()
    rows = []
    for corridor, cap in itertools.product(corridors, profit_caps):
        scen = _with_terms(sc, float(corridor), float(cap))
        for f in standards:
            fp = project_funds(scen, n, claims, bmi, np.full(len(years), float(f)))
            cum = fp.insurer_result[:, :T].sum(axis=1)
            net = (fp.fund_loss_share[:, :T] - fp.returned_surplus[:, :T]).sum(axis=1)
            row = {"standard": float(f), "loss_corridor": float(corridor),
                   "profit_cap": float(cap), "term_years": T}
            for name, (est, se) in {
                "p_simi_deficit": prob_se((fp.simi_accumulated < 0).any(axis=1)),
                "insurer_result_per_insured": mean_se(cum / per_insured_year),
                "p_insurer_loss": prob_se(cum < 0),
                "fund_net_cost_per_insured": mean_se(net / per_insured_year),
            }.items():
                row[name], row[name + "_se"] = float(est), float(se)
            rows.append(row)
    return pd.DataFrame(rows)


def parse_grid(text: str) -> list[float]:
    """``"a,b,c"`` or ``"start:stop:step"`` (stop included) as a list of floats."""
    if ":" in text:
        start, stop, step = (float(x) for x in text.split(":"))
        if step <= 0 or stop < start:
            raise ValueError(f"{text!r}: expected start:stop:step with step > 0, stop >= start")
        return [float(x) for x in np.arange(start, stop + step / 2, step)]
    return [float(x) for x in text.split(",") if x.strip()]
