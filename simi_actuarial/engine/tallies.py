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
    "self_pay",            # out-of-scope cost paid by the patient (less SIMI's part where
                           # simi.self_pay_counted_share counts it toward the line)
    "claimants",           # persons with any claim
    "hospitalised",        # persons with >= 1 admission
    "admissions",
    "os_claimants",        # persons with outpatient special-disease costs
    "simi_beneficiaries",  # persons with SIMI payment > 0
    "beneficiary_oop_after_bmi",  # compliant cost left after BMI, of SIMI beneficiaries
                                  # (in-scope, plus the counted out-of-scope cost)
    "che_cases",           # persons with catastrophic health expenditure
    "simi_paid_special",   # SIMI paid to special groups
    "inpatient_cost",      # total cost of admissions (excludes outpatient special disease)
    # SIMI beneficiaries only (payer composition of "serious-illness patients", Jiang et al. (Guangxi 2017–2021)
    # Table 4): used by calibration/
    "ben_total_cost",      # total cost of SIMI beneficiaries
    "ben_bmi_paid",        # BMI paid to them (their SIMI is simi_paid)
    "ben_assistance_paid",
    "ben_patient_in_scope",
    "ben_self_pay",
    "ben_admissions",      # admissions of SIMI beneficiaries
    "ben_inpatient_cost",  # total cost of those admissions
    # SIMI-paid episodes (Jiang (2024) Tables 7-10 describe the 7,220 SIMI-reimbursed
    # admissions of 2022: their cost bands, mean cost, mean SIMI payment and the "actual
    # payment ratio", a mean over them of SIMI / in-scope cost left after BMI): each
    # admission of a SIMI beneficiary settled cumulatively in the order drawn
    # (rules.kernel.episode_payments); counted are those with an episode SIMI payment > 0
    "ben_episodes",        # SIMI-paid episodes
    "ben_episode_ratio_sum",  # sum over them of episode SIMI / (compliant - BMI) of the episode
    "ben_episode_cost",    # their total cost
    "ben_episode_simi",    # SIMI paid on them (the episode increments)
    "ben_ep_lt20k",        # SIMI-paid episodes costing < 20,000 CNY (current prices)
    "ben_ep_20k_40k",      # 20,000 - 40,000
    "ben_ep_40k_60k",      # 40,000 - 60,000 (60,000+: ben_episodes minus the three)
    "ben_ep_60plus",       # SIMI-paid episodes of persons aged 60 or more
)
T = {name: i for i, name in enumerate(TALLY_NAMES)}
N_TALLIES = len(TALLY_NAMES)

# integer constants for compiled code (numba freezes module globals)
I_TOTAL, I_IN_SCOPE, I_BMI, I_SIMI, I_ASSIST, I_PATIENT_IN_SCOPE, I_SELF_PAY = range(7)
(I_CLAIMANTS, I_HOSPITALISED, I_ADMISSIONS, I_OS, I_BENEFICIARIES, I_BEN_OOP, I_CHE,
 I_SIMI_SPECIAL, I_INPATIENT_COST) = range(7, 16)
(I_BEN_TOTAL, I_BEN_BMI, I_BEN_ASSIST, I_BEN_PIS, I_BEN_SELF_PAY, I_BEN_ADM,
 I_BEN_INPATIENT) = range(16, 23)
(I_BEN_EPISODES, I_BEN_EPISODE_RATIO, I_BEN_EPISODE_COST, I_BEN_EPISODE_SIMI, I_BEN_EP20,
 I_BEN_EP40, I_BEN_EP60, I_BEN_EP_OLD) = range(23, 31)
assert I_BEN_EP_OLD == N_TALLIES - 1
#: Youngest age counted in ``ben_ep_60plus`` (Jiang (2024) s4.2.2.2: 31.73 % of the 2022
#: SIMI-reimbursed patients were over 60).
EPISODE_OLD_AGE = 60
#: Upper edges (CNY, current prices) of the SIMI-paid episodes' cost bands
#: (Jiang (2024) Table 9: < 20,000, 20,000-40,000, 40,000-60,000, 60,000+).
BEN_BAND_EDGES = (20000.0, 40000.0, 60000.0)
BEN_B1, BEN_B2, BEN_B3 = BEN_BAND_EDGES

#: Histogram of SIMI payment per beneficiary: log-spaced bins (CNY), last bin open.
HIST_EDGES_LOG10 = (0.0, 7.0)  # 1 CNY .. 10 million CNY
N_HIST = 70
