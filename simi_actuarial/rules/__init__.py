"""The benefit chain: basic insurance (BMI) -> SIMI -> medical assistance -> patient.

* :mod:`.arrays` resolves a scenario's rules into flat per-year arrays (:class:`RuleTable`).
* :mod:`.reference` applies them in plain Python, admission by admission (the oracle).
* :mod:`.kernel` applies them in numba-compiled code (used by the engine and ``reimburse``).
"""

from .arrays import RuleTable, resolve_rules

__all__ = ["RuleTable", "resolve_rules"]
