"""audit log hash chain (issue 6): filter indexes and append-only triggers

The audit_log table itself was created by 0001. This revision adds the indexes
the ``GET /v1/admin/audit`` filters use and makes the table append-only in the
database: UPDATE and DELETE are refused by triggers on PostgreSQL and SQLite.
(TRUNCATE is not a row operation and is not blocked here; in production, also
revoke UPDATE, DELETE and TRUNCATE on audit_log from the application's role.)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_MESSAGE = "audit_log is append-only"

_PG_UP = [
    f"""
    CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION '{_MESSAGE}: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_log_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()
    """,
]
_PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update_delete ON audit_log",
    "DROP FUNCTION IF EXISTS audit_log_append_only()",
]
_SQLITE_UP = [
    f"""
    CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, '{_MESSAGE}: DELETE refused'); END
    """,
]
_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS audit_log_no_update",
    "DROP TRIGGER IF EXISTS audit_log_no_delete",
]


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_resource", ["resource_id"], unique=False)
        batch_op.create_index("ix_audit_log_actor", ["actor_key_id"], unique=False)
        batch_op.create_index("ix_audit_log_action", ["action"], unique=False)
    statements = _PG_UP if op.get_bind().dialect.name == "postgresql" else _SQLITE_UP
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    statements = _PG_DOWN if op.get_bind().dialect.name == "postgresql" else _SQLITE_DOWN
    for statement in statements:
        op.execute(statement)
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_action")
        batch_op.drop_index("ix_audit_log_actor")
        batch_op.drop_index("ix_audit_log_resource")
