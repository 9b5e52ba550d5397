"""SQLAlchemy Core tables. Money columns are BigInteger minor units; times are UTC.

The hot path uses Core statements (not the ORM unit of work): they are cached
and cost a fraction of an ORM flush.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on both SQLite (which has no tz) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime")
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


naming = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=naming)

Json = JSON()


def _ts(name: str, nullable: bool = False) -> Column[dt.datetime]:
    return Column(name, UTCDateTime(), nullable=nullable)


accounts = Table(
    "accounts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("adapter", String(64), nullable=False),
    Column("base_url", String(512)),
    Column("credentials", Text, nullable=False),  # vault ciphertext of the JSON credentials
    Column("settings", Json, nullable=False),
    Column("connect_timeout", Float, nullable=False),
    Column("read_timeout", Float, nullable=False),
    Column("source", String(16), nullable=False),  # config | api
    _ts("created_at"),
    _ts("updated_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("prefix", String(16), nullable=False),  # shown to humans: phk_xxxxxx
    Column("hash", String(128), nullable=False, unique=True),  # SHA-256 of the full key
    Column("owner", String(128), nullable=False),
    Column("name", String(128), nullable=False),
    Column("role", String(32), nullable=False),
    _ts("created_at"),
    _ts("revoked_at", nullable=True),
    _ts("last_used_at", nullable=True),
)

payment_methods = Table(
    "payment_methods",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("type", String(16), nullable=False),
    Column("brand", String(24)),
    Column("bin", String(8)),
    Column("last4", String(4)),
    Column("exp_month", Integer),
    Column("exp_year", Integer),
    Column("fingerprint", String(128)),
    Column("ciphertext", Text),  # vault ciphertext of the card (PAN, expiry, holder); NULL once shredded
    Column("holder_name_present", Boolean, nullable=False, default=False),
    _ts("created_at"),
    _ts("deleted_at", nullable=True),
    Index("ix_payment_methods_fingerprint", "owner", "fingerprint"),
)

payments = Table(
    "payments",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("status", String(24), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("capture_mode", String(16), nullable=False),
    Column("amount_captured", BigInteger, nullable=False, default=0),
    Column("amount_refunded", BigInteger, nullable=False, default=0),
    Column("provider_reference", String(255)),
    Column("payment_method", Json, nullable=False),  # masked description only
    Column("three_ds", Json),
    Column("next_action", Json),
    Column("failure", Json),
    Column("reference", String(255)),
    Column("metadata", Json, nullable=False),
    Column("requires_review", Boolean, nullable=False, default=False),
    Column("multicapture_open", Boolean, nullable=False, default=False),
    Column("attempts", Json),  # earlier routing attempts that were certainly not charged (§15)
    Column("amount_disputed", BigInteger, nullable=False, default=0),  # hub.services.dispute_outcomes
    Column("disputes", Json),  # ids of the payment's disputes, oldest first
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_payments_owner_created", "owner", "id"),
    Index("ix_payments_reference", "reference"),
    Index("ix_payments_provider_reference", "account_id", "provider_reference"),
    Index("ix_payments_status", "status"),
)

refunds = Table(
    "refunds",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("payment_id", String(40), nullable=False, index=True),
    Column("owner", String(128), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),  # pending | succeeded | failed
    Column("provider_reference", String(255)),
    Column("failure", Json),
    Column("reference", String(255)),
    Column("metadata", Json, nullable=False),
    _ts("created_at"),
    _ts("updated_at"),
)

payouts = Table(
    "payouts",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # processing | succeeded | failed | returned
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("destination", Json, nullable=False),  # masked
    Column("destination_ciphertext", Text),  # vault ciphertext of the full destination
    Column("provider_reference", String(255)),
    Column("failure", Json),
    Column("reference", String(255)),
    Column("metadata", Json, nullable=False),
    Column("requires_review", Boolean, nullable=False, default=False),
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_payouts_owner_created", "owner", "id"),
)

operations = Table(
    "operations",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("resource_kind", String(16), nullable=False),  # payment | payout
    Column("resource_id", String(40), nullable=False),
    Column("refund_id", String(40)),
    Column("account_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # authorize | authenticate | capture | void | refund | payout
    # hub: the hub made the call; provider: a change made outside the hub, adopted (DESIGN §11)
    Column("origin", String(16), nullable=False, default="hub", server_default="hub"),
    Column("status", String(24), nullable=False),  # pending | succeeded | failed | unknown | requires_action
    Column("from_status", String(24)),  # the payment status the operation started from
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("provider_idempotency_key", String(255), nullable=False),
    Column("provider_reference", String(255)),
    Column("operation_reference", String(255)),
    Column("request", Json, nullable=False),  # scrubbed request summary (what is needed to replay)
    Column("response", Json),  # scrubbed response summary
    Column("failure", Json),
    Column("reason", Text),  # why unknown
    Column("attempts", Integer, nullable=False, default=0),
    Column("requires_review", Boolean, nullable=False, default=False),
    _ts("lease_until", nullable=True),  # a pending call is presumed alive until then
    _ts("next_check_at", nullable=True),  # resolution: when to look again
    _ts("deadline_at", nullable=True),  # resolution: flag requires_review after this
    _ts("created_at"),
    _ts("updated_at"),
    _ts("resolved_at", nullable=True),
    Index("ix_operations_resource", "resource_id"),
    Index("ix_operations_due", "status", "next_check_at"),
    Index("ix_operations_created", "created_at"),  # /v1/admin/stats: operations of the last hour
    Index("ix_operations_reference", "account_id", "operation_reference"),  # inbound webhook matching
)

operation_attempts = Table(
    "operation_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("operation_id", String(40), nullable=False, index=True),
    Column("action", String(16), nullable=False),  # call | lookup | replay | webhook | settle
    Column("outcome", String(24), nullable=False),
    Column("detail", Json),
    Column("duration_ms", Integer),
    _ts("at"),
)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("owner", String(128), nullable=False),
    Column("type", String(64), nullable=False),
    Column("resource_id", String(40), nullable=False),
    Column("data", Json, nullable=False),
    _ts("created_at"),
    _ts("published_at", nullable=True),  # acknowledged by the Kafka broker (hub.stream, DESIGN §16)
    Index("ix_events_type", "type"),
    Index(
        "ix_events_unpublished",
        "seq",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
)

# who runs the event-stream relay right now (one lease per stream name; hub.stream.lease)
stream_leases = Table(
    "stream_leases",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(64)),
    _ts("expires_at", nullable=True),
)

webhook_inbox = Table(
    "webhook_inbox",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("provider_event_id", String(255), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("payload", Json, nullable=False),  # the normalised ProviderEvent (no card data)
    Column("status", String(16), nullable=False),  # received | processed | ignored | retry | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    _ts("received_at"),
    _ts("processed_at", nullable=True),
    _ts("next_attempt_at", nullable=True),
    UniqueConstraint("account_id", "provider_event_id", name="uq_webhook_inbox_account_event"),
    Index("ix_webhook_inbox_due", "status", "next_attempt_at"),  # the inbox sweep
    Index("ix_webhook_inbox_received", "account_id", "received_at"),  # replay by account and time
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128), nullable=False),
    Column("url", String(2048), nullable=False),
    Column("event_types", Json, nullable=False),
    Column("secret", Text, nullable=False),  # vault ciphertext
    Column("status", String(16), nullable=False),  # enabled | disabled
    Column("description", String(255)),
    _ts("created_at"),
    _ts("updated_at"),
    Index("ix_webhook_endpoints_owner_status", "owner", "status"),  # the fan-out in every event's transaction
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("endpoint_id", String(40), nullable=False, index=True),
    Column("event_id", String(40), nullable=False),
    Column("event_type", String(64)),
    Column("status", String(16), nullable=False),  # pending | delivered | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_status_code", Integer),
    Column("last_error", Text),
    _ts("next_attempt_at", nullable=True),
    _ts("lease_until", nullable=True),  # an attempt in flight holds the delivery until then
    _ts("created_at"),
    _ts("updated_at"),
    UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_deliveries_endpoint_event"),
    Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
)

delivery_attempts = Table(
    "delivery_attempts",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("delivery_id", String(40), nullable=False, index=True),
    Column("status_code", Integer),
    Column("error", Text),
    Column("duration_ms", Integer),
    _ts("at"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("actor_key_id", String(40)),
    Column("actor_owner", String(128)),
    Column("action", String(64), nullable=False),
    Column("resource_type", String(32)),
    Column("resource_id", String(64)),
    Column("before", Json),
    Column("after", Json),
    Column("request_id", String(64)),
    Column("source_ip", String(64)),
    Column("success", Boolean, nullable=False),
    Column("detail", Text),
    _ts("at"),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_resource", "resource_id"),
    Index("ix_audit_log_actor", "actor_key_id"),
    Index("ix_audit_log_action", "action"),
)

poll_cursors = Table(
    "poll_cursors",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("cursor", String(255)),
    _ts("updated_at"),
)

vault_keys = Table(  # hub-level secrets kept under the KEK (fingerprint key, ...)
    "vault_keys",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("ciphertext", Text, nullable=False),
    _ts("created_at"),
)
