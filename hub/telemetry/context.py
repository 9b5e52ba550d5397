"""Log context: the ids every log line about a payment, payout, operation or job carries.

One :class:`~contextvars.ContextVar` holds an immutable mapping of fields; the JSON
formatter (:mod:`hub.logs`) adds them to each line. Asyncio copies the context into
every task, so a job or a request never sees another one's ids.

* ``with log_context(payment_id=..., operation_id=...):`` opens a scope: the fields are
  added for the block and the previous ones come back when it ends (even if fields were
  bound inside it meanwhile).
* ``bind_log_context(...)`` adds fields to the scope already open (the request middleware
  and the job runners open one), for code that learns an id half-way through a block.

``None`` values are ignored, so callers can pass optional ids as they come.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar, Token
from types import MappingProxyType
from typing import Any

_EMPTY: Mapping[str, str] = MappingProxyType({})
_fields: ContextVar[Mapping[str, str]] = ContextVar("payhub_log_fields", default=_EMPTY)


def log_fields() -> Mapping[str, str]:
    """The fields bound in the current context (read-only)."""
    return _fields.get()


def _merged(values: Mapping[str, Any]) -> Mapping[str, str]:
    current = _fields.get()
    extra = {k: str(v) for k, v in values.items() if v is not None}
    if not extra:
        return current
    return MappingProxyType({**current, **extra})


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Add ``values`` to every log line emitted inside the block."""
    token = _fields.set(_merged(values))
    try:
        yield
    finally:
        _fields.reset(token)


def open_scope() -> Token[Mapping[str, str]]:
    """Start a scope for :func:`bind_log_context` (request middleware, job runners)."""
    return _fields.set(_fields.get())


def close_scope(token: Token[Mapping[str, str]]) -> None:
    _fields.reset(token)


def bind_log_context(**values: Any) -> None:
    """Add ``values`` to the scope already open (a request, a job, a ``log_context`` block)."""
    _fields.set(_merged(values))


def operation_log_ids(op: Mapping[str, Any]) -> dict[str, Any]:
    """The log fields of an operation row: its id and kind, its resource's id, its refund's id."""
    resource_key = "payout_id" if op.get("resource_kind") == "payout" else "payment_id"
    return {
        "operation_id": op.get("id"),
        "operation_kind": op.get("kind"),
        resource_key: op.get("resource_id"),
        "refund_id": op.get("refund_id"),
    }
