"""Money conservation of the claim tallies (a test oracle shared by the engine tests).

Per path-year: BMI + SIMI + medical assistance + the patient's in-scope part + the patient's
self-pay = the total cost. The patient's self-pay is the out-of-scope cost less SIMI's part on
it (where the rules count out-of-scope cost toward the SIMI line), so that part is
``total - in_scope - self_pay`` and lies between 0 and SIMI.
"""

import numpy as np

from simi_actuarial.engine.tallies import T


def assert_money_conserved(t: np.ndarray, rtol: float, atol: float = 0.0,
                           simi_part_bounds: bool = True) -> None:
    """Assert conservation on tallies ``t`` (..., N_TALLIES); ``simi_part_bounds``: also that
    SIMI's part on out-of-scope cost lies in [0, SIMI] (exact tallies only, not noisy draws)."""
    paid = (t[..., T["bmi_paid"]] + t[..., T["simi_paid"]] + t[..., T["assistance_paid"]]
            + t[..., T["patient_in_scope"]] + t[..., T["self_pay"]])
    np.testing.assert_allclose(paid, t[..., T["total_cost"]], rtol=rtol, atol=atol)
    if simi_part_bounds:
        part = t[..., T["total_cost"]] - t[..., T["in_scope_cost"]] - t[..., T["self_pay"]]
        tol = atol + rtol * np.abs(t[..., T["total_cost"]])
        assert (part >= -tol).all()
        assert (part <= t[..., T["simi_paid"]] + tol).all()
