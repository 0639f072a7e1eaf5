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

BMI fund: income ``bmi_per_capita * insured``; expenditure = modelled BMI payments + the
share of income spent on benefits not modelled + the SIMI transfer - returned surplus +
the fund's share of losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..scenario.base import value_at
from ..scenario.schema import Scenario


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

    def as_columns(self) -> dict[str, np.ndarray]:
        return dict(self.__dict__)


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

    bmi_pc = (financing_schedule(scenario, "bmi_per_capita") if bmi_per_capita is None
              else bmi_per_capita)
    if bmi_pc is None:
        nan = np.full_like(result, np.nan)
        bmi_income = bmi_exp = bmi_bal = bmi_acc = nan
    else:
        bmi_income = np.broadcast_to(bmi_pc * insured, result.shape).astype(float)
        other = scenario.financing.bmi_other_expenditure_share * bmi_income
        bmi_exp = bmi_paid + other + income - returned + fund_loss
        bmi_bal = bmi_income - bmi_exp
        bmi_acc = accumulate(bmi_bal, scenario.fund.bmi_opening_balance, rate)
    return FundPaths(
        simi_income=income, simi_claims=simi_claims, management_fee=fee,
        simi_expenditure=expenditure, simi_balance=result, simi_accumulated=simi_acc,
        returned_surplus=returned, fund_loss_share=fund_loss, insurer_result=insurer,
        bmi_income=bmi_income, bmi_expenditure=bmi_exp, bmi_balance=bmi_bal,
        bmi_accumulated=bmi_acc,
    )
