"""Bank account validation for payouts: IBAN, BIC, and their consistency.

Self-contained (no hub imports) so the payouts API and anything else can call
it. The checks lean on schwifty, which keeps the per-country IBAN registry
(lengths, BBAN structure, national check digits) and the BIC rules current:

* :func:`validate_iban` — characters, country known to the IBAN registry, the
  country's length and BBAN structure, ISO 7064 mod-97 check digits; answers
  the compact upper-case form (``DE89 3704 ...`` -> ``DE8937040044...``).
* :func:`validate_bic` — ISO 9362: 8 or 11 characters, ``AAAA`` institution
  (letters or digits since ISO 9362:2014), ``BB`` a real country, ``CC``
  location, optional ``DDD`` branch; answers the compact upper-case form.
* :func:`validate_bank_account` — both, plus the holder's name and a country
  consistent with the IBAN (an IBAN's country may legitimately differ from the
  address country for territories that use another country's IBANs, e.g. a
  Guadeloupe account with an ``FR`` IBAN, or a Jersey one with a ``GB`` IBAN).

Every failure raises :class:`BankAccountError` (a ``ValueError``) carrying the
``field`` at fault, a stable ``code`` (``invalid_iban``, ``invalid_bic``,
``invalid_country``, ``invalid_name``) and a human ``message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pycountry  # installed with schwifty, which uses it for the same purpose
import schwifty
from schwifty import exceptions as sx

__all__ = [
    "BankAccountError",
    "ValidBankAccount",
    "validate_bank_account",
    "validate_bic",
    "validate_country",
    "validate_iban",
]

NAME_MAX = 140  # ISO 20022 Max140Text

# IBAN country -> address countries that bank with that IBAN country's system
_IBAN_TERRITORIES: dict[str, frozenset[str]] = {
    "FR": frozenset({"FR", "GF", "GP", "MQ", "RE", "YT", "PM", "BL", "MF", "NC", "PF", "WF", "TF", "MC"}),
    "GB": frozenset({"GB", "JE", "GG", "IM"}),
    "FI": frozenset({"FI", "AX"}),
    "ES": frozenset({"ES", "IC", "EA"}),
    "PT": frozenset({"PT"}),
    "IT": frozenset({"IT", "SM", "VA"}),
    "CH": frozenset({"CH", "LI"}),
    "DK": frozenset({"DK", "FO", "GL"}),
}

_IBAN_CHARS = re.compile(r"[A-Za-z0-9 ]+")


class BankAccountError(ValueError):
    """A bank account detail is invalid."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message

    def __repr__(self) -> str:
        return f"BankAccountError(field={self.field!r}, code={self.code!r}, message={self.message!r})"


@dataclass(frozen=True, slots=True)
class ValidBankAccount:
    iban: str
    bic: str | None
    name: str
    country: str  # ISO 3166-1 alpha-2, upper case


def validate_iban(iban: str, *, field: str = "iban") -> str:
    """The compact, upper-case IBAN; :class:`BankAccountError` ``invalid_iban`` otherwise."""
    if not isinstance(iban, str) or not iban.strip():
        raise BankAccountError(field, "invalid_iban", "IBAN is required")
    if not _IBAN_CHARS.fullmatch(iban.strip()):
        raise BankAccountError(field, "invalid_iban", "IBAN may contain only letters, digits and spaces")
    try:
        value = schwifty.IBAN(iban)
    except sx.InvalidCountryCode as exc:
        raise BankAccountError(
            field, "invalid_iban", f"IBAN country {iban.strip()[:2].upper()!r} does not issue IBANs"
        ) from exc
    except sx.InvalidLength as exc:
        raise BankAccountError(
            field, "invalid_iban", f"IBAN has the wrong length for {iban.strip()[:2].upper()}"
        ) from exc
    except sx.InvalidChecksumDigits as exc:
        raise BankAccountError(field, "invalid_iban", "IBAN check digits are wrong (mod-97)") from exc
    except (sx.InvalidStructure, sx.InvalidBBANChecksum) as exc:
        raise BankAccountError(field, "invalid_iban", f"IBAN is not valid for its country: {exc}") from exc
    except (sx.SchwiftyException, ValueError) as exc:
        raise BankAccountError(field, "invalid_iban", f"IBAN is not valid: {exc}") from exc
    return str(value.compact)


def validate_bic(bic: str, *, field: str = "bic") -> str:
    """The compact, upper-case BIC (8 or 11 characters); ``invalid_bic`` otherwise."""
    if not isinstance(bic, str) or not bic.strip():
        raise BankAccountError(field, "invalid_bic", "BIC is required")
    compact = bic.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", compact):
        raise BankAccountError(
            field, "invalid_bic", "BIC must be 8 or 11 characters: institution, country, location, branch"
        )
    try:
        value = schwifty.BIC(compact)
    except sx.InvalidCountryCode as exc:
        raise BankAccountError(
            field, "invalid_bic", f"BIC country part {compact[4:6]!r} is not a country"
        ) from exc
    except (sx.SchwiftyException, ValueError) as exc:
        raise BankAccountError(field, "invalid_bic", f"BIC is not valid: {exc}") from exc
    return str(value.compact)


def validate_country(country: str, *, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 code, upper case; ``invalid_country`` otherwise."""
    code = (country or "").strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", code) or pycountry.countries.get(alpha_2=code) is None:
        raise BankAccountError(field, "invalid_country", f"{country!r} is not an ISO 3166 country code")
    return code


def validate_bank_account(
    iban: str, bic: str | None = None, name: str | None = None, country: str | None = None
) -> ValidBankAccount:
    """Validate a payout destination; the country defaults to the IBAN's."""
    iban_ok = validate_iban(iban)
    iban_country = iban_ok[:2]
    bic_ok = validate_bic(bic) if bic else None
    holder = " ".join((name or "").split())
    if not holder:
        raise BankAccountError("name", "invalid_name", "the account holder's name is required")
    if len(holder) > NAME_MAX:
        raise BankAccountError("name", "invalid_name", f"the holder's name exceeds {NAME_MAX} characters")
    country_ok = validate_country(country) if country else iban_country
    allowed = _IBAN_TERRITORIES.get(iban_country, frozenset({iban_country}))
    if country_ok not in allowed:
        raise BankAccountError(
            "country", "invalid_country", f"country {country_ok} does not match IBAN country {iban_country}"
        )
    if bic_ok is not None:
        bic_country = bic_ok[4:6]
        if bic_country != iban_country and bic_country not in allowed:
            raise BankAccountError(
                "bic", "invalid_bic", f"BIC country {bic_country} does not match IBAN country {iban_country}"
            )
    return ValidBankAccount(iban=iban_ok, bic=bic_ok, name=holder, country=country_ok)
