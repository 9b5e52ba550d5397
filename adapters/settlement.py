"""The reconciliation side of the adapter contract (DESIGN §14): the provider's own books.

An adapter that declares ``Capability.RECONCILIATION`` implements
``Adapter.settlement_lines(request)``: an async iterator of :class:`SettlementPage`, each a
batch of normalised :class:`SettlementLine` read from the provider's record of money movements
(Stripe ``GET /v1/balance_transactions``, Adyen's Settlement details report CSV, a SEPA bank's
``camt.053`` statements, the simulator's balance transactions). Pages are yielded as they are
read, so a window of 100k lines is never held in memory; the hub matches each page against its
own records (``hub.reconciliation``) before asking for the next.

Sign convention: amounts are signed minor units (ISO exponent) **as seen from the merchant's
balance at that provider** (or bank account): money in is positive (a settled charge, a
reversed chargeback, a bank credit), money out is negative (a refund, a chargeback, a payout to
the merchant's bank, a bank debit). ``fee`` is what the provider kept for this line, positive
when charged (negative for a fee refund); ``net == gross - fee``.

The adapter never matches and never posts: it only reads and normalises. A report it cannot
read raises :class:`ReportError` with a stable ``code`` and a clear ``reason``; the hub then
fails the run and posts nothing.

This module imports nothing from the rest of ``adapters`` (``adapters.base`` imports it).
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec


class LineType(enum.StrEnum):
    """What a settlement line is about (the provider's own type is kept in ``provider_type``)."""

    CHARGE = "charge"  # a capture / payment settled into the balance (gross > 0)
    REFUND = "refund"  # a refund paid out of the balance (gross < 0)
    REFUND_FAILURE = "refund_failure"  # a refund that came back (gross > 0)
    DISPUTE = "dispute"  # a chargeback withdrawn from the balance (gross < 0)
    DISPUTE_REVERSAL = "dispute_reversal"  # a chargeback won / reinstated (gross > 0)
    FEE = "fee"  # a fee line of its own (Stripe stripe_fee, Adyen fee / invoice deduction)
    PAYOUT = "payout"  # the provider paid the balance out to the merchant's bank (gross < 0)
    PAYOUT_REVERSAL = "payout_reversal"  # such a payout failed and came back (gross > 0)
    BANK_PAYOUT = "bank_payout"  # bank statement: a hub payout (credit transfer) debited (gross < 0)
    BANK_PAYOUT_RETURN = "bank_payout_return"  # bank statement: such a payout returned (gross > 0)
    DEPOSIT = "deposit"  # bank statement: a credit from elsewhere (e.g. a provider's payout)
    ADJUSTMENT = "adjustment"  # anything the provider adjusted (gross of either sign)
    OTHER = "other"  # a line type the adapter does not know; reported, never guessed at


class SettlementLine(msgspec.Struct, kw_only=True, frozen=True):
    """One money movement as the provider records it, normalised."""

    line_id: str  # the provider's id of this line, stable across reads (txn_..., a camt AcctSvcrRef)
    type: LineType
    provider_type: str  # the provider's own type ("charge", "Settled", "CRDT/PMNT/RCDT/ESCT" ...)
    gross: int  # signed minor units, see the module docstring
    fee: int  # minor units the provider kept for this line (0 when none)
    net: int  # gross - fee
    currency: str  # ISO 4217 upper case
    created_at: datetime  # aware; when the provider booked it
    # the provider's reference of what the line is about: the charge / payment intent / PSP
    # reference of a payment, the refund id, the payout id; None when the provider says none
    provider_reference: str | None = None
    # the hub's ids when the provider echoes them (Stripe metadata, Adyen merchant reference,
    # a camt end-to-end id): the payment / payout (pay_..., po_...) and the operation (op_...)
    resource_id: str | None = None
    operation_id: str | None = None
    # for a line whose own reference is not the payment's (a Stripe refund re_ on charge ch_,
    # an Adyen refund's modification reference), the reference of the payment it belongs to
    parent_reference: str | None = None
    available_on: datetime | None = None  # when the funds become available (None: not said)
    status: str | None = None  # the provider's status of the line ("available", "pending", "BOOK")
    description: str | None = None  # the provider's description / remittance information
    summary: dict[str, Any] = msgspec.field(default_factory=dict)  # scrubbed raw fields, for the record


class SettlementRequest(msgspec.Struct, kw_only=True, frozen=True):
    """Read the provider's lines created in ``[start, end)``.

    ``cursor`` is where a report that is read in order left off (Adyen: the next batch number),
    as a previous page's ``cursor`` said; None: start from the account's configured beginning
    (``report_batch_start``).
    """

    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    cursor: str | None = None
    page_size: int = 100


class SettlementPage(msgspec.Struct, kw_only=True):
    lines: list[SettlementLine]
    # where the next read should begin once this page is processed (Adyen: the next batch
    # number); None when the source has no such position (Stripe, camt, the simulator)
    cursor: str | None = None


class ReportErrorCode(enum.StrEnum):
    UNAUTHORIZED = "report_unauthorized"  # 401 / 403 from the report endpoint: credentials wrong
    MALFORMED = "report_malformed"  # the report cannot be parsed (bad CSV header, invalid XML ...)
    UNAVAILABLE = "report_unavailable"  # 5xx, timeout, connection refused: try again later
    NOT_CONFIGURED = "report_not_configured"  # the account lacks report credentials / settings


class ReportError(Exception):
    """The provider's report could not be read; the run fails with ``code`` and ``reason``."""

    def __init__(self, code: ReportErrorCode, reason: str) -> None:
        super().__init__(f"{code.value}: {reason}")
        self.code = code
        self.reason = reason
