"""The idempotency key table. Own MetaData: ``idempotency`` imports nothing from ``hub``;
the hub's migrations include it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Column, DateTime, Integer, LargeBinary, MetaData, String, Table
from sqlalchemy.types import TypeDecorator


class _UTC(TypeDecorator[dt.datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: dt.datetime | None, dialect: object) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value


metadata = MetaData()

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("owner", String(128), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),  # started | completed
    Column("resource_type", String(32)),
    Column("resource_id", String(64)),
    Column("response_status", Integer),
    Column("response_body", LargeBinary),
    Column("locked_until", _UTC(), nullable=False),
    Column("created_at", _UTC(), nullable=False),
    Column("expires_at", _UTC(), nullable=False, index=True),
)
