"""Numbers the French way (Babel, locale fr_FR): "2 776", "1,3 million", "15 %", "moins de 5 %".

Every printed number goes through here: facts (:mod:`essnum.publish.facts`), chart labels and map legends.
"""

from __future__ import annotations

import math

LOCALE = "fr_FR"
NNBSP = "\u202f"  # narrow no-break space (French thousands separator and before ; : ! ? »)

#: Units printed as a percentage, as euros, or as a bare number (the brief's prose names the thing counted).
PERCENT_UNITS = {"%", "percent", "pct", "pourcent"}
EURO_UNITS = {"eur", "euro", "euros", "€"}
YEAR_UNITS = {"year", "année"}  # calendar years print without a thousands separator: "2030"

COMPARATOR_WORDS = {"=": "", "<": "moins de ", ">": "plus de ", "~": "environ ", ">=": "au moins ",
                    "<=": "au plus "}


class NumberFormatError(ValueError):
    """A value that cannot be printed (missing, or an unknown comparator)."""


def _plain(value: float | int) -> float | int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def french_number(value: float | int, unit: str = "", decimals: int | None = None) -> str:
    """A number the French way: "2 776", "1,3", "1,3 million", "15 %" (Babel, locale fr_FR)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise NumberFormatError("cannot print a missing value")
    value = _plain(value)
    kind = unit.strip().lower()
    if kind in YEAR_UNITS and float(value).is_integer():
        return str(int(value))
    if kind in PERCENT_UNITS:
        return french_decimal(value, decimals) + "\u00a0%"
    if abs(value) >= 1_000_000:
        text = _large(value)
        if kind in EURO_UNITS:
            return text + " d’euros"
        return text
    text = french_decimal(value, decimals)
    return text + "\u00a0€" if kind in EURO_UNITS else text


#: Words for large numbers, largest first; French makes them plural from 2 on ("1,5 million", "2 millions").
LARGE_WORDS = ((1_000_000_000, "milliard"), (1_000_000, "million"))


def _large(value: float | int) -> str:
    """"1 million", "4,3 millions", "1,5 milliard": one decimal at most. (Babel's compact format takes the
    plural from the full number and prints "1 millions".)"""
    for scale, word in LARGE_WORDS:
        compact = round(abs(value) / scale, 1)
        if compact >= 1:
            plural = "s" if compact >= 2 else ""
            return f"{french_decimal(math.copysign(compact, value), None)} {word}{plural}"
    raise ValueError(f"{value} is below a million")


def french_decimal(value, decimals: int | None = None) -> str:
    """A plain French number, ``decimals`` fixed when given ("1 258 722", "0,05")."""
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=LOCALE)


def french_text(value, unit: str = "", comparator: str = "=", value_max=None, decimals: int | None = None) -> str:
    """French text of a value with its comparator and optional upper bound ("15 à 20 %", "moins de 5 %")."""
    if comparator not in COMPARATOR_WORDS:
        raise NumberFormatError(f"unknown comparator {comparator!r} (expected one of {', '.join(COMPARATOR_WORDS)})")
    if value_max is not None and not (isinstance(value_max, float) and math.isnan(value_max)):
        low = french_number(value, unit if unit.strip().lower() in YEAR_UNITS else "", decimals)
        high = french_number(value_max, unit, decimals)
        return f"{COMPARATOR_WORDS[comparator]}{low} à {high}"
    return COMPARATOR_WORDS[comparator] + french_number(value, unit, decimals)
