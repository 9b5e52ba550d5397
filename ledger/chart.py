"""The chart of accounts (DESIGN §13) and the entry kinds."""

from __future__ import annotations

import enum
import re

PROVIDER_PREFIX = "provider:"

FIXED = {
    "sales": "gross sales",
    "refunds": "refunds given",
    "fees": "provider fees",
    "disputes": "chargebacks",
    "payouts": "money paid out to beneficiaries",
    "bank": "the merchant's own bank account",
}
PROVIDER_MEANING = "money the provider (or bank) holds for us"

_PROVIDER_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class Kind(enum.StrEnum):
    CAPTURE = "capture"
    REFUND = "refund"
    DISPUTE_WITHDRAWAL = "dispute_withdrawal"
    DISPUTE_REINSTATEMENT = "dispute_reinstatement"
    FEE = "fee"
    SETTLEMENT = "settlement"
    PAYOUT = "payout"
    PAYOUT_RETURN = "payout_return"
    ADJUSTMENT = "adjustment"


def provider(account_id: str) -> str:
    """``provider:{a}``: what provider account ``a`` holds for us."""
    name = PROVIDER_PREFIX + account_id
    if not is_account(name):
        raise ValueError(f"not a provider account id: {account_id!r}")
    return name


def is_account(name: str) -> bool:
    if name in FIXED:
        return True
    return name.startswith(PROVIDER_PREFIX) and bool(_PROVIDER_ID.match(name[len(PROVIDER_PREFIX) :]))


def meaning(name: str) -> str:
    return FIXED.get(name) or PROVIDER_MEANING


def is_currency(code: str) -> bool:
    return bool(_CURRENCY.match(code))
