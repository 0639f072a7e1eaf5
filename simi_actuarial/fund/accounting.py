"""Fund accounting per path and year, vectorised over paths.

SIMI layer (per year t, all amounts CNY):

* income ``I = simi_per_capita * insured`` (transferred from the BMI fund);
* expenditure ``E = claims + management fee`` with ``fee = management_fee * I``;
* current balance ``I - E``; accumulated balance ``A_t = A_{t-1} (1 + r) + (I - E)``.

With an insurer contract the underwriting result ``R = I - E`` is split: a surplus above
``profit_cap * I`` returns to the BMI fund; a loss up to ``loss_corridor * I`` is shared
(``loss_share_fund`` borne by the BMI fund), beyond it borne by the insurer. The SIMI
balance above is the layer's result before the split (what the published "deficit" means);
the fund's and the insurer's shares are reported separately.

BMI fund (residents' basic medical insurance pooling fund), per year t:

* income ``I_t = bmi_per_capita * (1 + bmi_other_revenue_share) * insured + r * A_{t-1}``:
  the financing standard (fiscal subsidy and individual contribution), other revenue and
  interest on the reserve, as the published fund accounts count them;
* expenditure ``E_t = (B_t + S_t) / (1 - u)``: ``B_t`` the modelled BMI payments (inpatient
  and outpatient special-disease care), ``S_t`` the SIMI transfer net of the returned
  surplus plus the fund's share of losses, ``u = bmi_unmodelled_share`` the share of
  expenditure on benefits not simulated;
* current balance ``I_t - E_t``, balance rate ``(I_t - E_t) / I_t``, reserve
  ``A_t = A_{t-1} + I_t - E_t`` from the opening reserve ``A_{-1}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.base import value_at
from ..scenario.schema import Scenario

#: FundPaths fields that are not ``paths.parquet`` columns
NOT_PATH_COLUMNS = ("bmi_standard",)


@dataclass(frozen=True)
class FundPaths:
    """(P, Y) arrays of fund flows and balances."""

    simi_income: np.ndarray
    simi_claims: np.ndarray
    management_fee: np.ndarray
    simi_expenditure: np.ndarray
    simi_balance: np.ndarray
    simi_accumulated: np.ndarray
    returned_surplus: np.ndarray
    fund_loss_share: np.ndarray
    insurer_result: np.ndarray
    bmi_income: np.ndarray
    bmi_expenditure: np.ndarray
    bmi_balance: np.ndarray
    bmi_accumulated: np.ndarray
    #: BMI financing standard per insured (P, Y) (the history or a rule's); not a paths column
    bmi_standard: np.ndarray

    def as_columns(self) -> dict[str, np.ndarray]:
        """The per-path columns written to ``paths.parquet``."""
        return {k: v for k, v in self.__dict__.items() if k not in NOT_PATH_COLUMNS}


def accumulate(balance: np.ndarray, opening: float, rate: float) -> np.ndarray:
    """``A_t = A_{t-1} (1 + rate) + balance_t`` along the last axis, ``A_{-1} = opening``."""
    out = np.empty_like(balance)
    acc = np.full(balance.shape[:-1], float(opening))
    for t in range(balance.shape[-1]):
        acc = acc * (1.0 + rate) + balance[..., t]
        out[..., t] = acc
    return out


def financing_schedule(scenario: Scenario, field: str) -> np.ndarray | None:
    """Per-year values of ``financing.<field>`` over the horizon (None if unset)."""
    fin = scenario.financing
    value = getattr(fin, field) if fin is not None else None
    if value is None:
        return None
    return np.array([float(value_at(value, y)) for y in scenario.years])


def contract_terms(scenario: Scenario) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Per-year (management fee, profit cap, loss corridor) and the fund's loss share."""
    Y = len(scenario.years)
    ins = scenario.fund.insurer
    if ins is None:
        return np.zeros(Y), np.full(Y, np.inf), np.zeros(Y), 0.0
    fee = np.array([value_at(ins.management_fee, y) for y in scenario.years], dtype=float)
    cap = np.array([value_at(ins.profit_cap, y) for y in scenario.years], dtype=float)
    cor = np.array([value_at(ins.loss_corridor, y) for y in scenario.years], dtype=float)
    return fee, cap, cor, float(ins.loss_share_fund)


def project_funds(scenario: Scenario, insured: np.ndarray, simi_claims: np.ndarray,
                  bmi_paid: np.ndarray, simi_per_capita: np.ndarray | None = None,
                  bmi_per_capita: np.ndarray | None = None) -> FundPaths:
    """Fund flows for claims ``(P, Y)`` and insured ``(Y,)``.

    ``simi_per_capita`` / ``bmi_per_capita`` ((Y,) or, for standards set path by path by a
    financing rule, (P, Y)) override the scenario's financing schedules (used by solve and
    :mod:`.financing_rules`).
    """
    if simi_per_capita is None:
        simi_per_capita = financing_schedule(scenario, "simi_per_capita")
    income = np.broadcast_to(simi_per_capita * insured, simi_claims.shape).astype(float)
    fee_rate, cap, corridor, share_fund = contract_terms(scenario)
    fee = income * fee_rate
    expenditure = simi_claims + fee
    result = income - expenditure
    if scenario.fund.insurer is None:
        returned = np.zeros_like(result)
        fund_loss = np.zeros_like(result)
        insurer = np.zeros_like(result)
    else:
        returned = np.maximum(result - cap * income, 0.0)
        loss = np.maximum(-result, 0.0)
        fund_loss = share_fund * np.minimum(loss, corridor * income)
        insurer = np.where(result >= 0, result - returned, -(loss - fund_loss))
    rate = scenario.fund.interest_rate
    simi_acc = accumulate(result, scenario.fund.simi_opening_balance, rate)

    if bmi_per_capita is None:
        bmi_per_capita = financing_schedule(scenario, "bmi_per_capita")
    bmi_standard = (np.full(result.shape, np.nan) if bmi_per_capita is None
                    else np.broadcast_to(bmi_per_capita, result.shape).astype(float))
    bmi_income, bmi_exp, bmi_bal, bmi_acc = bmi_fund(
        scenario, insured, bmi_paid, income - returned + fund_loss, bmi_per_capita)
    return FundPaths(
        simi_income=income, simi_claims=simi_claims, management_fee=fee,
        simi_expenditure=expenditure, simi_balance=result, simi_accumulated=simi_acc,
        returned_surplus=returned, fund_loss_share=fund_loss, insurer_result=insurer,
        bmi_income=bmi_income, bmi_expenditure=bmi_exp, bmi_balance=bmi_bal,
        bmi_accumulated=bmi_acc, bmi_standard=bmi_standard,
    )


def bmi_fund(scenario: Scenario, insured: np.ndarray, bmi_paid: np.ndarray,
             simi_transfer: np.ndarray, standard: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """BMI fund (income, expenditure, current balance, reserve), each ``(P, Y)``, for BMI
    payments ``bmi_paid``, the net SIMI transfer and the BMI financing ``standard`` ((Y,)
    or (P, Y), as :func:`project_funds` resolves it; formulas in the module docstring);
    NaN when there is no standard."""
    if standard is None:
        nan = np.full(simi_transfer.shape, np.nan)
        return nan, nan, nan, nan
    fin, fund = scenario.financing, scenario.fund
    contributions = np.broadcast_to(
        standard * (1.0 + fin.bmi_other_revenue_share) * insured, simi_transfer.shape)
    expenditure = (bmi_paid + simi_transfer) / (1.0 - fin.bmi_unmodelled_share)
    income = np.empty_like(expenditure)
    reserve = np.empty_like(expenditure)
    prev = np.full(expenditure.shape[:-1], fund.bmi_opening(float(insured[0])))
    for t in range(expenditure.shape[-1]):
        income[..., t] = contributions[..., t] + fund.interest_rate * prev
        prev = prev + income[..., t] - expenditure[..., t]
        reserve[..., t] = prev
    return income, expenditure, income - expenditure, reserve
