"""Simulated method of moments on common random numbers.

Every evaluation of the objective simulates the scenario with the same seed and paths
(common random numbers), so the residuals change smoothly with the parameters apart from
the small steps of binomial claimant counts; ``scipy.optimize.least_squares`` (trust region,
bounded, finite differences with a step of 1 % of each parameter's range) minimises the
weighted relative errors ``w (model / observed - 1)`` of the fitted targets within a bounded
number of simulations.

A joint fit is one run over several years: one parameter set explains every year, and the
differences between years come from the scenario's date-effective rules, its trends and its
named shocks. ``last_year`` restricts the fit to targets of years up to it (rolling-origin
backtest); a parameter whose ``identified_by`` statistics are all absent from those targets,
and parameters beyond the number of fitted targets, are then held at their start values
(parameters are listed by priority).

Covariance: with ``r_i = (model_i / observed_i - 1) / sd_i`` (``sd_i`` the target's stated
relative uncertainty) and ``J`` its forward-difference Jacobian in the parameters at the
fitted point, ``Cov(theta) = (J' J)^-1`` (Gauss-Newton, known target variances).

Engine (``tf.sample.engine``, ``simi calibrate --engine``): the microsimulation (default),
or the proxy with ``ProxyDesign(process_noise=False)``: each sample path is then the
proxy's conditional mean given its systematic factors (no claimant-count or claim-size
noise), so the objective is noise-free and smooth in the parameters apart from the proxy's
own estimation error, which its inner simulations keep on common random numbers (same
seed) from one evaluation to the next.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from ..api import simulate
from ..engine.proxy.design import ProxyDesign
from ..errors import SimiInputError
from ..results import SimulationResult
from ..scenario.loader import load_scenario
from ..scenario.schema import Scenario
from .statistics import statistic
from .targets import Parameter, Target, TargetsError, TargetsFile

#: Finite-difference step, as a fraction of each parameter's range.
DIFF_STEP = 0.01


def fmt(value: float) -> str:
    """A fitted value as written to scenario files (6 significant digits)."""
    return f"{float(value):.6g}"


def parameter_overrides(values: dict[str, float]) -> list[str]:
    """``--set`` strings for fitted parameter values."""
    return [f"{path}={fmt(v)}" for path, v in values.items()]


def scenario_with(path: Path, *overrides: Iterable[str]) -> Scenario:
    """``path`` loaded with the concatenated override lists."""
    return load_scenario(path, [o for group in overrides for o in group])


def sample_run(tf: TargetsFile, values: dict[str, float], path: Path | None = None,
               extra: Iterable[str] = ()) -> SimulationResult:
    """The fitting run: ``path`` (default the base scenario) with the targets file's
    scenario overrides, ``values``, the sample settings and ``extra`` overrides."""
    sc = scenario_with(path or tf.scenario, tf.scenario_overrides, parameter_overrides(values),
                       tf.sample_overrides(), list(extra))
    engine = tf.sample.engine
    design = ProxyDesign(process_noise=False) if engine == "proxy" else None
    return simulate(sc, paths=tf.sample.paths, seed=tf.sample.seed, threads=None,
                    engine=engine, design=design)


def check_years(tf: TargetsFile, targets: Iterable[Target], res: SimulationResult,
                where: str = "targets") -> None:
    """Raise :class:`TargetsError` naming every target whose year the run does not cover."""
    years = [int(y) for y in res.years]
    bad = [(f"{where}[{i}].year", f"{t.year} is not simulated: the sample run covers "
            f"{years[0]}-{years[-1]} (set horizon.start_year / horizon.years in "
            "scenario_overrides or sample.overrides)")
           for i, t in enumerate(targets) if t.year not in years]
    if bad:
        raise TargetsError(str(tf.path), bad)


def run_targets(tf: TargetsFile, targets: Iterable[Target], values: dict[str, float],
                path: Path | None = None, where: str = "targets") -> list[float]:
    """Model value of every target: one sample run per distinct set of target overrides
    (usually one run), all on the same seed (common random numbers)."""
    targets = list(targets)
    runs: dict[tuple[str, ...], SimulationResult] = {}
    out = []
    for t in targets:
        if t.overrides not in runs:
            runs[t.overrides] = sample_run(tf, values, path=path, extra=t.overrides)
            check_years(tf, [u for u in targets if u.overrides == t.overrides],
                        runs[t.overrides], where)
        out.append(statistic(runs[t.overrides], t.statistic, t.year))
    return out


def target_rows(targets: Iterable[Target], models: Iterable[float]) -> pd.DataFrame:
    """One row per target: observed, model, relative error, within tolerance."""
    rows = []
    for t, model in zip(targets, models, strict=True):
        rel = model / t.value - 1.0
        rows.append({"target": t.label, "statistic": t.statistic, "year": t.year,
                     "observed": t.value, "model": model, "rel_error": rel,
                     "tolerance": t.tolerance, "within": bool(abs(rel) <= t.tolerance),
                     "fit": t.fit, "source": t.source, "note": t.note})
    return pd.DataFrame(rows)


@dataclass
class FitResult:
    """Fitted values, the fit table at them and how the optimiser ended."""

    targets: TargetsFile
    values: dict[str, float]
    table: pd.DataFrame
    evaluations: int
    message: str
    start_table: pd.DataFrame
    free: tuple[str, ...] = ()
    covariance: np.ndarray | None = None
    #: d log(model) / d(parameter) of the fitted targets (rows) at the fit
    gradient: np.ndarray | None = None
    fitted: tuple[Target, ...] = ()

    @property
    def se(self) -> dict[str, float]:
        """Standard error of each free parameter (NaN without a covariance)."""
        cov = self.covariance
        return {p: (float(np.sqrt(cov[i, i])) if cov is not None else math.nan)
                for i, p in enumerate(self.free)}

    def target_log_se(self, statistic: str) -> float:
        """Standard error of ``log`` of the model's ``statistic`` in the latest year it is
        fitted (delta method: ``sqrt(g' Cov g)``, ``g`` its row of :attr:`gradient`); NaN
        if not fitted or no covariance."""
        rows = [i for i, t in enumerate(self.fitted) if t.statistic == statistic]
        if not rows or self.covariance is None or self.gradient is None:
            return math.nan
        i = max(rows, key=lambda k: self.fitted[k].year)
        g = self.gradient[i]
        return float(np.sqrt(max(g @ self.covariance @ g, 0.0)))

    def log_se(self, path: str) -> float:
        """Standard error of ``log(parameter)`` (delta method), NaN if not free."""
        if path not in self.free:
            return math.nan
        return self.se[path] / abs(self.values[path])

    @property
    def all_within(self) -> bool:
        return bool(self.table["within"].all())


class _Budget(Exception):
    pass


def _simplex(x: np.ndarray, step: float = 0.08) -> np.ndarray:
    """Initial Nelder-Mead simplex around ``x`` inside the unit box."""
    pts = [x]
    for i in range(len(x)):
        y = x.copy()
        y[i] = x[i] + step if x[i] + step <= 1.0 else x[i] - step
        pts.append(y)
    return np.array(pts)


def fitted_up_to(tf: TargetsFile, last_year: int | None) -> tuple[Target, ...]:
    """The fitted targets of years up to ``last_year`` (all if None)."""
    return tuple(t for t in tf.fitted_targets if last_year is None or t.year <= last_year)


def free_parameters(tf: TargetsFile, fitted: Iterable[Target]) -> tuple[Parameter, ...]:
    """The parameters a fit on ``fitted`` estimates: those identified by its statistics
    (``Parameter.identified_by`` empty, or one of them among the fitted targets), at most
    one per fitted target, in the file's priority order; the rest are held."""
    fitted = tuple(fitted)
    present = {t.statistic for t in fitted}
    usable = [p for p in tf.parameters
              if not p.identified_by or present.intersection(p.identified_by)]
    return tuple(usable[:len(fitted)])


def covariance(residual_fn: Callable[[np.ndarray], np.ndarray], x: np.ndarray,
               r0: np.ndarray, sd: np.ndarray, span: np.ndarray,
               step: float = 2 * DIFF_STEP) -> tuple[np.ndarray, np.ndarray]:
    """``((J' J)^-1, L)``: ``J`` the forward-difference Jacobian of the relative errors
    ``residual_fn`` over their ``sd`` in parameter units (``x`` in the unit box, stepped
    inward at the bounds); ``L = d log(model) / d parameter``."""
    cols = []
    for i in range(len(x)):
        h = step if x[i] + step <= 1.0 else -step
        y = x.copy()
        y[i] += h
        cols.append((residual_fn(y) - r0) / h)
    grad = np.column_stack(cols) / span[None, :]
    jac = grad / sd[:, None]
    return np.linalg.pinv(jac.T @ jac), grad / (1.0 + r0)[:, None]


def calibrate(tf: TargetsFile, max_evaluations: int | None = None,
              start: dict[str, float] | None = None,
              progress: Callable[[int, float], None] | None = None,
              last_year: int | None = None, with_covariance: bool = True) -> FitResult:
    """Fit ``tf.parameters`` to ``tf``'s fitted targets (of years up to ``last_year``); see
    the module docstring.

    ``start`` overrides the parameters' start values (parameter-recovery tests);
    ``progress(evaluation, cost)`` is called after every simulation. The covariance costs
    one simulation per free parameter beyond ``max_evaluations``.
    """
    budget = max_evaluations or tf.max_evaluations
    fitted = fitted_up_to(tf, last_year)
    if not fitted:
        raise TargetsError(str(tf.path), [("targets", f"no fitted target of a year up to "
                                           f"{last_year}")])
    x0_all = {p.path: float((start or {}).get(p.path, p.start)) for p in tf.parameters}
    params = free_parameters(tf, fitted)
    held = {p.path: x0_all[p.path] for p in tf.parameters if p not in params}
    lo = np.array([p.lower for p in params])
    span = np.array([p.upper - p.lower for p in params])
    x0_values = np.array([x0_all[p.path] for p in params])
    obs = np.array([t.value for t in fitted])
    w = np.array([t.weight for t in fitted])
    sd = np.array([t.sd for t in fitted])
    best = {"cost": math.inf, "x": (x0_values - lo) / span}
    count = [0]

    tol = np.array([t.tolerance for t in fitted])

    def _within(x) -> bool:
        return bool(np.all(np.abs(best["r"] / w) <= tol)) if "r" in best else False

    def values_of(x) -> dict[str, float]:
        out = {p.path: float(v) for p, v in zip(params, lo + span * np.clip(x, 0, 1),
                                                 strict=True)}
        return {**out, **held}

    def relative(x) -> np.ndarray:
        return np.array(run_targets(tf, fitted, values_of(x))) / obs - 1.0

    def residuals(x):
        if count[0] >= budget:
            raise _Budget
        count[0] += 1
        try:
            r = w * relative(x)
        except SimiInputError:  # e.g. a cost distribution that cannot be fitted: infeasible
            r = np.full(len(fitted), 10.0)
        r = np.where(np.isfinite(r), r, 10.0)
        cost = float(r @ r)
        if cost < best["cost"]:
            best.update(cost=cost, x=np.array(x, dtype=float), r=r)
        if progress is not None:
            progress(count[0], cost)
        return r

    x0 = np.clip((x0_values - lo) / span, 0.0, 1.0)
    start_table = target_rows(tf.targets, run_targets(tf, tf.targets, values_of(x0)))
    message = "no parameters: evaluated only"
    if params:
        try:
            out = optimize.least_squares(residuals, x0, bounds=(0.0, 1.0), diff_step=DIFF_STEP,
                                         x_scale=1.0, xtol=1e-4, ftol=1e-6, gtol=1e-8)
            message = out.message
        except _Budget:
            message = f"stopped after {budget} simulations (max_evaluations): best point kept"
        if count[0] < budget and not _within(best["x"]):
            # the trust region can stall on the small steps of the claimant counts: polish
            # with Nelder-Mead (derivative-free) from the best point, on the remaining budget
            try:
                optimize.minimize(lambda x: float(np.sum(residuals(np.clip(x, 0, 1)) ** 2)),
                                  best["x"], method="Nelder-Mead",
                                  options={"xatol": 1e-4, "fatol": 1e-7,
                                           "initial_simplex": _simplex(best["x"])})
                message += "; polished by Nelder-Mead"
            except _Budget:
                message += f"; Nelder-Mead polish stopped at {budget} simulations"
        if held:
            message += (f"; held at their start values (too few targets, or none that "
                        f"identifies them): {sorted(held)}")
    values = values_of(best["x"])
    cov = grad = None
    if params and with_covariance:
        xb = best["x"]
        try:
            cov, grad = covariance(relative, xb, relative(xb), sd, span)
        except SimiInputError:  # a step left the feasible region: no covariance
            cov = grad = None
    final = run_targets(tf, tf.targets, {k: float(fmt(v)) for k, v in values.items()})
    return FitResult(targets=tf, values=values, table=target_rows(tf.targets, final),
                     evaluations=count[0], message=str(message), start_table=start_table,
                     free=tuple(p.path for p in params), covariance=cov, gradient=grad,
                     fitted=fitted)
