"""The ``before`` of an audit record: how a resource looked before a request changed it.

Each snapshot is the resource's API representation where there is one (masked
credentials, no ciphertexts, no key hashes); the audit log redacts it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from hub.services import representations as rep
from hub.services.dispute_outcomes import render as render_dispute
from hub.services.payment_methods import describe as describe_payment_method
from hub.store import tables as t
from hub.store.dispute_tables import disputes
from hub.store.repo import Row, iso, load

log = logging.getLogger("payhub.audit")

# columns never copied into a snapshot
SENSITIVE_COLUMNS = frozenset({"secret", "ciphertext", "destination_ciphertext", "credentials", "hash"})


@dataclass(frozen=True)
class Snapshot:
    owner: str | None  # the tenant the resource belongs to (None: hub-wide, admin resources)
    view: dict[str, Any]


def row_view(row: Row) -> dict[str, Any]:
    """A stored row without secrets, times as ISO strings."""
    return {
        k: (iso(v) if isinstance(v, dt.datetime) else v) for k, v in row.items() if k not in SENSITIVE_COLUMNS
    }


_RENDERED: dict[str, tuple[Table, Callable[[Row], dict[str, Any]]]] = {
    "payment": (t.payments, rep.payment),
    "refund": (t.refunds, rep.refund),
    "payout": (t.payouts, rep.payout),
    "dispute": (disputes, render_dispute),
    "operation": (t.operations, rep.operation),
    "payment_method": (t.payment_methods, describe_payment_method),
    "api_key": (t.api_keys, row_view),
    "webhook_endpoint": (t.webhook_endpoints, row_view),
    "webhook_delivery": (t.webhook_deliveries, row_view),
}
_HUB_WIDE = frozenset({"api_key", "operation", "account"})


async def _account(hub: Any, account_id: str) -> Snapshot:
    view: dict[str, Any] = await hub.accounts.get(account_id)  # credentials masked
    return Snapshot(None, view)


_CUSTOM: dict[str, Callable[[Any, str], Awaitable[Snapshot]]] = {"account": _account}


async def snapshot(hub: Any, resource_type: str | None, resource_id: str) -> Snapshot | None:
    """The resource as it is now, or None (unknown type, no such resource, or an error)."""
    if resource_type is None:
        return None
    try:
        custom = _CUSTOM.get(resource_type)
        if custom is not None:
            return await custom(hub, resource_id)
        known = _RENDERED.get(resource_type)
        if known is None:
            return None
        table, render = known
        async with hub.engine.connect() as conn:
            row = await load(conn, table, resource_id, what=resource_type)
        owner = None if resource_type in _HUB_WIDE else row.get("owner")
        return Snapshot(owner, render(row))
    except Exception as exc:  # a missing resource is the handler's 404 to give, not ours
        log.debug("no audit snapshot of %s %s: %s", resource_type, resource_id, type(exc).__name__)
        return None
