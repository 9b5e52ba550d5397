"""Stripe disputes (https://docs.stripe.com/api/disputes): the Dispute object, its events, its calls.

Events: ``charge.dispute.created``, ``charge.dispute.updated``, ``charge.dispute.closed``,
``charge.dispute.funds_withdrawn``, ``charge.dispute.funds_reinstated``; each carries the
Dispute as ``data.object`` (``id``, ``charge``, ``payment_intent``, ``amount``, ``currency``,
``reason``, ``status``, ``evidence_details.due_by``, ``balance_transactions``).

Status: ``warning_needs_response`` / ``warning_under_review`` are an inquiry (no money taken);
``warning_closed`` is an inquiry closed without a chargeback (the merchant keeps the money:
``won``); ``needs_response``, ``under_review``, ``won``, ``lost`` as they say; ``prevented``
(resolved before it became a dispute) is ``won``. Whether the money is withdrawn comes from
the event type (``funds_withdrawn`` / ``funds_reinstated``), else, for a dispute still open,
from the sum of its ``balance_transactions`` (negative: withdrawn); a decided dispute's money
follows its status (won: reinstated, lost: withdrawn) whatever order the events come in.

Calls: evidence is ``POST /v1/disputes/{id}`` with ``evidence[uncategorized_text]`` and
``submit`` (sent explicitly: Stripe submits by default); accepting is
``POST /v1/disputes/{id}/close`` (Stripe then marks it ``lost``; the hub records ``accepted``).
Both carry an Idempotency-Key derived from the hub's dispute id and the request.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import httpx
import msgspec

from adapters.base import ProviderEvent
from adapters.disputes import DisputeCallError, DisputeNews, DisputeReason, DisputeStatus
from adapters.stripe import mapping as m

DISPUTE_EVENTS = frozenset(
    {
        "charge.dispute.created",
        "charge.dispute.updated",
        "charge.dispute.closed",
        "charge.dispute.funds_withdrawn",
        "charge.dispute.funds_reinstated",
    }
)

S = DisputeStatus
STATUS: dict[str, DisputeStatus] = {
    "warning_needs_response": S.INQUIRY,
    "warning_under_review": S.INQUIRY,
    "warning_closed": S.WON,
    "needs_response": S.NEEDS_RESPONSE,
    "under_review": S.UNDER_REVIEW,
    "won": S.WON,
    "lost": S.LOST,
    "prevented": S.WON,
}

R = DisputeReason
REASON: dict[str, DisputeReason] = {
    "fraudulent": R.FRAUDULENT,
    "product_not_received": R.PRODUCT_NOT_RECEIVED,
    "product_unacceptable": R.PRODUCT_UNACCEPTABLE,
    "duplicate": R.DUPLICATE,
    "subscription_canceled": R.SUBSCRIPTION_CANCELED,
    "credit_not_processed": R.CREDIT_NOT_PROCESSED,
    "unrecognized": R.UNRECOGNIZED,
    "general": R.GENERAL,
    "noncompliant": R.GENERAL,
    "bank_cannot_process": R.GENERAL,
    "check_returned": R.GENERAL,
    "customer_initiated": R.GENERAL,
    "debit_not_authorized": R.FRAUDULENT,
    "incorrect_account_details": R.GENERAL,
    "insufficient_funds": R.GENERAL,
}


class EvidenceDetails(msgspec.Struct, kw_only=True):
    due_by: int | None = None
    has_evidence: bool = False
    past_due: bool = False
    submission_count: int = 0


class BalanceTransaction(msgspec.Struct, kw_only=True):
    id: str | None = None
    amount: int = 0
    currency: str | None = None


class Dispute(msgspec.Struct, kw_only=True):
    id: str
    object: str = "dispute"
    amount: int
    currency: str
    charge: str | None = None
    payment_intent: str | None = None
    reason: str = "general"
    status: str
    evidence_details: EvidenceDetails | None = None
    balance_transactions: list[BalanceTransaction] = msgspec.field(default_factory=list)
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    created: int | None = None


def _withdrawn(d: Dispute, event_type: str | None) -> bool | None:
    if event_type == "charge.dispute.funds_withdrawn":
        return True
    if event_type == "charge.dispute.funds_reinstated":
        return False
    if d.status in ("won", "lost", "warning_closed", "prevented") or not d.balance_transactions:
        return None  # decided: the status says where the money ends (won: back; lost: kept by the issuer)
    return sum(b.amount for b in d.balance_transactions) < 0


def news_of(d: Dispute, event_type: str | None = None) -> DisputeNews:
    status = STATUS.get(d.status)
    if status is None:
        raise ValueError(f"unknown Stripe dispute status {d.status!r}")
    currency = d.currency.upper()
    details = d.evidence_details
    due = details.due_by if details else None
    return DisputeNews(
        provider_reference=d.id,
        status=status,
        reason=REASON.get(d.reason, R.GENERAL),
        provider_reason=d.reason,
        amount=m.from_stripe_amount(d.amount, currency),
        currency=currency,
        evidence_due_by=datetime.fromtimestamp(due, UTC) if due else None,
        payment_reference=d.payment_intent or d.charge,
        payment_id=d.metadata.get("payhub_payment_id"),
        funds_withdrawn=_withdrawn(d, event_type),
        has_evidence=details.has_evidence if details else None,
        summary={"dispute": d.id, "status": d.status, "charge": d.charge, **({"event": event_type} if event_type else {})},
    )


def event_of(base: ProviderEvent, obj: dict[str, Any]) -> ProviderEvent:
    """A ``charge.dispute.*`` event (``base`` has its id, type and time) with its DisputeNews."""
    d = msgspec.convert(obj, type=Dispute)
    news = news_of(d, base.type)
    return msgspec.structs.replace(
        base, provider_reference=news.payment_reference, payment_id=news.payment_id, dispute=news
    )


def idempotency_key(dispute_id: str, what: str, params: Any) -> str:
    digest = hashlib.sha256(msgspec.json.encode(params, order="sorted")).hexdigest()[:16]
    return f"payhub-{dispute_id}-{what}-{digest}"


def read_reply(reply: httpx.Response | Any, what: str) -> DisputeNews:
    """The Dispute in a reply to ``POST /v1/disputes/{id}[/close]``, or DisputeCallError."""
    if not isinstance(reply, httpx.Response):  # a transport fault (an Outcome)
        raise DisputeCallError(getattr(reply, "reason", None) or "Stripe could not be reached", definite=False)
    if reply.status_code >= 500 or reply.status_code == 429:
        raise DisputeCallError(f"Stripe answered {reply.status_code}", definite=False)
    if reply.status_code == 409:  # idempotency key in use: the first request may still land
        raise DisputeCallError("Stripe is still processing the same request", definite=False)
    if reply.status_code >= 400:
        try:
            error = msgspec.json.decode(reply.content, type=m.StripeErrorEnvelope).error
            message, code = error.message or "", error.code
        except (msgspec.DecodeError, msgspec.ValidationError):
            message, code = "", None
        raise DisputeCallError(message or f"Stripe answered {reply.status_code}", definite=True, provider_code=code)
    try:
        news = news_of(msgspec.json.decode(reply.content, type=Dispute))
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
        raise DisputeCallError(f"unreadable Dispute in Stripe's answer to {what}: {exc}", definite=False) from exc
    if what == "close" and news.status == S.LOST:
        news = msgspec.structs.replace(news, status=S.ACCEPTED, funds_withdrawn=True)
    return news


__all__ = ["DISPUTE_EVENTS", "Dispute", "event_of", "idempotency_key", "news_of", "read_reply"]
