"""reconciliation (issue 18, DESIGN §14): runs, their items, and per-account report cursors

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.tables import UTCDateTime

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reconciliation_runs",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("window_from", UTCDateTime(), nullable=False),
        sa.Column("window_to", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("cursor_start", sa.String(255)),
        sa.Column("cursor_end", sa.String(255)),
        sa.Column("trigger", sa.String(16), nullable=False),
        sa.Column("lines", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("id", name="pk_reconciliation_runs"),
    )
    op.create_index("ix_reconciliation_runs_account", "reconciliation_runs", ["account_id", "window_from"])
    op.create_index("ix_reconciliation_runs_status", "reconciliation_runs", ["status", "updated_at"])
    op.create_table(
        "reconciliation_items",
        sa.Column("run_id", sa.String(40), nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("line_id", sa.String(255)),
        sa.Column("type", sa.String(24), nullable=False),
        sa.Column("provider_type", sa.String(64)),
        sa.Column("provider_reference", sa.String(255)),
        sa.Column("resource", sa.String(64)),
        sa.Column("hub_amount", sa.BigInteger),
        sa.Column("provider_amount", sa.BigInteger),
        sa.Column("fee", sa.BigInteger),
        sa.Column("currency", sa.String(3)),
        sa.Column("detail", sa.Text),
        sa.Column("matched_line", sa.String(255)),
        sa.Column("line_created_at", UTCDateTime()),
        sa.PrimaryKeyConstraint("run_id", "id", name="pk_reconciliation_items"),
    )
    op.create_index("ix_reconciliation_items_kind", "reconciliation_items", ["run_id", "kind", "id"])
    op.create_index("ix_reconciliation_items_resource", "reconciliation_items", ["run_id", "resource"])
    op.create_index(
        "ix_reconciliation_items_settlement", "reconciliation_items", ["kind", "currency", "provider_amount"]
    )
    op.create_index("ix_refunds_provider_reference", "refunds", ["provider_reference"])
    op.create_index("ix_payouts_provider_reference", "payouts", ["account_id", "provider_reference"])
    op.create_table(
        "reconciliation_cursors",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("cursor", sa.String(255)),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_reconciliation_cursors"),
    )


def downgrade() -> None:
    op.drop_table("reconciliation_cursors")
    op.drop_index("ix_payouts_provider_reference", "payouts")
    op.drop_index("ix_refunds_provider_reference", "refunds")
    op.drop_index("ix_reconciliation_items_settlement", "reconciliation_items")
    op.drop_index("ix_reconciliation_items_resource", "reconciliation_items")
    op.drop_index("ix_reconciliation_items_kind", "reconciliation_items")
    op.drop_table("reconciliation_items")
    op.drop_index("ix_reconciliation_runs_status", "reconciliation_runs")
    op.drop_index("ix_reconciliation_runs_account", "reconciliation_runs")
    op.drop_table("reconciliation_runs")
