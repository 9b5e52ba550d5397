"""inbound webhooks inbox (issue 5): indexes for the inbox sweep, replay and event matching

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_inbox", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_inbox_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index("ix_webhook_inbox_received", ["account_id", "received_at"], unique=False)
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.create_index("ix_operations_reference", ["account_id", "operation_reference"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("operations", schema=None) as batch_op:
        batch_op.drop_index("ix_operations_reference")
    with op.batch_alter_table("webhook_inbox", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_inbox_received")
        batch_op.drop_index("ix_webhook_inbox_due")
