"""Building blocks shared by every scenario section.

* :class:`StrictModel` — pydantic base that rejects unknown keys and silent type coercion.
* ``History[T]`` — a parameter that is either a single value or a value history by year
  (``{2020: 7000, 2021: 8000}``: each value is effective from its year on).
* :func:`value_at` — the value of a ``History`` effective in a given year.
"""

from __future__ import annotations

from typing import Annotated, Any, TypeGuard, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

YEAR_MIN = 1900
YEAR_MAX = 2200


class StrictModel(BaseModel):
    """Base for all scenario sections: unknown keys are errors, no str->number coercion,
    and no NaN or +-inf in any float field of any section (``allow_inf_nan=False`` here,
    once, so that no field can forget it)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


#: A value, or a (non-empty) history ``{year_from: value}`` of values by effective year.
History = Union[T, Annotated[dict[int, T], Field(min_length=1)]]

Rate = Annotated[float, Field(ge=0.0, le=1.0)]
#: Largest amount accepted for a per-person or per-capita money parameter (deductible, line,
#: cap, per-capita financing), CNY: far above any real rule, low enough that fund totals of
#: up to 2 billion insured stay finite in float64 (amounts near 1e308 would overflow).
MONEY_MAX = 1e9
Money = Annotated[float, Field(ge=0.0, le=MONEY_MAX)]
PositiveMoney = Annotated[float, Field(gt=0.0, le=MONEY_MAX)]
Share = Rate


def is_history(value: object) -> TypeGuard[dict[int, Any]]:
    """True when ``value`` is a year-keyed history mapping."""
    return isinstance(value, dict) and len(value) > 0 and all(
        isinstance(k, int) and not isinstance(k, bool) for k in value
    )


def value_at(value: object, year: int):
    """Value of a (possibly year-keyed) parameter effective in ``year``.

    A plain value applies to every year. For a history the entry with the greatest year not
    after ``year`` applies; a year before the first entry raises ``KeyError``.
    """
    if not is_history(value):
        return value
    eligible = [y for y in value if y <= year]
    if not eligible:
        first = min(value)
        raise KeyError(f"no value effective in {year} (history starts in {first})")
    return value[max(eligible)]


class CrossFieldError(ValueError):
    """Raised by whole-scenario checks with a list of ``(path, message)`` problems."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("; ".join(f"{p}: {m}" for p, m in self.problems))
