"""The rules resolved per year as a table (report and workbook)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def rules_per_year(scenario, standards: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per year: the SIMI financing standard (the fixed history), and per group its
    share, starting line and SIMI cap (NaN: no cap). ``standards`` (optional, the run's
    summary) adds the managed standard's median where a financing rule sets it."""
    from ..fund.accounting import financing_schedule
    from ..rules.arrays import resolve_rules

    t = resolve_rules(scenario)
    cols: dict[str, object] = {"year": [int(y) for y in t.years]}
    cols["SIMI financing (CNY/insured)"] = financing_schedule(scenario, "simi_per_capita")
    if standards is not None and "simi_standard_p50" in standards.columns:
        cols["SIMI standard under the rule, p50"] = standards["simi_standard_p50"].to_numpy()
    for gi, g in enumerate(t.group_names):
        cols[f"{g}: share"] = t.group_share[:, gi]
        cols[f"{g}: starting line (CNY)"] = t.simi_line[:, gi]
        cols[f"{g}: SIMI cap (CNY)"] = t.simi_cap[:, gi]
    return pd.DataFrame(cols).replace([np.inf], np.nan)
