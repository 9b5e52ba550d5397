"""Disputes on the simulated PSP: the wire structs, and how the adapter reads and answers them.

The simulator speaks the hub's own dispute vocabulary (statuses ``inquiry``, ``needs_response``,
``under_review``, ``won``, ``lost``, ``accepted``; the unified reasons), so the mapping is
direct. Events ``dispute.created``, ``dispute.updated``, ``dispute.closed`` carry the dispute
(``data.object``, ``object: "dispute"``) with ``funds_withdrawn``. See
:mod:`adapters.simulator.dispute_desk` for how disputes come to exist (test cards, admin calls).

Calls (``Idempotency-Key`` on every POST, derived from the hub's dispute id and the request):

* ``POST /v1/disputes/{id}/evidence`` ``{"text", "submit"}`` -> 200 dispute;
* ``POST /v1/disputes/{id}/accept`` -> 200 dispute;
* 400/404/409 -> the simulator refused it (nothing changed); 5xx / no answer -> not known.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
import msgspec

from adapters.base import ProviderEvent
from adapters.classify import send
from adapters.disputes import DisputeCallError, DisputeNews, DisputeReason, DisputeStatus

DISPUTE_EVENT_PREFIX = "dispute."


class DisputeEvidenceOut(msgspec.Struct, kw_only=True):
    text: str
    submitted: bool


class DisputeOut(msgspec.Struct, kw_only=True, tag_field="object", tag="dispute"):
    id: str
    charge: str
    charge_reference: str | None  # the charge's reference: the hub's payment id
    amount: int
    currency: str
    reason: str
    status: str
    funds_withdrawn: bool
    evidence_due_by: int | None = None
    evidence: DisputeEvidenceOut | None = None
    created: int = 0


class DisputeEventData(msgspec.Struct, kw_only=True):
    object: DisputeOut


class DisputeEventOut(msgspec.Struct, kw_only=True, tag_field="object", tag="event"):
    id: str
    type: str
    created: int
    data: DisputeEventData


class EvidenceCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    text: str
    submit: bool = False


class DisputeOpen(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /_sim/disputes``: open a dispute on a captured charge."""

    charge: str
    amount: int | None = None  # default: what was captured
    reason: str = "fraudulent"
    inquiry: bool = False  # a retrieval request first: no money withdrawn until it escalates
    due_in_seconds: int = 7 * 86400


class DisputeClose(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``POST /_sim/disputes/{id}/close``: the issuer decides."""

    outcome: str  # "won" | "lost"


class _EventHead(msgspec.Struct):
    type: str = ""


def is_dispute_event(body: bytes) -> bool:
    try:
        return msgspec.json.decode(body, type=_EventHead).type.startswith(DISPUTE_EVENT_PREFIX)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False


def news_of(d: DisputeOut, **summary: Any) -> DisputeNews:
    reasons = {r.value for r in DisputeReason}
    return DisputeNews(
        provider_reference=d.id,
        status=DisputeStatus(d.status),
        reason=DisputeReason(d.reason) if d.reason in reasons else DisputeReason.GENERAL,
        provider_reason=d.reason,
        amount=d.amount,
        currency=d.currency.upper(),
        evidence_due_by=datetime.fromtimestamp(d.evidence_due_by, UTC) if d.evidence_due_by else None,
        payment_reference=d.charge,
        payment_id=d.charge_reference,
        funds_withdrawn=d.funds_withdrawn,
        has_evidence=d.evidence is not None,
        summary={"dispute": d.id, "status": d.status, **summary},
    )


def provider_event(body: bytes) -> ProviderEvent:
    """A simulator dispute event as a ProviderEvent (raises msgspec errors on a bad body)."""
    event = msgspec.json.decode(body, type=DisputeEventOut)
    return ProviderEvent(
        event_id=event.id,
        type=event.type,
        occurred_at=datetime.fromtimestamp(event.created, UTC),
        payment_id=event.data.object.charge_reference,
        provider_reference=event.data.object.charge,
        dispute=news_of(event.data.object, event=event.type),
    )


async def lookup(client: httpx.AsyncClient, headers: dict[str, str], dispute: str) -> DisputeNews:
    """``GET /v1/disputes/{dispute}``."""
    reply = await send(client, "GET", f"/v1/disputes/{quote(dispute, safe='')}", headers=headers)
    return _read(reply, "lookup")


def idempotency_key(dispute_id: str, what: str, body: bytes) -> str:
    return f"payhub-{dispute_id}-{what}-{hashlib.sha256(body).hexdigest()[:16]}"


async def call(
    client: httpx.AsyncClient, headers: dict[str, str], dispute: str, what: str, body: Any
) -> DisputeNews:
    """``POST /v1/disputes/{dispute}/{what}`` and read the dispute it answers."""
    content = msgspec.json.encode(body)
    reply = await send(
        client,
        "POST",
        f"/v1/disputes/{quote(dispute, safe='')}/{what}",
        content=content,
        headers={
            **headers,
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key(dispute, what, content),
        },
    )
    return _read(reply, what)


def _read(reply: httpx.Response | Any, what: str) -> DisputeNews:
    if not isinstance(reply, httpx.Response):
        raise DisputeCallError(reply.reason or "the simulator could not be reached", definite=False)
    if reply.status_code >= 500 or reply.status_code in (408, 429):
        raise DisputeCallError(f"the simulator answered {reply.status_code}", definite=False)
    if reply.status_code >= 400:
        try:
            error = msgspec.json.decode(reply.content).get("error", {})
        except (msgspec.DecodeError, AttributeError):
            error = {}
        raise DisputeCallError(
            str(error.get("message") or f"the simulator answered {reply.status_code}"),
            definite=True,
            provider_code=error.get("code"),
        )
    try:
        return news_of(msgspec.json.decode(reply.content, type=DisputeOut), call=what)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise DisputeCallError(
            f"unreadable dispute in the simulator's answer: {exc}", definite=False
        ) from exc
