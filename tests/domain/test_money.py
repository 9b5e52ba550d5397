from __future__ import annotations

import pytest

from hub.domain.errors import ValidationFailed
from hub.domain.money import exponent, format_amount, validate_amount, validate_currency


@pytest.mark.parametrize(
    ("cur", "exp"),
    [("EUR", 2), ("USD", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("CLF", 4), ("ISK", 0)],
)
def test_exponents(cur: str, exp: int) -> None:
    assert exponent(cur) == exp


@pytest.mark.parametrize(
    ("amount", "cur", "text"),
    [(1099, "EUR", "10.99 EUR"), (500, "JPY", "500 JPY"), (1234, "KWD", "1.234 KWD"), (5, "EUR", "0.05 EUR")],
)
def test_format(amount: int, cur: str, text: str) -> None:
    assert format_amount(amount, cur) == text


@pytest.mark.parametrize("bad", [0, -1, 10**16, 1.5, True, "100"])
def test_impossible_amounts_rejected(bad: object) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_amount(bad, "EUR")  # type: ignore[arg-type]
    assert info.value.status == 422


@pytest.mark.parametrize("bad", ["eur", "EURO", "XXX", "ZZZ", ""])
def test_unknown_currency_rejected(bad: str) -> None:
    with pytest.raises(ValidationFailed):
        validate_currency(bad)


def test_known_currency_passes() -> None:
    assert validate_currency("JPY") == "JPY"
