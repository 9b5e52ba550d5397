"""event stream: which events the Kafka relay has published, and the relay's lease (issue 22)

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
    # the relay's work queue: only unpublished events are in it, in the order they were written
    op.create_index(
        "ix_events_unpublished",
        "events",
        ["seq"],
        postgresql_where=sa.text("published_at IS NULL"),
        sqlite_where=sa.text("published_at IS NULL"),
    )
    op.create_table(
        "stream_leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_stream_leases"),
    )


def downgrade() -> None:
    op.drop_table("stream_leases")
    op.drop_index("ix_events_unpublished", table_name="events")
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("published_at")
