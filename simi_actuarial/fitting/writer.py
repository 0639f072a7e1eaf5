"""The fitted scenario (``extends`` the base; fitted morbidity, the enrolment's population
and group shares; fit summary with standard errors in comments) and its diagnostics folder
``NEW.fit/``: ``parameters.csv`` (every parameter with its standard error),
``by_age_band.csv``, ``by_level.csv``, ``by_cost_band.csv``, ``qq.png`` and
``structure.csv`` (the enrolment's age-sex structure, read by the scenario)."""

from __future__ import annotations

import datetime as _dt
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from ..io import write_csv, write_text
from ..viz.qq import cost_qq
from ..viz.style import save_figure
from . import diagnostics as D
from .fit import ClaimsFit

QQ_PROBS = np.concatenate([np.linspace(0.01, 0.99, 99), [0.995, 0.998, 0.999]])


def _name(out: Path) -> str:
    name = re.sub(r"[^a-z0-9_]", "_", out.stem.lower()).strip("_") or "fitted"
    return name if name[0].isalpha() else f"s_{name}"


def _group_shares(fit: ClaimsFit, groups) -> dict:
    by = fit.enrolment.by_group
    if not by:
        return {}
    total = sum(by.values())
    shares = {g: round(by.get(g, 0.0) / total, 6) for g in groups}
    last = list(groups)[-1]
    shares[last] = round(1.0 - sum(v for g, v in shares.items() if g != last), 6)
    return {g: {"share": v} for g, v in shares.items()}


def _summary_lines(fit: ClaimsFit) -> list[str]:
    table = fit.parameters()
    keep = table[~table.parameter.str.startswith(("claimant_probability.", "level_mix_band."))]
    lines = ["# Fitted values (maximum likelihood unless stated; ± one standard error):"]
    for r in keep.to_dict("records"):
        if np.isfinite(r["value"]):
            se = f" ± {r['se']:.4g}" if np.isfinite(r["se"]) else ""
            lines.append(f"#   {r['parameter']:<32} {r['value']:.6g}{se}")
    c = fit.claimants
    lines.append(f"#   claimant_probability: penalised binomial fit, smoothing lambda "
                 f"{c.lambda_[0]:g}/{c.lambda_[1]:g} (male/female), effective df "
                 f"{c.edf_[0]:.1f}/{c.edf_[1]:.1f}; per-age values and SEs in parameters.csv")
    return lines


def fitted_document(fit: ClaimsFit, base: Path, out: Path, claims: Path, insured: Path,
                    groups, structure_path: str) -> str:
    """Text of the fitted scenario written to ``out``."""
    st = fit.stats
    base_rel = os.path.relpath(Path(base).resolve(), out.resolve().parent)
    source = (f"simi fit-claims on {Path(claims).name} ({int(st.n_admissions):,} admissions, "
              f"{int(st.claimants.sum()):,} claimants, year {fit.year}) and "
              f"{Path(insured).name} ({int(fit.enrolment.total):,} insured)")
    head = [f"# Written by `simi fit-claims` on {_dt.date.today().isoformat()}: morbidity fitted "
            f"to {Path(claims).name}", f"# and population from {Path(insured).name} "
            f"(year {fit.year}). Everything else is inherited from {base_rel}.",
            "# Diagnostics (observed vs fitted by age band, level and cost band; QQ plot): "
            f"{out.name[:-len(out.suffix)] if out.suffix else out.name}.fit/",
            "# population.structure is a path relative to the directory simi is run from.",
            "# The outpatient special-disease block is the base's (an admissions extract does "
            "not show it).", "#"]
    head += _summary_lines(fit)
    head += [f"#   note: {n}" for n in fit.notes]
    body = {"extends": base_rel, "name": _name(out),
            "description": f"{source}; rules and financing of {base_rel}",
            "horizon": {"start_year": fit.year},
            "population": {"insured": int(round(fit.enrolment.total)),
                           "structure": structure_path}}
    shares = _group_shares(fit, groups)
    if shares:
        body["groups"] = shares
    morb = fit.morbidity(source)
    keep = [lvl for i, lvl in enumerate(st.levels) if st.bin_n[i].sum() > 0]
    for key in ("cost_mean", "cost_sigma", "tail_probability", "tail_alpha", "inscope_mean"):
        morb[key] = {k: v for k, v in morb[key].items() if k in keep}
    body["morbidity"] = morb
    text = yaml.safe_dump(body, sort_keys=False, width=92, default_flow_style=None)
    return "\n".join(head) + "\n" + text


def write_fitted(fit: ClaimsFit, base, out, claims, insured, groups) -> Path:
    """Write the fitted scenario ``out`` and its diagnostics folder; returns the folder."""
    out = Path(out)
    diag = out.with_name(out.stem + ".fit")
    diag.mkdir(parents=True, exist_ok=True)
    ins = fit.enrolment.insured
    structure = pd.DataFrame([{"age": a, "sex": sex, "count": float(ins[a, s])}
                              for a in range(101) for s, sex in enumerate(("male", "female"))])
    write_csv(diag / "structure.csv", structure)
    for name, frame in (("parameters", fit.parameters()), ("by_age_band", D.by_age_band(fit)),
                        ("by_level", D.by_level(fit)), ("by_cost_band", D.by_cost_band(fit))):
        write_csv(diag / f"{name}.csv", frame)
    levels = [lv for i, lv in enumerate(fit.stats.levels) if fit.stats.bin_n[i].sum() > 0]
    idx = [fit.stats.levels.index(lv) for lv in levels]
    emp = [D.empirical_quantiles(fit.stats.bin_n[i], QQ_PROBS) for i in idx]
    from ..morbidity.severity import spliced_quantile

    c = fit.costs
    fitted = [spliced_quantile(QQ_PROBS, c.mu_[i], c.sigma_[i], c.threshold_,
                               c.alpha_[i] if c.p_tail_[i] > 0 else 2.5, c.p_tail_[i])
              for i in idx]
    save_figure(cost_qq(levels, emp, fitted, c.threshold_), diag / "qq.png")
    rel = os.path.relpath(diag / "structure.csv")
    write_text(out, fitted_document(fit, Path(base), out, Path(claims), Path(insured), groups,
                                    rel if not rel.startswith("..") else
                                    str((diag / "structure.csv").resolve())))
    return diag
