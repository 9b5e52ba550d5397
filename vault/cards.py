"""Card number helpers: normalisation, Luhn, brand detection, expiry, CVC, masking.

Errors are :class:`CardError` with a stable ``code`` (the hub maps them to its
unified codes): ``incorrect_number``, ``invalid_expiry``, ``expired_card``,
``invalid_cvc``; ``field`` names the request field (``number``, ``exp_month``,
``exp_year``, ``cvc``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final, Literal

import msgspec

CardErrorCode = Literal["incorrect_number", "invalid_expiry", "expired_card", "invalid_cvc"]

_DIGITS = re.compile(r"[0-9]+")
_SEPARATORS = re.compile(r"[ \-]")
MIN_PAN = 12
MAX_PAN = 19


class CardError(ValueError):
    """A card field is invalid. ``code`` is stable; ``message`` is for humans."""

    def __init__(self, code: CardErrorCode, message: str, field: str) -> None:
        super().__init__(message)
        self.code: CardErrorCode = code
        self.message = message
        self.field = field

    def __repr__(self) -> str:
        return f"CardError(code={self.code!r}, field={self.field!r}, message={self.message!r})"


class Brand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    JCB = "jcb"
    DINERS = "diners"
    UNIONPAY = "unionpay"
    MAESTRO = "maestro"
    UNKNOWN = "unknown"


# (prefix length, first, last, brand); the longest matching prefix wins.
_BIN_RANGES: Final[list[tuple[int, int, int, Brand]]] = sorted(
    [
        (4, 2221, 2720, Brand.MASTERCARD),
        (4, 3528, 3589, Brand.JCB),
        (4, 3095, 3095, Brand.DINERS),
        (4, 6011, 6011, Brand.DISCOVER),
        (4, 5018, 5018, Brand.MAESTRO),
        (4, 5020, 5020, Brand.MAESTRO),
        (4, 5038, 5038, Brand.MAESTRO),
        (4, 5893, 5893, Brand.MAESTRO),
        (4, 6304, 6304, Brand.MAESTRO),
        (4, 6759, 6759, Brand.MAESTRO),
        (4, 6761, 6763, Brand.MAESTRO),
        (3, 300, 305, Brand.DINERS),
        (3, 644, 649, Brand.DISCOVER),
        (2, 34, 34, Brand.AMEX),
        (2, 37, 37, Brand.AMEX),
        (2, 36, 36, Brand.DINERS),
        (2, 38, 39, Brand.DINERS),
        (2, 51, 55, Brand.MASTERCARD),
        (2, 65, 65, Brand.DISCOVER),
        (2, 62, 62, Brand.UNIONPAY),
        (2, 81, 81, Brand.UNIONPAY),
        (2, 50, 50, Brand.MAESTRO),
        (2, 56, 58, Brand.MAESTRO),
        (2, 67, 67, Brand.MAESTRO),
        (1, 4, 4, Brand.VISA),
    ],
    key=lambda r: -r[0],
)

_LENGTHS: Final[dict[Brand, frozenset[int]]] = {
    Brand.VISA: frozenset({13, 16, 19}),
    Brand.MASTERCARD: frozenset({16}),
    Brand.AMEX: frozenset({15}),
    Brand.DISCOVER: frozenset(range(16, 20)),
    Brand.JCB: frozenset(range(16, 20)),
    Brand.DINERS: frozenset(range(14, 20)),
    Brand.UNIONPAY: frozenset(range(16, 20)),
    Brand.MAESTRO: frozenset(range(12, 20)),
    Brand.UNKNOWN: frozenset(range(MIN_PAN, MAX_PAN + 1)),
}

# Some UnionPay numbers do not carry a Luhn check digit.
_NO_LUHN: Final = frozenset({Brand.UNIONPAY})


def normalize_pan(number: str) -> str:
    """Remove spaces and dashes (``"4242 4242-4242 4242"`` -> ``"4242424242424242"``)."""
    return _SEPARATORS.sub("", number.strip())


def luhn_valid(number: str) -> bool:
    """True when ``number`` (spaces/dashes allowed) is all digits and passes Luhn."""
    digits = normalize_pan(number)
    if not digits or not _DIGITS.fullmatch(digits):
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def brand(number: str) -> Brand:
    """Card brand from the BIN (leading digits); ``Brand.UNKNOWN`` when none matches."""
    digits = normalize_pan(number)
    if not _DIGITS.fullmatch(digits):
        return Brand.UNKNOWN
    for length, first, last, which in _BIN_RANGES:
        if len(digits) >= length and first <= int(digits[:length]) <= last:
            return which
    return Brand.UNKNOWN


def validate_number(number: str) -> str:
    """The normalised PAN, or :class:`CardError` ``incorrect_number``."""
    if not isinstance(number, str):
        raise CardError("incorrect_number", "The card number must be a string of digits.", "number")
    digits = normalize_pan(number)
    if not _DIGITS.fullmatch(digits) or not MIN_PAN <= len(digits) <= MAX_PAN:
        raise CardError("incorrect_number", "The card number is not a valid card number.", "number")
    which = brand(digits)
    if len(digits) not in _LENGTHS[which]:
        message = f"A {which} card number cannot have {len(digits)} digits."
        raise CardError("incorrect_number", message, "number")
    if which not in _NO_LUHN and not luhn_valid(digits):
        raise CardError("incorrect_number", "The card number is incorrect (check digit).", "number")
    return digits


def _as_int(value: int | str, field: str) -> int:
    if isinstance(value, bool):
        raise CardError("invalid_expiry", "The expiry date is invalid.", field)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    raise CardError("invalid_expiry", "The expiry date is invalid.", field)


def validate_expiry(month: int | str, year: int | str, now: datetime | None = None) -> tuple[int, int]:
    """``(month, four-digit year)``; a card is valid through the last day of its month.

    Two-digit years mean 20YY. Raises ``invalid_expiry`` for a malformed or
    implausible date (month outside 1-12, more than 50 years ahead) and
    ``expired_card`` for a past month.
    """
    m = _as_int(month, "exp_month")
    y = _as_int(year, "exp_year")
    if not 1 <= m <= 12:
        raise CardError("invalid_expiry", "The expiry month must be between 1 and 12.", "exp_month")
    if 0 <= y < 100:
        y += 2000
    if y < 1000:
        raise CardError("invalid_expiry", "The expiry year is invalid.", "exp_year")
    current = now or datetime.now(UTC)
    if y > current.year + 50:
        raise CardError("invalid_expiry", "The expiry year is too far in the future.", "exp_year")
    if (y, m) < (current.year, current.month):
        field = "exp_year" if y < current.year else "exp_month"
        raise CardError("expired_card", "The card has expired.", field)
    return m, y


def validate_cvc(cvc: str, card_brand: Brand | str | None = None) -> str:
    """The CVC as given, or ``invalid_cvc``: 4 digits for amex, 3 for other known
    brands, 3 or 4 when the brand is unknown. Never store it."""
    if not isinstance(cvc, str) or not _DIGITS.fullmatch(cvc):
        raise CardError("invalid_cvc", "The security code must be digits.", "cvc")
    if card_brand == Brand.AMEX:
        allowed = {4}
    elif card_brand is None or card_brand == Brand.UNKNOWN:
        allowed = {3, 4}
    else:
        allowed = {3}
    if len(cvc) not in allowed:
        raise CardError("invalid_cvc", "The security code has the wrong length.", "cvc")
    return cvc


class MaskedCard(msgspec.Struct, frozen=True):
    """What may stay readable about a card: brand, BIN (first 6) and last 4."""

    brand: Brand
    bin: str
    last4: str
    length: int

    @property
    def masked(self) -> str:
        """``"424242******4242"``."""
        return self.bin + "*" * (self.length - 10) + self.last4


def mask(number: str) -> MaskedCard:
    """Brand, first six and last four digits of a card number."""
    digits = normalize_pan(number)
    if not _DIGITS.fullmatch(digits) or not MIN_PAN <= len(digits) <= MAX_PAN:
        raise CardError("incorrect_number", "The card number is not a valid card number.", "number")
    return MaskedCard(brand=brand(digits), bin=digits[:6], last4=digits[-4:], length=len(digits))
