"""telemetry (issue 9)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # /v1/admin/stats reads the operations created in a recent window
    with op.batch_alter_table("operations") as batch_op:
        batch_op.create_index("ix_operations_created", ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("operations") as batch_op:
        batch_op.drop_index("ix_operations_created")
