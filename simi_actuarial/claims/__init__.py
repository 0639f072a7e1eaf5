"""Apply a scenario's rules to real claim extracts (``simi reimburse``).

* :mod:`.reader` reads and validates claims CSVs in chunks (bounded memory).
* :mod:`.store` groups admissions by person in DuckDB (out of core), sorts and writes;
* :mod:`.problems` reports bad rows and conflicting groups;
* :mod:`.reimburse` computes the per-admission terms and settles BMI, SIMI and medical
  assistance with the compiled rules kernel, and writes one row per person atomically.
"""

from .reader import REQUIRED_COLUMNS, ClaimsReader, validate_frame
from .reimburse import (
    OUTPUT_COLUMNS,
    ReimburseTotals,
    reimburse_file,
    reimburse_frame,
    rejected_path_for,
)

__all__ = [
    "OUTPUT_COLUMNS",
    "REQUIRED_COLUMNS",
    "ClaimsReader",
    "ReimburseTotals",
    "reimburse_file",
    "reimburse_frame",
    "rejected_path_for",
    "validate_frame",
]
