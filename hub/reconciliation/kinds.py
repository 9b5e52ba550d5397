"""Item kinds (DESIGN §14) and run statuses."""

from __future__ import annotations

import enum


class ItemKind(enum.StrEnum):
    MATCHED = "matched"  # the line and the hub's record agree
    MISSING_IN_HUB = "missing_in_hub"  # the provider moved money the hub has no record of
    MISSING_AT_PROVIDER = "missing_at_provider"  # a hub capture / refund / payout no line matched
    AMOUNT_MISMATCH = "amount_mismatch"
    CURRENCY_MISMATCH = "currency_mismatch"
    STATUS_MISMATCH = "status_mismatch"  # e.g. the hub says failed, the provider settled it
    FEE = "fee"  # a fee line of its own, posted to the ledger as `fee`
    SETTLEMENT = "settlement"  # the provider paid out to the merchant's bank, posted as `settlement`


EXCEPTIONS = frozenset(
    {
        ItemKind.MISSING_IN_HUB,
        ItemKind.MISSING_AT_PROVIDER,
        ItemKind.AMOUNT_MISMATCH,
        ItemKind.CURRENCY_MISMATCH,
        ItemKind.STATUS_MISMATCH,
    }
)


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


def empty_summary() -> dict[str, int]:
    return {k.value: 0 for k in ItemKind}


def exceptions_in(summary: dict[str, int]) -> int:
    return sum(summary.get(k.value, 0) for k in EXCEPTIONS)
