"""The dispute side of the adapter contract (DESIGN §12): what an adapter says about a dispute.

An adapter that declares ``Capability.DISPUTES`` turns the provider's dispute notifications
(Stripe ``charge.dispute.*``, Adyen ``CHARGEBACK`` ...) into :class:`DisputeNews` carried by a
:class:`adapters.base.ProviderEvent` (``event.dispute``; ``event.kind`` stays None). The hub
finds or creates its dispute by ``(account, provider_reference)`` and moves it through the
dispute state table (``hub.domain.states.DISPUTE_TRANSITIONS``).

Optional calls: ``submit_dispute_evidence`` (``Capability.DISPUTE_EVIDENCE``) and
``accept_dispute`` (``Capability.DISPUTE_ACCEPT``) answer the dispute as the provider holds it
afterwards, or raise :class:`DisputeCallError` (``definite``: the provider refused, nothing
changed; otherwise it may or may not have taken it). Neither moves money by itself, and
sending the same evidence or acceptance twice is harmless, so they need no write-ahead
operation: a caller that saw an ambiguous error simply tries again.

This module imports nothing from the rest of ``adapters`` (``adapters.base`` imports it).
"""

from __future__ import annotations

import enum
import re
from datetime import datetime
from typing import Any

import msgspec


class DisputeStatus(enum.StrEnum):
    """Unified dispute status. ``inquiry``: a retrieval request / inquiry; no money withdrawn."""

    INQUIRY = "inquiry"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    ACCEPTED = "accepted"


class DisputeReason(enum.StrEnum):
    FRAUDULENT = "fraudulent"
    PRODUCT_NOT_RECEIVED = "product_not_received"
    PRODUCT_UNACCEPTABLE = "product_unacceptable"
    DUPLICATE = "duplicate"
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    CREDIT_NOT_PROCESSED = "credit_not_processed"
    GENERAL = "general"
    UNRECOGNIZED = "unrecognized"


class DisputeNews(msgspec.Struct, kw_only=True):
    """What the provider says about one dispute at one moment."""

    provider_reference: str  # the provider's id of the dispute (Stripe dp_/du_, Adyen dispute PSP ref)
    status: DisputeStatus
    reason: DisputeReason | None = None  # None: the news does not say
    provider_reason: str | None = None  # the provider's / scheme's own reason code
    amount: int | None = None  # minor units (ISO exponent), when the provider says
    currency: str | None = None  # upper case
    evidence_due_by: datetime | None = None
    # the disputed payment: the provider's reference of it, and the hub's id if echoed back
    payment_reference: str | None = None
    payment_id: str | None = None
    # True: the disputed amount is withdrawn from the merchant after this news; False: it is
    # back (reinstated, or never taken); None: the news does not say (status decides)
    funds_withdrawn: bool | None = None
    has_evidence: bool | None = None  # evidence staged or submitted (when the provider says)
    # the provider's stage of the dispute process, where its news has an order (Adyen: RFI <
    # notification of chargeback < chargeback < reversed < second chargeback < pre-arbitration);
    # the hub ignores news of an earlier stage than the last it applied. 0: no order known
    stage: int = 0
    summary: dict[str, Any] = msgspec.field(default_factory=dict)  # scrubbed, for the record


class DisputeRequest(msgspec.Struct, kw_only=True):
    dispute_id: str  # the hub's id (dp_...)
    provider_reference: str
    payment_reference: str | None = None
    idempotency_key: str | None = None  # derived from the hub's dispute id and the request


class DisputeEvidenceRequest(DisputeRequest, kw_only=True):
    text: str
    submit: bool


class DisputeCallError(Exception):
    """A dispute call that did not go through. ``definite``: the provider refused it (nothing
    changed: answered 422/409 to the client); otherwise the outcome is not known (502)."""

    def __init__(self, message: str, *, definite: bool, provider_code: str | None = None) -> None:
        super().__init__(message)
        self.definite = definite
        self.provider_code = provider_code


# --------------------------------------------------------------------------- reason codes

R = DisputeReason

#: card-scheme chargeback reason codes (Visa Claims Resolution, Mastercard) -> unified reason
SCHEME_REASONS: dict[str, DisputeReason] = {
    # Visa: 10.x fraud, 11.x authorisation, 12.x processing errors, 13.x consumer disputes
    "10.1": R.FRAUDULENT, "10.2": R.FRAUDULENT, "10.3": R.FRAUDULENT, "10.4": R.FRAUDULENT,
    "10.5": R.FRAUDULENT, "11.1": R.GENERAL, "11.2": R.GENERAL, "11.3": R.GENERAL,
    "12.1": R.GENERAL, "12.2": R.GENERAL, "12.3": R.GENERAL, "12.4": R.GENERAL, "12.5": R.GENERAL,
    "12.6": R.DUPLICATE, "12.6.1": R.DUPLICATE, "12.6.2": R.DUPLICATE, "12.7": R.GENERAL,
    "13.1": R.PRODUCT_NOT_RECEIVED, "13.2": R.SUBSCRIPTION_CANCELED, "13.3": R.PRODUCT_UNACCEPTABLE,
    "13.4": R.PRODUCT_UNACCEPTABLE, "13.5": R.PRODUCT_UNACCEPTABLE, "13.6": R.CREDIT_NOT_PROCESSED,
    "13.7": R.CREDIT_NOT_PROCESSED, "13.8": R.GENERAL, "13.9": R.PRODUCT_NOT_RECEIVED,
    # Mastercard
    "4837": R.FRAUDULENT, "4840": R.FRAUDULENT, "4849": R.FRAUDULENT, "4863": R.UNRECOGNIZED,
    "4870": R.FRAUDULENT, "4871": R.FRAUDULENT, "4834": R.DUPLICATE, "4853": R.PRODUCT_UNACCEPTABLE,
    "4855": R.PRODUCT_NOT_RECEIVED, "4859": R.PRODUCT_NOT_RECEIVED, "4860": R.CREDIT_NOT_PROCESSED,
    "4841": R.SUBSCRIPTION_CANCELED, "4808": R.GENERAL, "4831": R.GENERAL, "4842": R.GENERAL,
}  # fmt: skip

_TEXT_REASONS: list[tuple[re.Pattern[str], DisputeReason]] = [
    (re.compile(r"fraud|not authori[sz]ed|no cardholder authori[sz]ation", re.I), R.FRAUDULENT),
    (re.compile(r"not recogni[sz]ed|unrecogni[sz]ed", re.I), R.UNRECOGNIZED),
    (re.compile(r"not received|not provided|non.?receipt", re.I), R.PRODUCT_NOT_RECEIVED),
    (re.compile(r"duplicate|paid by other means", re.I), R.DUPLICATE),
    (re.compile(r"credit not processed|refund not", re.I), R.CREDIT_NOT_PROCESSED),
    (re.compile(r"cancel+ed recurring|subscription|cancel", re.I), R.SUBSCRIPTION_CANCELED),
    (re.compile(r"not as described|defective|quality|counterfeit|misrepresent", re.I), R.PRODUCT_UNACCEPTABLE),
]


def reason_from_scheme(code: str | None, text: str | None = None) -> DisputeReason:
    """The unified reason of a scheme reason code (``"13.1"``, ``"4853"``), else of its text."""
    if code:
        found = SCHEME_REASONS.get(code.strip())
        if found is not None:
            return found
    for pattern, reason in _TEXT_REASONS:
        if text and pattern.search(text):
            return reason
    return R.GENERAL


__all__ = [
    "SCHEME_REASONS",
    "DisputeCallError",
    "DisputeEvidenceRequest",
    "DisputeNews",
    "DisputeReason",
    "DisputeRequest",
    "DisputeStatus",
    "reason_from_scheme",
]
