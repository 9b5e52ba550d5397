"""IBAN / BIC / bank account validation (hub/domain/bank_accounts.py)."""

from __future__ import annotations

import pytest

from hub.domain.bank_accounts import (
    BankAccountError,
    validate_bank_account,
    validate_bic,
    validate_country,
    validate_iban,
)

VALID_IBANS = [
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),  # Germany, 22
    ("de89370400440532013000", "DE89370400440532013000"),  # lower case accepted
    ("FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"),  # France, 27, letters in BBAN
    ("GB82WEST12345698765432", "GB82WEST12345698765432"),  # United Kingdom, 22
    ("NL91ABNA0417164300", "NL91ABNA0417164300"),  # Netherlands, 18
    ("BE68539007547034", "BE68539007547034"),  # Belgium, 16
    ("AT611904300234573201", "AT611904300234573201"),  # Austria, 20
    ("ES9121000418450200051332", "ES9121000418450200051332"),  # Spain, 24
    ("IT60X0542811101000000123456", "IT60X0542811101000000123456"),  # Italy, 27
    ("CH9300762011623852957", "CH9300762011623852957"),  # Switzerland, 21
    ("NO9386011117947", "NO9386011117947"),  # Norway, 15 (shortest)
    ("MT84MALT011000012345MTLCAST001S", "MT84MALT011000012345MTLCAST001S"),  # Malta, 31
]


@pytest.mark.parametrize(("raw", "normalised"), VALID_IBANS)
def test_valid_ibans(raw: str, normalised: str) -> None:
    assert validate_iban(raw) == normalised


BAD_IBANS = [
    ("DE89370400440532013001", "check digits"),  # one digit changed: mod-97 fails
    ("DE88370400440532013000", "check digits"),  # wrong check digits
    ("GB82WEST12345698765433", "check digits"),
    ("DE8937040044053201300", "length"),  # 21 chars, DE needs 22
    ("DE893704004405320130000", "length"),  # 23 chars
    ("NL91ABNA04171643", "length"),
    ("XX89370400440532013000", "country"),  # no such IBAN country
    ("US12345678901234567890", "country"),  # the US does not issue IBANs
    ("DE89-3704-0044-0532-0130-00", "letters"),  # punctuation
    ("", "required"),
]


@pytest.mark.parametrize(("raw", "why"), BAD_IBANS)
def test_bad_ibans(raw: str, why: str) -> None:
    with pytest.raises(BankAccountError) as info:
        validate_iban(raw)
    err = info.value
    assert isinstance(err, ValueError)
    assert err.code == "invalid_iban"
    assert err.field == "iban"
    assert why in err.message


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("COBADEFFXXX", "COBADEFFXXX"),
        ("COBADEFF", "COBADEFF"),
        ("deutdeff500", "DEUTDEFF500"),
        ("BNPAFRPP", "BNPAFRPP"),
        ("NWBK GB 2L", "NWBKGB2L"),
        ("UBSWCHZH80A", "UBSWCHZH80A"),
    ],
)
def test_valid_bics(raw: str, normalised: str) -> None:
    assert validate_bic(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "COBADEF",  # 7 characters
        "COBADEFFXX",  # 10 characters
        "COBADEFFXXXX",  # 12 characters
        "COBAXXFF",  # XX is not a country
        "COBA12FF",  # country part must be letters
        "COBA-DEFF",  # punctuation
        "",
    ],
)
def test_bad_bics(raw: str) -> None:
    with pytest.raises(BankAccountError) as info:
        validate_bic(raw)
    assert info.value.code == "invalid_bic"
    assert info.value.field == "bic"


def test_country() -> None:
    assert validate_country("de") == "DE"
    for bad in ("XX", "DEU", "1A", ""):
        with pytest.raises(BankAccountError) as info:
            validate_country(bad)
        assert info.value.code == "invalid_country"


def test_bank_account_ok() -> None:
    acct = validate_bank_account("de89 3704 0044 0532 0130 00", "cobadeffxxx", "  Zoë   Müller ", "de")
    assert acct.iban == "DE89370400440532013000"
    assert acct.bic == "COBADEFFXXX"
    assert acct.name == "Zoë Müller"
    assert acct.country == "DE"


def test_bank_account_country_defaults_to_iban() -> None:
    assert validate_bank_account("NL91ABNA0417164300", None, "Jan").country == "NL"


def test_bank_account_territory_uses_parent_iban() -> None:
    # Guadeloupe banks with French IBANs; Jersey with British ones
    assert validate_bank_account("FR1420041010050500013M02606", None, "Marie", "GP").country == "GP"
    assert validate_bank_account("GB82WEST12345698765432", None, "Ann", "JE").country == "JE"


@pytest.mark.parametrize(
    ("iban", "bic", "name", "country", "field", "code"),
    [
        ("DE89370400440532013000", None, "A", "FR", "country", "invalid_country"),
        ("DE89370400440532013000", None, "A", "ZZ", "country", "invalid_country"),
        ("DE89370400440532013000", "BNPAFRPP", "A", "DE", "bic", "invalid_bic"),
        ("DE89370400440532013000", "COBADE", "A", "DE", "bic", "invalid_bic"),
        ("DE89370400440532013001", None, "A", "DE", "iban", "invalid_iban"),
        ("DE89370400440532013000", None, "   ", "DE", "name", "invalid_name"),
        ("DE89370400440532013000", None, "x" * 141, "DE", "name", "invalid_name"),
    ],
)
def test_bank_account_errors(
    iban: str, bic: str | None, name: str, country: str, field: str, code: str
) -> None:
    with pytest.raises(BankAccountError) as info:
        validate_bank_account(iban, bic, name, country)
    assert (info.value.field, info.value.code) == (field, code)
