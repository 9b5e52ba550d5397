"""The ledger's tables: journal entries, their postings, and striped balance rows.

``ledger_entries`` and ``ledger_postings`` are append-only (migration triggers refuse UPDATE
and DELETE). ``ledger_balances`` holds, per ledger account and currency, ``STRIPES`` rows of
running debit and credit totals: an entry adds to ONE stripe of each account it touches
(chosen from its resource), so concurrent entries on a hot account (``sales``, ``provider:{a}``)
update different rows instead of queueing on one. A balance is the sum of its stripes: a
read costs at most ``STRIPES`` rows per account and currency, however many entries exist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table
from sqlalchemy.types import TypeDecorator

STRIPES = 32

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTC(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on SQLite (which keeps no zone) and PostgreSQL."""

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


_SEQ = BigInteger().with_variant(Integer, "sqlite")

entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),  # je_..., derived from the cause
    Column("cause", String(200), nullable=False),  # what the id was derived from
    Column("kind", String(32), nullable=False),
    Column("resource", String(64)),  # pay_ / re_ / po_ / dp_ / a reconciliation line id
    Column("created_at", UTC(), nullable=False),
    Index("ix_ledger_entries_resource", "resource", "seq"),
    Index("ix_ledger_entries_created", "created_at"),
)

postings = Table(
    "ledger_postings",
    metadata,
    Column("id", _SEQ, primary_key=True, autoincrement=True),
    Column("entry_seq", BigInteger, nullable=False),
    Column("account", String(100), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("amount", BigInteger, nullable=False),  # debit > 0, credit < 0, minor units
    Index("ix_ledger_postings_entry", "entry_seq"),
    Index("ix_ledger_postings_account", "account", "entry_seq"),
)

balances = Table(
    "ledger_balances",
    metadata,
    Column("account", String(100), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("stripe", Integer, primary_key=True),
    Column("debits", BigInteger, nullable=False),
    Column("credits", BigInteger, nullable=False),  # a positive total of the credit amounts
)
