"""Adyen disputes: dispute notifications, and accepting a dispute through the Disputes API.

Notifications (https://docs.adyen.com/risk-management/disputes-api/dispute-notifications):
``pspReference`` is the dispute's (the same for every event of one dispute),
``originalReference`` the disputed payment's; ``additionalData`` carries
``chargebackReasonCode`` (``rfiReasonCode`` for a request for information),
``defensePeriodEndsAt`` (ISO 8601) and ``disputeStatus`` (Undefended, Pending, Responded,
Accepted, Lost, Won, Expired).

===========================  ==============  ==================  =====
eventCode                    status          funds withdrawn     stage
===========================  ==============  ==================  =====
REQUEST_FOR_INFORMATION      inquiry         no                  1
NOTIFICATION_OF_CHARGEBACK   needs_response  not yet             2
CHARGEBACK                   needs_response  yes                 3
CHARGEBACK_REVERSED          won             no (reinstated)     4
SECOND_CHARGEBACK            lost            yes                 5
PREARBITRATION_WON           won             no                  6
PREARBITRATION_LOST          lost            yes                 6
===========================  ==============  ==================  =====

``disputeStatus`` refines the status where it says more (a CHARGEBACK already ``Accepted``,
``Lost`` or ``Responded``). Stages order the news: one of an earlier stage than the dispute's
is stale (a late NOTIFICATION_OF_CHARGEBACK after the CHARGEBACK).

Evidence: NOT supported through the API (the hub answers 422 ``not_supported``). Adyen's
Disputes API defends a dispute with defence *documents* (``supplyDefenseDocument``: base64
PDF/JPEG/TIFF files, each with a ``defenseDocumentTypeCode``) tied to a defence reason that
must first be chosen from ``retrieveApplicableDefenseReasons`` and then confirmed with
``defendDispute``; a free-text ``{"text"}`` cannot be turned into such a defence without
choosing a reason and document types for the merchant. Defend in the Customer Area.

Accepting: ``POST {disputes_url}/acceptDispute`` ``{"disputePspReference",
"merchantAccountCode"}`` (Disputes API v30, ``X-API-Key``); ``disputeServiceResult.success``
false is a refusal. ``disputes_url`` (account setting) defaults to
``https://ca-test.adyen.com/ca/services/DisputeService/v30``, the live one when the account
has a ``live_url_prefix``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import msgspec

from adapters.adyen import mapping as m
from adapters.base import Account, ProviderEvent
from adapters.disputes import DisputeCallError, DisputeNews, DisputeStatus, reason_from_scheme

TEST_URL = "https://ca-test.adyen.com/ca/services/DisputeService/v30"
LIVE_URL = "https://ca-live.adyen.com/ca/services/DisputeService/v30"

S = DisputeStatus
#: eventCode -> (status, funds withdrawn after it (None: not said), stage)
DISPUTE_CODES: dict[str, tuple[DisputeStatus, bool | None, int]] = {
    "REQUEST_FOR_INFORMATION": (S.INQUIRY, False, 1),
    "NOTIFICATION_OF_CHARGEBACK": (S.NEEDS_RESPONSE, None, 2),
    "CHARGEBACK": (S.NEEDS_RESPONSE, True, 3),
    "CHARGEBACK_REVERSED": (S.WON, False, 4),
    "SECOND_CHARGEBACK": (S.LOST, True, 5),
    "PREARBITRATION_WON": (S.WON, False, 6),
    "PREARBITRATION_LOST": (S.LOST, True, 6),
}
#: additionalData.disputeStatus -> status, where it refines the event's
DISPUTE_STATUS: dict[str, DisputeStatus] = {
    "undefended": S.NEEDS_RESPONSE,
    "pending": S.UNDER_REVIEW,
    "responded": S.UNDER_REVIEW,
    "accepted": S.ACCEPTED,
    "lost": S.LOST,
    "expired": S.LOST,
    "won": S.WON,
}


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def news_of(item: m.NotificationItem) -> DisputeNews:
    status, funds, stage = DISPUTE_CODES[item.eventCode]
    extra = item.additionalData or {}
    said = DISPUTE_STATUS.get(str(extra.get("disputeStatus", "")).lower())
    if said is not None and status == S.NEEDS_RESPONSE:  # a chargeback already answered or decided
        status = said
    code = extra.get("chargebackReasonCode") or extra.get("rfiReasonCode")
    amount = currency = None
    if item.amount is not None and item.amount.value is not None and item.amount.currency:
        currency = item.amount.currency.upper()
        amount = m.from_adyen_value(item.amount.value, currency)
    reference = item.merchantReference or None
    return DisputeNews(
        provider_reference=item.pspReference,
        status=status,
        reason=reason_from_scheme(str(code) if code else None, item.reason),
        provider_reason=str(code) if code else item.reason,
        amount=amount,
        currency=currency,
        evidence_due_by=_when(extra.get("defensePeriodEndsAt")),
        payment_reference=item.originalReference or None,
        payment_id=reference if reference and reference.startswith("pay_") else None,
        funds_withdrawn=funds,
        stage=stage,
        summary={
            "event_code": item.eventCode,
            "psp_reference": item.pspReference,
            "dispute_status": extra.get("disputeStatus"),
            "reason": item.reason,
        },
    )


def event_of(base: dict[str, Any], item: m.NotificationItem) -> ProviderEvent:
    """A dispute notification as a ProviderEvent (``base``: its event id, type, time)."""
    news = news_of(item)
    return ProviderEvent(
        **base, payment_id=news.payment_id, provider_reference=news.payment_reference, dispute=news
    )


def disputes_url(account: Account, live: bool) -> str:
    configured = account.settings.get("disputes_url")
    if configured:
        return str(configured).rstrip("/")
    return LIVE_URL if live else TEST_URL


class _Result(msgspec.Struct, kw_only=True):
    success: bool = False
    errorMessage: str | None = None


class _AcceptResponse(msgspec.Struct, kw_only=True):
    disputeServiceResult: _Result


def accept_reply(reply: httpx.Response | Any, dispute_psp: str) -> DisputeNews:
    if not isinstance(reply, httpx.Response):
        raise DisputeCallError(getattr(reply, "reason", None) or "Adyen could not be reached", definite=False)
    if reply.status_code >= 500 or reply.status_code == 429:
        raise DisputeCallError(f"Adyen answered {reply.status_code}", definite=False)
    if reply.status_code >= 400:
        raise DisputeCallError(f"Adyen refused the acceptance (HTTP {reply.status_code})", definite=True)
    try:
        result = msgspec.json.decode(reply.content, type=_AcceptResponse).disputeServiceResult
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise DisputeCallError(f"unreadable acceptDispute answer: {exc}", definite=False) from exc
    if not result.success:
        raise DisputeCallError(result.errorMessage or "Adyen did not accept the dispute", definite=True)
    return DisputeNews(
        provider_reference=dispute_psp,
        status=S.ACCEPTED,
        funds_withdrawn=True,
        summary={"call": "acceptDispute", "psp_reference": dispute_psp},
    )
