"""The shapes the API answers, as msgspec structs: the OpenAPI document's response schemas.

They describe what ``hub.services.representations`` (and its siblings) build; the conformance
tests (tests/api/test_openapi_conformance.py) check real answers against them. Response models
are open (unknown fields allowed) so that adding a field is not a breaking change.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

Timestamp = Annotated[str, msgspec.Meta(extra_json_schema={"format": "date-time"})]
Metadata = dict[str, str]
PaymentStatus = Literal[
    "requires_action", "processing", "authorized", "captured", "voided", "refunded", "failed"
]


class Failure(msgspec.Struct):
    """Why an attempt failed, normalised; the provider's own code travels in ``provider_code``."""

    code: str
    message: str | None = None
    decline_code: str | None = None
    provider_code: str | None = None


class Attempt(msgspec.Struct):
    account: str
    outcome: Literal["processing", "requires_action", "not_processed", "declined", "succeeded"]
    failure: Failure | None


class Payment(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(examples=["pay_01J9Z3"])]
    object: Literal["payment"]
    status: PaymentStatus
    amount: int
    currency: str
    amount_captured: int
    amount_refunded: int
    amount_disputed: int
    disputes: list[str]
    capture: Literal["automatic", "manual"]
    account: str
    provider_reference: str | None
    payment_method: dict[str, Any] | None
    next_action: dict[str, Any] | None
    failure: Failure | None
    reference: str | None
    metadata: Metadata
    requires_review: bool
    attempts: list[Attempt]
    created_at: Timestamp
    updated_at: Timestamp


class Refund(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(examples=["re_01J9Z3"])]
    object: Literal["refund"]
    payment: str
    status: Literal["pending", "succeeded", "failed"]
    amount: int
    currency: str
    provider_reference: str | None
    failure: Failure | None
    reference: str | None
    metadata: Metadata
    created_at: Timestamp
    updated_at: Timestamp


class Payout(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(examples=["po_01J9Z3"])]
    object: Literal["payout"]
    status: Literal["processing", "succeeded", "failed", "returned"]
    amount: int
    currency: str
    account: str
    destination: dict[str, Any]
    provider_reference: str | None
    failure: Failure | None
    reference: str | None
    metadata: Metadata
    requires_review: bool
    created_at: Timestamp
    updated_at: Timestamp


class CardSummary(msgspec.Struct):
    brand: str | None
    bin: str | None
    last4: str | None
    exp_month: int | None
    exp_year: int | None
    fingerprint: str | None


class PaymentMethod(msgspec.Struct):
    id: Annotated[str, msgspec.Meta(examples=["pm_01J9Z3"])]
    object: Literal["payment_method"]
    type: str
    card: CardSummary
    deleted: bool
    created_at: Timestamp


class Dispute(msgspec.Struct):
    id: str
    object: Literal["dispute"]
    payment: str
    account: str
    amount: int
    currency: str
    reason: str
    provider_reason: str | None
    status: str
    amount_withdrawn: int
    evidence_due_by: Timestamp | None
    evidence: dict[str, Any] | None
    provider_reference: str | None
    created_at: Timestamp
    updated_at: Timestamp


class EventData(msgspec.Struct):
    object: dict[str, Any]


class Event(msgspec.Struct):
    """A state change; ``data.object`` is the resource as it was then."""

    id: Annotated[str, msgspec.Meta(examples=["evt_01J9Z3"])]
    object: Literal["event"]
    type: Annotated[str, msgspec.Meta(examples=["payment.captured"])]
    created_at: Timestamp
    data: EventData


class WebhookEndpoint(msgspec.Struct):
    """An outbound webhook subscription. ``secret`` (``whsec_...``) is present only in the answer
    that created it."""

    id: str
    object: Literal["webhook_endpoint"]
    url: str
    event_types: list[str]
    description: str | None
    status: str
    created_at: Timestamp
    updated_at: Timestamp
    secret: str | msgspec.UnsetType = msgspec.UNSET


class WebhookDelivery(msgspec.Struct):
    id: str
    object: Literal["webhook_delivery"]
    endpoint_id: str
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class WebhookDeliveryAttempt(msgspec.Struct):
    object: Literal["webhook_delivery_attempt"]
    delivery_id: str
    number: int
    status_code: int | None
    succeeded: bool
    error: str | None
    duration_ms: int | None
    at: Timestamp


class Operation(msgspec.Struct):
    """One provider call, written before it was made (DESIGN §4)."""

    id: str
    object: Literal["operation"]
    kind: str
    status: str
    resource_kind: str
    resource_id: str
    refund_id: str | None
    account: str
    amount: int | None
    currency: str | None
    provider_reference: str | None
    failure: Failure | None
    reason: str | None
    attempts: int
    requires_review: bool
    next_check_at: Timestamp | None
    deadline_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    resolved_at: Timestamp | None


class ReconciliationSummary(msgspec.Struct):
    """The count of a run's items per kind (DESIGN §14)."""

    matched: int
    missing_in_hub: int
    missing_at_provider: int
    amount_mismatch: int
    currency_mismatch: int
    status_mismatch: int
    fee: int
    settlement: int


class Reconciliation(msgspec.Struct):
    """A reconciliation run: the provider's books for a window against the hub's (DESIGN §14)."""

    id: str
    object: Literal["reconciliation"]
    account: str
    from_: Timestamp = msgspec.field(name="from")
    to: Timestamp
    status: Literal["running", "completed", "failed"]
    reason: str | None
    summary: ReconciliationSummary
    lines: int
    created_at: Timestamp
    completed_at: Timestamp | None


class ReconciliationItem(msgspec.Struct):
    """One provider line (or a hub record no line matched) and what reconciliation made of it."""

    id: str
    object: Literal["reconciliation_item"]
    kind: Literal[
        "matched", "missing_in_hub", "missing_at_provider", "amount_mismatch", "currency_mismatch",
        "status_mismatch", "fee", "settlement",
    ]  # fmt: skip
    type: str
    line_id: str | None
    provider_type: str | None
    provider_reference: str | None
    resource: str | None
    hub_amount: int | None
    provider_amount: int | None
    fee: int | None
    currency: str | None
    detail: str | None
    matched_line: str | None


class Resource(msgspec.Struct):
    """A resource the document does not describe field by field (a route not yet in the
    catalog, hub/api/openapi/catalog.py; tests/api/test_openapi_document.py names them)."""


class WebhookReceipt(msgspec.Struct):
    """The acknowledgement of a verified provider webhook, in the form that provider expects
    (most adapters answer ``{"received": true}``; Adyen ``[accepted]`` as text/plain)."""

    received: bool | msgspec.UnsetType = msgspec.UNSET


class Health(msgspec.Struct):
    status: str


class Problem(msgspec.Struct):
    """An error (RFC 9457, ``application/problem+json``). ``code`` is stable: branch on it.
    New codes may be added; treat an unknown one by its HTTP status."""

    type: str
    title: str
    status: int
    code: Annotated[str, msgspec.Meta(examples=["validation_error"])]
    detail: str
    instance: str | None = None
    field: str | None = None


def make_list(item: type[Any], name: str, doc: str) -> type[msgspec.Struct]:
    cls = msgspec.defstruct(
        name,
        [("data", list[item]), ("has_more", bool), ("next_cursor", str | None)],  # type: ignore[valid-type]
        module=__name__,
    )
    cls.__doc__ = doc
    return cls


PaymentList = make_list(Payment, "PaymentList", "A page of payments.")
RefundList = make_list(Refund, "RefundList", "The refunds of a payment.")
PayoutList = make_list(Payout, "PayoutList", "A page of payouts.")
DisputeList = make_list(Dispute, "DisputeList", "A page of disputes.")
EventList = make_list(Event, "EventList", "A page of events, newest first.")
WebhookEndpointList = make_list(WebhookEndpoint, "WebhookEndpointList", "A page of webhook endpoints.")
WebhookDeliveryList = make_list(WebhookDelivery, "WebhookDeliveryList", "A page of deliveries.")
WebhookDeliveryAttemptList = make_list(
    WebhookDeliveryAttempt, "WebhookDeliveryAttemptList", "The attempts of a delivery."
)
OperationList = make_list(Operation, "OperationList", "A page of operations.")
ResourceList = make_list(Resource, "ResourceList", "A page of resources.")
ReconciliationItemList = make_list(ReconciliationItem, "ReconciliationItemList", "A page of a run's items.")
