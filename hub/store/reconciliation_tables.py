"""Reconciliation tables (DESIGN §14), on the hub's shared ``metadata``.

* ``reconciliation_runs``: one row per run (``rec_``): the window, the status (running,
  completed, failed with a reason), the summary (count per item kind), and where a report read
  in order began and ended (``cursor_start`` / ``cursor_end``: Adyen's batch number).
* ``reconciliation_items``: what the run found, one per provider line (plus one per hub record
  no line matched). Item ids derive from the account, the window and the line, so re-running a
  window gives the same ids; the primary key is (run, id).
* ``reconciliation_cursors``: per account, where the next run of a report read in order starts.
"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, Index, PrimaryKeyConstraint, String, Table, Text

from hub.store.tables import UTCDateTime, metadata, payouts, refunds

reconciliation_runs = Table(
    "reconciliation_runs",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("owner", String(128), nullable=False),  # who asked (events go to this owner)
    Column("account_id", String(64), nullable=False),
    Column("window_from", UTCDateTime(), nullable=False),
    Column("window_to", UTCDateTime(), nullable=False),
    Column("status", String(16), nullable=False),  # running | completed | failed
    Column("reason", Text),
    Column("summary", JSON(), nullable=False),
    Column("cursor_start", String(255)),
    Column("cursor_end", String(255)),
    Column("trigger", String(16), nullable=False),  # api | cli | schedule
    Column("lines", BigInteger, nullable=False, default=0),  # provider lines read so far
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),  # heartbeat while running
    Column("completed_at", UTCDateTime()),
    Index("ix_reconciliation_runs_account", "account_id", "window_from"),
    Index("ix_reconciliation_runs_status", "status", "updated_at"),
)

reconciliation_items = Table(
    "reconciliation_items",
    metadata,
    Column("run_id", String(40), nullable=False),
    Column("id", String(40), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("line_id", String(255)),  # the provider's line (None: a hub record no line matched)
    Column("type", String(24), nullable=False),  # LineType, or the hub's kind (capture/refund/payout)
    Column("provider_type", String(64)),
    Column("provider_reference", String(255)),
    Column("resource", String(64)),  # pay_ / re_ / po_ / dp_ the item is about
    Column("hub_amount", BigInteger),
    Column("provider_amount", BigInteger),
    Column("fee", BigInteger),
    Column("currency", String(3)),
    Column("detail", Text),
    Column("matched_line", String(255)),  # a bank deposit: the provider payout line it is
    Column("line_created_at", UTCDateTime()),
    PrimaryKeyConstraint("run_id", "id", name="pk_reconciliation_items"),
    Index("ix_reconciliation_items_kind", "run_id", "kind", "id"),
    Index("ix_reconciliation_items_resource", "run_id", "resource"),
    Index("ix_reconciliation_items_settlement", "kind", "currency", "provider_amount"),
)

reconciliation_cursors = Table(
    "reconciliation_cursors",
    metadata,
    Column("account_id", String(64), primary_key=True),
    Column("cursor", String(255)),
    Column("updated_at", UTCDateTime(), nullable=False),
)

# matching lines the provider did not tag with the hub's ids: by the provider's reference
Index("ix_refunds_provider_reference", refunds.c.provider_reference)
Index("ix_payouts_provider_reference", payouts.c.account_id, payouts.c.provider_reference)

__all__ = ["reconciliation_cursors", "reconciliation_items", "reconciliation_runs"]
