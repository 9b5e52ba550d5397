"""Money: integer minor units and ISO 4217 exponents."""

from __future__ import annotations

from hub.domain.errors import ValidationFailed

# ISO 4217 minor-unit exponents. Currencies not listed here have exponent 2.
_EXPONENT_0 = frozenset("BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split())
_EXPONENT_3 = frozenset("BHD IQD JOD KWD LYD OMR TND".split())
_EXPONENT_4 = frozenset(["CLF", "UYW"])

# Active ISO 4217 alphabetic codes (funds codes and precious metals excluded).
ISO_4217 = frozenset(
    """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
    BTN BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
    EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
    JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
    MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
    PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
    TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VED VES VND VUV WST XAF XCD
    XCG XOF XPF YER ZAR ZMW ZWG""".split()
)

# the largest amount the hub accepts, in minor units (fits a signed 64-bit column with room)
MAX_AMOUNT = 10**15


def exponent(currency: str) -> int:
    if currency in _EXPONENT_0:
        return 0
    if currency in _EXPONENT_3:
        return 3
    if currency in _EXPONENT_4:
        return 4
    return 2


def validate_currency(currency: str, field: str = "currency") -> str:
    if currency not in ISO_4217:
        if currency.upper() in ISO_4217:
            raise ValidationFailed(
                f"{field} must be the upper-case ISO 4217 code ({currency.upper()!r})", field=field
            )
        raise ValidationFailed(f"{field} {currency!r} is not an ISO 4217 currency code", field=field)
    return currency


def validate_amount(amount: int, currency: str, field: str = "amount", *, allow_zero: bool = False) -> int:
    """An amount is an integer count of the currency's minor units."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed(f"{field} must be an integer number of minor units", field=field)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationFailed(f"{field} must be a positive integer", field=field, code="invalid_amount")
    if amount > MAX_AMOUNT:
        raise ValidationFailed(
            f"{field} exceeds the maximum of {MAX_AMOUNT}", field=field, code="invalid_amount"
        )
    return amount


def format_amount(amount: int, currency: str) -> str:
    """Human form, e.g. 1099 EUR -> '10.99 EUR', 500 JPY -> '500 JPY'."""
    exp = exponent(currency)
    if exp == 0:
        return f"{amount} {currency}"
    sign = "-" if amount < 0 else ""
    whole, frac = divmod(abs(amount), 10**exp)
    return f"{sign}{whole}.{frac:0{exp}d} {currency}"
