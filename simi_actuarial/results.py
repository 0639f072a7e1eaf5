"""Results of a simulation: per path-year table, per-year summary with MC standard errors."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from .engine.simulate import RawRun
from .engine.tallies import TALLY_NAMES, T
from .fund.accounting import FundPaths
from .fund.financing_rules import managed_funds, standard_summary
from .stats import mean_se, nan_mean_se, prob_se, quantile_se, safe_ratio

PAYERS = ("bmi_paid", "simi_paid", "assistance_paid", "patient_in_scope", "self_pay")
SHARE_NAMES = ("share_bmi", "share_simi", "share_assistance", "share_patient_in_scope",
               "share_self_pay")


@dataclass
class SimulationResult:
    """A finished run. ``summary`` has one row per year; ``paths`` one row per path-year."""

    raw: RawRun

    @property
    def scenario(self):
        return self.raw.model.scenario

    @property
    def years(self) -> np.ndarray:
        return self.raw.model.years

    @property
    def n_paths(self) -> int:
        return int(self.raw.tallies.shape[0])

    @cached_property
    def insured(self) -> np.ndarray:
        """Insured persons per year (sum of the rounded cells)."""
        return self.raw.model.cells.insured.sum(axis=1).astype(float)

    def tally(self, name: str) -> np.ndarray:
        """(P, Y) array of one tally (see :mod:`simi_actuarial.engine.tallies`)."""
        return self.raw.tallies[:, :, T[name]]

    def estimation_sd(self, name: str) -> np.ndarray | None:
        """(P, Y) standard deviation of the proxy's estimated mean of one tally (its own
        error, common to all paths of a year); None for the microsimulation. Written to
        ``paths.parquet`` as ``<name>_proxy_sd`` for SIMI paid."""
        tables = self.raw.proxy
        if tables is None:
            return None
        from .engine.proxy.evaluate import estimation_variance
        from .engine.systematic import SystematicFactors

        fac = SystematicFactors(cost_index=self.raw.cost_index, utilisation=self.raw.utilisation,
                                trend=None, incidence=None)  # type: ignore[arg-type]
        return np.sqrt(estimation_variance(tables, fac, T[name]))

    @cached_property
    def funds(self) -> FundPaths:
        return managed_funds(self.scenario, self.insured, self.tally("simi_paid"),
                             self.tally("bmi_paid"))  # fixed standards unless a rule is set

    def exhaustion_year(self) -> np.ndarray:
        """Per path, the first year with a negative accumulated SIMI balance (0: never)."""
        neg = self.funds.simi_accumulated < 0
        first = np.argmax(neg, axis=1)
        return np.where(neg.any(axis=1), self.years[first], 0)

    @cached_property
    def paths(self) -> pd.DataFrame:
        """Long table: one row per (path, year) with tallies and fund results."""
        P, Y = self.n_paths, len(self.years)
        cols = {"path": np.repeat(np.arange(P), Y), "year": np.tile(self.years, P)}
        for name in TALLY_NAMES:
            cols[name] = self.tally(name).ravel()
        for name, arr in self.funds.as_columns().items():
            cols[name] = np.asarray(arr, dtype=float).ravel()
        cols["cost_index"] = self.raw.cost_index.ravel()
        cols["utilisation_factor"] = self.raw.utilisation.ravel()
        sd = self.estimation_sd("simi_paid")
        if sd is not None:
            cols["simi_paid_proxy_sd"] = sd.ravel()
        return pd.DataFrame(cols)

    @cached_property
    def summary(self) -> pd.DataFrame:
        """One row per year: means with MC standard errors (``_se``), probabilities,
        quantiles, payer shares and published indicators."""
        f = self.funds
        n = self.insured
        out: dict[str, np.ndarray] = {"year": self.years, "insured": n}

        def put(name, values, ratio=False):
            m, se = (nan_mean_se if ratio else mean_se)(values)
            out[name] = m
            out[name + "_se"] = se

        out["simi_income_mean"] = f.simi_income.mean(axis=0)
        put("simi_claims_mean", f.simi_claims)
        put("simi_expenditure_mean", f.simi_expenditure)
        put("simi_per_insured_mean", f.simi_claims / n)
        put("beneficiaries_mean", self.tally("simi_beneficiaries"))
        put("simi_per_beneficiary_mean",
            safe_ratio(f.simi_claims, self.tally("simi_beneficiaries")), ratio=True)
        put("loss_ratio_mean", safe_ratio(f.simi_claims, f.simi_income), ratio=True)
        put("utilisation_rate_mean", safe_ratio(f.simi_expenditure, f.simi_income), ratio=True)
        put("balance_rate_mean", safe_ratio(f.simi_balance, f.simi_income), ratio=True)
        put("accumulated_balance_rate_mean", safe_ratio(f.simi_accumulated, f.simi_income),
            ratio=True)
        put("simi_balance_mean", f.simi_balance)
        put("simi_accumulated_balance_mean", f.simi_accumulated)
        p, se = prob_se(f.simi_balance < 0)
        out["p_current_deficit"], out["p_current_deficit_se"] = p, se
        p, se = prob_se(f.simi_accumulated < 0)
        out["p_accumulated_deficit"], out["p_accumulated_deficit_se"] = p, se
        p, se = prob_se(np.maximum.accumulate(f.simi_accumulated < 0, axis=1))
        out["p_accumulated_deficit_by_year"], out["p_accumulated_deficit_by_year_se"] = p, se
        for q in (5, 50, 95):
            est, se = quantile_se(f.simi_accumulated, q / 100)
            out[f"simi_accumulated_balance_p{q:02d}"] = est
            out[f"simi_accumulated_balance_p{q:02d}_se"] = se
        if self.scenario.fund.insurer is not None:
            # the annual settlement, reported separately for the insurer and the BMI fund
            put("insurer_result_mean", f.insurer_result)
            put("returned_surplus_mean", f.returned_surplus)
            put("fund_loss_share_mean", f.fund_loss_share)
            put("fund_net_cost_mean", f.fund_loss_share - f.returned_surplus)
            p, se = prob_se(f.insurer_result < 0)
            out["p_insurer_loss"], out["p_insurer_loss_se"] = p, se
            p, se = prob_se(f.fund_loss_share > 0)
            out["p_fund_loss_share"], out["p_fund_loss_share_se"] = p, se
            cumulative = np.cumsum(f.insurer_result, axis=1)
            put("insurer_cumulative_result_mean", cumulative)
            p, se = prob_se(cumulative < 0)
            out["p_insurer_cumulative_loss"], out["p_insurer_cumulative_loss_se"] = p, se
        out["bmi_income_mean"] = f.bmi_income.mean(axis=0)
        put("bmi_expenditure_mean", f.bmi_expenditure)
        out["bmi_accumulated_balance_p50"], out["bmi_accumulated_balance_p50_se"] = quantile_se(
            f.bmi_accumulated, 0.5)
        p, se = prob_se(f.bmi_balance < 0)
        if np.isnan(f.bmi_balance).all():  # BMI fund not projected (no bmi_per_capita)
            p, se = np.full_like(p, np.nan), np.full_like(se, np.nan)
        out["p_bmi_current_deficit"], out["p_bmi_current_deficit_se"] = p, se
        # managed standards (financing rules): distribution by year, extra financing
        out.update(standard_summary(self.scenario, f.simi_income / n, "simi"))
        out.update(standard_summary(self.scenario, f.bmi_standard, "bmi"))
        total = self.tally("total_cost")
        for payer, share in zip(PAYERS, SHARE_NAMES, strict=True):
            put(share, safe_ratio(self.tally(payer), total), ratio=True)
        put("simi_actual_payment_ratio",
            safe_ratio(self.tally("simi_paid"), self.tally("beneficiary_oop_after_bmi")), ratio=True)
        put("simi_episode_payment_ratio",
            safe_ratio(self.tally("ben_episode_ratio_sum"), self.tally("ben_episodes")), ratio=True)
        put("che_rate_mean", self.tally("che_cases") / n)
        put("admissions_per_insured_mean", self.tally("admissions") / n)
        put("hospitalised_rate_mean", self.tally("hospitalised") / n)
        put("cost_per_admission_mean",
            safe_ratio(self.tally("inpatient_cost"), self.tally("admissions")), ratio=True)
        put("total_cost_mean", total)
        put("cost_index_mean", self.raw.cost_index)
        return pd.DataFrame(out)
