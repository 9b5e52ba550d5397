"""the optimistic outcome's guard (issue 24): ``payhub_unchanged(ok)`` raises unless ``ok``

An outcome on PostgreSQL is written, when nothing raced it, as one statement after an unlocked
read (``hub.store.optimistic``). That statement ends with ``SELECT payhub_unchanged(...)`` over
what it checked (the rows it decided on still the versions it read); when they are not, the
function raises SQLSTATE ``PH409`` and the whole statement, every write in it, is refused.
SQLite has nothing to add: it never takes that path.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_PG_UP = """
CREATE OR REPLACE FUNCTION payhub_unchanged(ok boolean) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'payhub: a row this statement was decided on has changed since it was read'
            USING ERRCODE = 'PH409';
    END IF;
    RETURN true;
END
$$
"""
_PG_DOWN = "DROP FUNCTION IF EXISTS payhub_unchanged(boolean)"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_UP)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_DOWN)
