from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from vault.cards import (
    Brand,
    CardError,
    brand,
    luhn_valid,
    mask,
    normalize_pan,
    validate_cvc,
    validate_expiry,
    validate_number,
)


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4242424242424242", True),
        ("4111 1111 1111 1111", True),
        ("4111-1111-1111-1111", True),
        ("4111111111111112", False),
        ("378282246310005", True),
        ("6011111111111117", True),
        ("79927398713", True),
        ("79927398710", False),
        ("0", True),
        ("", False),
        ("4242x24242424242", False),
        ("\uff14\uff12" * 8, False),  # fullwidth digits are not card digits
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert luhn_valid(number) is valid


def test_normalize_pan() -> None:
    assert normalize_pan(" 4242 4242-4242 4242 ") == "4242424242424242"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4242424242424242", Brand.VISA),
        ("4000056655665556", Brand.VISA),
        ("5555555555554444", Brand.MASTERCARD),
        ("5105105105105100", Brand.MASTERCARD),
        ("2223003122003222", Brand.MASTERCARD),
        ("2221000000000009", Brand.MASTERCARD),
        ("2720990000000007", Brand.MASTERCARD),
        ("2721000000000004", Brand.UNKNOWN),
        ("2220990000000000", Brand.UNKNOWN),
        ("378282246310005", Brand.AMEX),
        ("371449635398431", Brand.AMEX),
        ("6011111111111117", Brand.DISCOVER),
        ("6445644564456445", Brand.DISCOVER),
        ("6500000000000002", Brand.DISCOVER),
        ("3566002020360505", Brand.JCB),
        ("3530111333300000", Brand.JCB),
        ("3056930009020004", Brand.DINERS),
        ("36227206271667", Brand.DINERS),
        ("38520000023237", Brand.DINERS),
        ("6200000000000005", Brand.UNIONPAY),
        ("8171999927660000", Brand.UNIONPAY),
        ("6759649826438453", Brand.MAESTRO),
        ("5018000000000009", Brand.MAESTRO),
        ("6304000000000000", Brand.MAESTRO),
        ("9999999999999995", Brand.UNKNOWN),
        ("1234", Brand.UNKNOWN),
    ],
)
def test_brand(number: str, expected: Brand) -> None:
    assert brand(number) == expected
    assert brand(number) == expected.value  # a plain string for JSON


def test_validate_number() -> None:
    assert validate_number("4242 4242 4242 4242") == "4242424242424242"
    for bad in ("4242424242424241", "42424242", "4242424242424242424242", "abcd", "4242-4242-4242-424x"):
        with pytest.raises(CardError) as info:
            validate_number(bad)
        assert info.value.code == "incorrect_number"
        assert info.value.field == "number"
    with pytest.raises(CardError):  # Luhn-valid, but amex numbers have 15 digits
        validate_number("3400000000000009")


NOW = datetime(2025, 6, 15, tzinfo=UTC)


@pytest.mark.parametrize(
    ("month", "year", "expected"),
    [(6, 2025, (6, 2025)), (12, 2030, (12, 2030)), ("07", "25", (7, 2025)), (1, 26, (1, 2026))],
)
def test_expiry_ok(month: int | str, year: int | str, expected: tuple[int, int]) -> None:
    assert validate_expiry(month, year, now=NOW) == expected


@pytest.mark.parametrize(
    ("month", "year", "code", "field"),
    [
        (5, 2025, "expired_card", "exp_month"),
        (12, 2024, "expired_card", "exp_year"),
        (13, 2030, "invalid_expiry", "exp_month"),
        (0, 2030, "invalid_expiry", "exp_month"),
        ("ab", 2030, "invalid_expiry", "exp_month"),
        (1, "20x6", "invalid_expiry", "exp_year"),
        (1, 2099, "invalid_expiry", "exp_year"),
        (1, 999, "invalid_expiry", "exp_year"),
        (True, 2030, "invalid_expiry", "exp_month"),
    ],
)
def test_expiry_errors(month: Any, year: Any, code: str, field: str) -> None:
    with pytest.raises(CardError) as info:
        validate_expiry(month, year, now=NOW)
    assert (info.value.code, info.value.field) == (code, field)


def test_expiry_defaults_to_now() -> None:
    with pytest.raises(CardError):
        validate_expiry(1, 2000)
    assert validate_expiry(12, datetime.now(UTC).year + 1)[1] == datetime.now(UTC).year + 1


def test_cvc() -> None:
    assert validate_cvc("123", Brand.VISA) == "123"
    assert validate_cvc("1234", Brand.AMEX) == "1234"
    assert validate_cvc("1234") == "1234"
    for cvc, card_brand in (("1234", Brand.VISA), ("123", Brand.AMEX), ("12a", None), ("12", None)):
        with pytest.raises(CardError) as info:
            validate_cvc(cvc, card_brand)
        assert info.value.code == "invalid_cvc" and info.value.field == "cvc"


def test_mask() -> None:
    masked = mask("4242 4242 4242 4242")
    assert (masked.brand, masked.bin, masked.last4, masked.length) == (Brand.VISA, "424242", "4242", 16)
    assert masked.masked == "424242******4242"
    assert mask("378282246310005").masked == "378282*****0005"
    with pytest.raises(CardError):
        mask("4242")


def test_card_error_shape() -> None:
    err = CardError("expired_card", "The card has expired.", "exp_year")
    assert isinstance(err, ValueError)
    assert str(err) == "The card has expired."
    assert err.code == "expired_card"
