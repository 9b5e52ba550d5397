"""The disputes table (DESIGN §12), on the hub's shared ``metadata``.

One row per provider dispute, unique on (account, provider's dispute id), so the same news
delivered twice finds the same row. ``payment_id`` and ``owner`` are NULL while the disputed
payment is unknown to the hub (a dispute of a payment made outside it): such a dispute is
kept and listed to admin keys, and attached when later news names a payment the hub has.
``amount_withdrawn`` is what the provider holds back for it right now (posted to the ledger
as ``dispute_withdrawal`` / ``dispute_reinstatement`` when it changes).
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, Integer, String, Table, Text, UniqueConstraint

from hub.store.tables import UTCDateTime, metadata

disputes = Table(
    "disputes",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128)),  # the payment's owner; NULL while no payment is attached
    Column("account_id", String(64), nullable=False),
    Column("payment_id", String(40)),
    Column("status", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount_withdrawn", BigInteger, nullable=False, default=0),
    Column("reason", String(32), nullable=False),
    Column("provider_reason", String(255)),
    Column("provider_reference", String(255), nullable=False),
    Column("payment_reference", String(255)),  # the provider's id of the disputed payment
    Column("evidence_due_by", UTCDateTime()),
    Column("evidence", JSON()),  # {"text", "submitted", "at"}: the last evidence sent through the hub
    Column("reminded_at", UTCDateTime()),  # dispute.evidence_due_soon sent for this due date
    Column("stage", Integer, nullable=False, default=0),  # DisputeNews.stage of the last news applied
    Column("last_news", Text),  # the provider's type of the last news applied
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
    UniqueConstraint("account_id", "provider_reference", name="uq_disputes_provider_reference"),
    Index("ix_disputes_payment", "payment_id"),
    Index("ix_disputes_due", "status", "evidence_due_by"),
)

__all__ = ["disputes"]
