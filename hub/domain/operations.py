"""Operation records: one per provider call (DESIGN §4)."""

from __future__ import annotations

import enum


class OpStatus(enum.StrEnum):
    PENDING = "pending"  # committed before the call; the call may be running (see lease)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    UNKNOWN = "unknown"  # ambiguous: resolution will make it certain
    REQUIRES_ACTION = "requires_action"  # the shopper must act (3DS)


class ResourceKind(enum.StrEnum):
    PAYMENT = "payment"
    PAYOUT = "payout"
