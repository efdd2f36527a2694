"""Money: `Decimal` amounts, Stripe's minor units, and Babel's formatting. Never floats.

This module is imported by the settings, so it must not touch Django's configuration at import.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency, get_decimal_symbol

# Digits after the decimal point, as Stripe counts them in API amounts (stripe.com/docs/currencies).
# Zero-decimal currencies are sent in whole units: 1500 JPY is `amount=1500`, 15.00 EUR is `1500`.
# Left out on purpose: Stripe's special cases (HUF, ISK, TWD, UGX: two-decimal in the API but only
# whole units accepted) and the three-decimal currencies (BHD, JOD, KWD, OMR, TND: last digit must
# be 0), where a plain power of ten would let a customer type an amount Stripe refuses.
MINOR_UNITS: dict[str, int] = {
    # zero-decimal
    "BIF": 0,
    "CLP": 0,
    "DJF": 0,
    "GNF": 0,
    "JPY": 0,
    "KMF": 0,
    "KRW": 0,
    "MGA": 0,
    "PYG": 0,
    "RWF": 0,
    "VND": 0,
    "VUV": 0,
    "XAF": 0,
    "XOF": 0,
    "XPF": 0,
    # two-decimal
    "AED": 2,
    "ARS": 2,
    "AUD": 2,
    "BGN": 2,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CNY": 2,
    "COP": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "MAD": 2,
    "MXN": 2,
    "MYR": 2,
    "NOK": 2,
    "NZD": 2,
    "PEN": 2,
    "PHP": 2,
    "PLN": 2,
    "RON": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TRY": 2,
    "USD": 2,
    "UYU": 2,
    "ZAR": 2,
}

# Stripe's largest amount for most currencies is eight digits in minor units.
MAX_MINOR_AMOUNT = 99_999_999


# The longest price text read at all, and the most whole-number digits any charge can have
# (MAX_MINOR_AMOUNT in a zero-decimal currency). Both are checked before any arithmetic: a Decimal
# accepts `1E+999997`, and turning that into minor units builds a million-digit integer.
AMOUNT_MAX_CHARS = 32
AMOUNT_MAX_WHOLE_DIGITS = len(str(MAX_MINOR_AMOUNT))
# Spaces (thousands groups, copied prices), the Arabic decimal separator and the minus sign, as
# phones' keyboards and formatted prices carry them.
_AMOUNT_CHARACTERS = {**dict.fromkeys(map(ord, " \u00a0\u2009\u202f"), None), 0x066B: ".", 0x2212: "-"}
_AMOUNT_PATTERN = re.compile(r"([+-]?)([0-9]*)(?:[.,]([0-9]*))?", re.ASCII)


class MoneyError(ValueError):
    """An amount that cannot be charged in its currency (unknown currency, too many decimals)."""


class AmountTextError(MoneyError):
    """Typed text that is no plain amount (`reason` "invalid"), or one too large for any charge."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def amount_parse(text: str) -> Decimal:
    """A typed price as a Decimal: digits in any script, one `.` or `,` as the decimal separator,
    an optional sign; no exponent, NaN, infinity, hex or thousands separator. Bounded in length
    and digits before anything is computed, so no input can make the checks after it slow."""
    text = text.strip()
    if len(text) > AMOUNT_MAX_CHARS:
        raise AmountTextError("too_large" if text.isdecimal() else "invalid")
    text = text.translate(_AMOUNT_CHARACTERS)
    # Arabic-Indic, Devanagari, fullwidth... digits as 0-9 (Decimal would take most of them, but
    # the pattern below must see every character it lets through).
    text = "".join(str(unicodedata.decimal(char)) if char.isdecimal() else char for char in text)
    match = _AMOUNT_PATTERN.fullmatch(text)
    if match is None or not (match[2] or match[3]):
        raise AmountTextError("invalid")
    sign, whole, fraction = match[1], match[2].lstrip("0"), match[3] or ""
    if len(whole) > AMOUNT_MAX_WHOLE_DIGITS:
        raise AmountTextError("too_large")
    return Decimal(f"{sign}{whole or 0}.{fraction or 0}")


def amount_example(amount: Decimal, currency: str, *, language: str) -> str:
    """`14.00` in English, `14,00` in Spanish, `2000` for yen: an amount as a customer types it."""
    text = str(amount.quantize(amount_step(currency)))
    return text.replace(".", get_decimal_symbol(language.replace("-", "_")))


def minor_digits(currency: str) -> int:
    try:
        return MINOR_UNITS[currency.upper()]
    except KeyError:
        raise MoneyError(f"{currency!r} is not a currency this shop charges in") from None


def amount_step(currency: str) -> Decimal:
    """The smallest amount in `currency`: 0.01 EUR, 1 JPY."""
    return Decimal(1).scaleb(-minor_digits(currency))


def to_minor(amount: Decimal, currency: str) -> int:
    """15.50 EUR -> 1550; 1500 JPY -> 1500. Refuses amounts finer than the currency allows."""
    # Bounded first: scaleb and int() on `1E+999999` cost seconds, for any caller.
    if not amount.is_finite() or not -AMOUNT_MAX_CHARS <= amount.adjusted() <= AMOUNT_MAX_CHARS:
        raise MoneyError(f"{amount!r} is not an amount")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and -exponent > AMOUNT_MAX_CHARS:
        raise MoneyError(f"{amount} {currency} has more decimals than {currency} allows")
    try:
        scaled = amount.scaleb(minor_digits(currency))
        minor = int(scaled)
    except (InvalidOperation, ValueError, OverflowError):
        raise MoneyError(f"{amount!r} is not an amount") from None
    if scaled != minor:
        raise MoneyError(f"{amount} {currency} has more decimals than {currency} allows")
    return minor


def from_minor(minor: int, currency: str) -> Decimal:
    """1550 EUR -> Decimal('15.50'); 1500 JPY -> Decimal('1500')."""
    digits = minor_digits(currency)
    return Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))


def money_format(amount: Decimal, currency: str, *, language: str) -> str:
    """Babel's formatting for the page's language: `12,50 €` in Spanish, `€12.50` in English."""
    return format_currency(amount, currency.upper(), locale=language.replace("-", "_"))
