"""disputes (issue 16): the disputes table; a payment's amount_disputed and its dispute ids

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.store.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("owner", sa.String(128)),
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("payment_id", sa.String(40)),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount_withdrawn", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("provider_reason", sa.String(255)),
        sa.Column("provider_reference", sa.String(255), nullable=False),
        sa.Column("payment_reference", sa.String(255)),
        sa.Column("evidence_due_by", UTCDateTime()),
        sa.Column("evidence", sa.JSON()),
        sa.Column("reminded_at", UTCDateTime()),
        sa.Column("stage", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_news", sa.Text),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_disputes"),
        sa.UniqueConstraint("account_id", "provider_reference", name="uq_disputes_provider_reference"),
    )
    op.create_index("ix_disputes_payment", "disputes", ["payment_id"])
    op.create_index("ix_disputes_due", "disputes", ["status", "evidence_due_by"])
    with op.batch_alter_table("payments") as batch_op:
        batch_op.add_column(sa.Column("amount_disputed", sa.BigInteger, nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("disputes", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("payments") as batch_op:
        batch_op.drop_column("disputes")
        batch_op.drop_column("amount_disputed")
    op.drop_index("ix_disputes_due", "disputes")
    op.drop_index("ix_disputes_payment", "disputes")
    op.drop_table("disputes")
