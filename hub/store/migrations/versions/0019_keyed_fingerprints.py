"""Erase the unkeyed request fingerprints (issue 14, DESIGN §5/§7)

Before this revision an Idempotency-Key's fingerprint was an unkeyed SHA-256 of the request
body, card number and CVC included: recoverable by brute force. Fingerprints are now a keyed
HMAC (the vault's fingerprint key) over a body whose card fields are MAC'd too. The old digests
cannot be re-keyed without the bodies, so they are overwritten with a marker that matches any
request (``idempotency.fingerprint.LEGACY``): a client retrying across the upgrade still gets
its stored answer — never a second charge — and the keys expire within their normal lifetime.

Revision ID: 0019
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

LEGACY = "legacy-unkeyed-erased"


def upgrade() -> None:
    keys = sa.table("idempotency_keys", sa.column("fingerprint", sa.String))
    op.execute(keys.update().values(fingerprint=LEGACY))


def downgrade() -> None:
    pass  # the erased digests are gone for good (that is the point); keyed ones stay valid rows
