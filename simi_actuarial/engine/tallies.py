"""Per path-year tallies accumulated by the claims kernel (column order of the tally array).

Memory is ``paths x years x N_TALLIES`` floats plus a fixed-size histogram, whatever the
number of claims.
"""

TALLY_NAMES = (
    "total_cost",          # all costs of claimants (CNY)
    "in_scope_cost",       # catalogue (compliant) part
    "bmi_paid",
    "simi_paid",
    "assistance_paid",
    "patient_in_scope",    # in-scope cost paid by no layer
    "self_pay",            # out-of-scope cost
    "claimants",           # persons with any claim
    "hospitalised",        # persons with >= 1 admission
    "admissions",
    "os_claimants",        # persons with outpatient special-disease costs
    "simi_beneficiaries",  # persons with SIMI payment > 0
    "beneficiary_oop_after_bmi",  # in-scope cost left after BMI, of SIMI beneficiaries
    "che_cases",           # persons with catastrophic health expenditure
    "simi_paid_special",   # SIMI paid to special groups
    "inpatient_cost",      # total cost of admissions (excludes outpatient special disease)
)
T = {name: i for i, name in enumerate(TALLY_NAMES)}
N_TALLIES = len(TALLY_NAMES)

# integer constants for compiled code (numba freezes module globals)
I_TOTAL, I_IN_SCOPE, I_BMI, I_SIMI, I_ASSIST, I_PATIENT_IN_SCOPE, I_SELF_PAY = range(7)
(I_CLAIMANTS, I_HOSPITALISED, I_ADMISSIONS, I_OS, I_BENEFICIARIES, I_BEN_OOP, I_CHE,
 I_SIMI_SPECIAL, I_INPATIENT_COST) = range(7, 16)
assert I_INPATIENT_COST == N_TALLIES - 1

#: Histogram of SIMI payment per beneficiary: log-spaced bins (CNY), last bin open.
HIST_EDGES_LOG10 = (0.0, 7.0)  # 1 CNY .. 10 million CNY
N_HIST = 70
