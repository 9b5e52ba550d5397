"""double-entry ledger (issue 17): journal entries, postings, striped balances

``ledger_entries`` and ``ledger_postings`` are append-only in the database: UPDATE and
DELETE are refused by triggers on PostgreSQL and SQLite (as for the audit log; in
production also revoke UPDATE, DELETE and TRUNCATE on them from the application's role).
``ledger_balances`` is the running total per account, currency and stripe; ``payhub
ledger verify`` checks it against the postings. Existing payments, refunds and payouts
get their opening entries from ``payhub ledger backfill`` (idempotent).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TABLES = ("ledger_entries", "ledger_postings")


def _pg_up(table: str) -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{table} is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE TRIGGER {table}_no_update_delete
        BEFORE UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION {table}_append_only()
        """,
    ]


def _pg_down(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_no_update_delete ON {table}",
        f"DROP FUNCTION IF EXISTS {table}_append_only()",
    ]


def _sqlite_up(table: str) -> list[str]:
    return [
        f"""
        CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END
        """,
        f"""
        CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}
        BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END
        """,
    ]


def _sqlite_down(table: str) -> list[str]:
    return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "ledger_entries",
        sa.Column("seq", seq, primary_key=True, autoincrement=True),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("cause", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("resource", sa.String(64)),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger_entries"),
        sa.UniqueConstraint("id", name="uq_ledger_entries_id"),
    )
    op.create_index("ix_ledger_entries_resource", "ledger_entries", ["resource", "seq"])
    op.create_index("ix_ledger_entries_created", "ledger_entries", ["created_at"])
    op.create_table(
        "ledger_postings",
        sa.Column("id", seq, primary_key=True, autoincrement=True),
        sa.Column("entry_seq", sa.BigInteger(), nullable=False),
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_postings"),
    )
    op.create_index("ix_ledger_postings_entry", "ledger_postings", ["entry_seq"])
    op.create_index("ix_ledger_postings_account", "ledger_postings", ["account", "entry_seq"])
    op.create_table(
        "ledger_balances",
        sa.Column("account", sa.String(100), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("stripe", sa.Integer(), nullable=False),
        sa.Column("debits", sa.BigInteger(), nullable=False),
        sa.Column("credits", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account", "currency", "stripe", name="pk_ledger_balances"),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        for statement in _pg_up(table) if pg else _sqlite_up(table):
            op.execute(statement)


def downgrade() -> None:
    pg = op.get_bind().dialect.name == "postgresql"
    for table in _TABLES:
        for statement in _pg_down(table) if pg else _sqlite_down(table):
            op.execute(statement)
    op.drop_table("ledger_balances")
    op.drop_index("ix_ledger_postings_account", table_name="ledger_postings")
    op.drop_index("ix_ledger_postings_entry", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_entries_created", table_name="ledger_entries")
    op.drop_index("ix_ledger_entries_resource", table_name="ledger_entries")
    op.drop_table("ledger_entries")
