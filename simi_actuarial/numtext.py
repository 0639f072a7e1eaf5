"""Numbers typed as text by users: one rule for scenario YAML, ``--set`` values, age x sex
CSV tables and claims files.

* Text is normalised with Unicode NFKC first, so the full-width forms typed with a Chinese
  input method or exported by Chinese systems read as their ASCII forms: ``１２３`` = 123,
  ``－５`` = -5, ``１２．５`` = 12.5, ``１．５Ｅ３`` = 1500, and an ideographic or no-break space
  around the number is ignored.
* Thousands separators are refused, in ASCII and full-width alike (``12,345``,
  ``１２，３４５``, ``12 345``, ``12'345``), with a message saying so: a comma is the decimal
  separator in many locales and an unquoted comma splits a CSV field, so ``12,345`` cannot be
  read unambiguously. Write ``12345``.
* The grammar after normalisation is plain decimal: ``[+-]digits[.digits][e[+-]digits]``
  (also ``.5``, ``5.``), plus the words ``nan``/``inf``/``infinity`` (any case, signed),
  which are returned as floats for the caller to refuse with its own field name. Digits of
  other scripts that NFKC keeps (Arabic-Indic, Devanagari, ...) are not numbers here, although
  Python's ``float`` reads them.

Scenario YAML keeps YAML's own number syntax on top of this (``1_000``, ``1e6``): see
:mod:`simi_actuarial.scenario.yaml_io`.
"""

from __future__ import annotations

import re
import unicodedata

#: A plain decimal number (after NFKC), ASCII digits only.
DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", re.ASCII)
#: Digits grouped by thousands with a separator (after NFKC: ``，`` is ``,``, U+3000 is a space).
THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:([,' ])[0-9]{3})(?:\1[0-9]{3})*(?:\.[0-9]*)?",
                       re.ASCII)
_NON_FINITE = {"nan", "inf", "infinity"}


class NumberTextError(ValueError):
    """Text that is not a number under the rule above; the message says why."""


def normalize(text: str) -> str:
    """NFKC form of ``text`` without surrounding white space (full-width -> ASCII)."""
    return unicodedata.normalize("NFKC", text).strip()


def thousands_message(text: str) -> str:
    """The explanation given for a number written with thousands separators."""
    plain = re.sub(r"[,' ]", "", normalize(text))
    return (f"{text!r}: thousands separators are not accepted in numbers (the decimal "
            f"point is '.'): write {plain}")


def is_thousands(text: str) -> bool:
    """Whether ``text`` (any width) is digits grouped by thousands with a separator."""
    return THOUSANDS.fullmatch(normalize(text)) is not None


def parse_number(text: str) -> float:
    """The float written in ``text`` (full-width forms accepted, see the module docstring).

    Raises :class:`NumberTextError` for empty text, thousands separators or anything else
    that is not a plain decimal number. ``nan``/``inf`` words give NaN/inf (the caller
    refuses them naming its field).
    """
    s = normalize(str(text))
    if DECIMAL.fullmatch(s):
        return float(s)
    if s.lower().lstrip("+-") in _NON_FINITE:
        return float(s)
    if not s:
        raise NumberTextError("empty, expected a number")
    if THOUSANDS.fullmatch(s):
        raise NumberTextError(thousands_message(str(text)))
    hint = " (the decimal point is '.')" if "," in s else ""
    raise NumberTextError(f"not a number: {text!r}{hint}")


def parse_whole(text: str) -> int:
    """An integer written in ``text`` (``30``, ``３０``, ``30.0``); a fraction or a
    non-finite value raises :class:`NumberTextError`."""
    value = parse_number(text)
    if value != value or value in (float("inf"), float("-inf")) or value != int(value):
        raise NumberTextError(f"not a whole number: {text!r}")
    return int(value)
