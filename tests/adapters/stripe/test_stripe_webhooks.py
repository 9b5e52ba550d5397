"""Stripe webhooks: signatures produced by the official ``stripe`` SDK, events normalised."""

from __future__ import annotations

import time

import httpx
import pytest
import stripe
from stripe_helpers import WEBHOOK_SECRET, WEBHOOK_SECRET_OLD, account, raw

from adapters.base import (
    DeclineCode,
    FailureCode,
    OperationKind,
    OutcomeStatus,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.stripe import StripeAdapter
from webhooks.errors import SignatureError


def sdk_header(body: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    value = stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp)
    return {"stripe-signature": value, "content-type": "application/json"}


@pytest.fixture
def adapter() -> StripeAdapter:
    return StripeAdapter(account(webhook_secret_previous=WEBHOOK_SECRET_OLD), httpx.AsyncClient())


def test_valid_signature(adapter: StripeAdapter) -> None:
    body = raw("event_pi_amount_capturable_updated")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.event_id.startswith("evt_")
    assert event.type == "payment_intent.amount_capturable_updated"
    assert event.kind is OperationKind.AUTHORIZE
    assert event.payment_id == "pay_01JABCDEF"
    assert event.provider_reference == "pi_3MtwBwLkdIwHu7ix28a3tqPa"
    assert event.outcome is not None and event.outcome.status is OutcomeStatus.SUCCEEDED
    assert event.occurred_at is not None


def test_header_lookup_is_case_insensitive(adapter: StripeAdapter) -> None:
    body = raw("event_pi_canceled")
    headers = {"Stripe-Signature": sdk_header(body)["stripe-signature"]}
    assert adapter.parse_webhook(headers, body)[0].kind is OperationKind.VOID


def test_flipped_body_is_rejected(adapter: StripeAdapter) -> None:
    body = raw("event_pi_succeeded_manual")
    headers = sdk_header(body)
    tampered = body.replace(b'"amount_received": 2000', b'"amount_received": 9000')
    assert tampered != body
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(headers, tampered)


def test_flipped_signature_is_rejected(adapter: StripeAdapter) -> None:
    body = raw("event_pi_succeeded_manual")
    value = sdk_header(body)["stripe-signature"]
    flipped = value[:-1] + ("0" if value[-1] != "0" else "1")
    with pytest.raises(WebhookVerificationError) as info:
        adapter.parse_webhook({"stripe-signature": flipped}, body)
    assert isinstance(info.value, SignatureError)  # the hub answers 401 for both


def test_stale_signature_is_rejected(adapter: StripeAdapter) -> None:
    body = raw("event_pi_succeeded_manual")
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(sdk_header(body, timestamp=int(time.time()) - 301), body)
    # just inside the window is fine
    adapter.parse_webhook(sdk_header(body, timestamp=int(time.time()) - 290), body)


def test_missing_or_unknown_secret(adapter: StripeAdapter) -> None:
    body = raw("event_pi_succeeded_manual")
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook({}, body)
    with pytest.raises(WebhookVerificationError):
        adapter.parse_webhook(sdk_header(body, secret="whsec_someone_else"), body)


def test_rotated_secret(adapter: StripeAdapter) -> None:
    body = raw("event_payout_paid")
    # signed with the previous secret only (a delivery still in flight during the roll)
    assert adapter.parse_webhook(sdk_header(body, secret=WEBHOOK_SECRET_OLD), body)
    # Stripe during a roll: two v1 entries, one per secret
    ts = int(time.time())
    old = sdk_header(body, WEBHOOK_SECRET_OLD, ts)["stripe-signature"]
    new = sdk_header(body, "whsec_brand_new_secret", ts)["stripe-signature"].split(",", 1)[1]
    assert adapter.parse_webhook({"stripe-signature": f"{old},{new}"}, body)
    # without the previous secret configured, the old signature no longer verifies
    strict = StripeAdapter(account(), httpx.AsyncClient())
    with pytest.raises(WebhookVerificationError):
        strict.parse_webhook(sdk_header(body, secret=WEBHOOK_SECRET_OLD), body)


def test_signed_garbage_is_format_error(adapter: StripeAdapter) -> None:
    body = b'{"not": "an event"}'
    with pytest.raises(WebhookFormatError):
        adapter.parse_webhook(sdk_header(body), body)
    body = b"not json"
    with pytest.raises(WebhookFormatError):
        adapter.parse_webhook(sdk_header(body), body)


@pytest.mark.parametrize(
    ("transcript", "kind", "status", "captured"),
    [
        ("event_pi_amount_capturable_updated", OperationKind.AUTHORIZE, OutcomeStatus.SUCCEEDED, False),
        ("event_pi_succeeded_manual", OperationKind.CAPTURE, OutcomeStatus.SUCCEEDED, True),
        ("event_pi_succeeded_automatic", OperationKind.AUTHORIZE, OutcomeStatus.SUCCEEDED, True),
        ("event_pi_payment_failed", OperationKind.AUTHORIZE, OutcomeStatus.FAILED, False),
        ("event_pi_canceled", OperationKind.VOID, OutcomeStatus.SUCCEEDED, False),
        ("event_pi_requires_action", OperationKind.AUTHORIZE, OutcomeStatus.REQUIRES_ACTION, False),
        ("event_pi_processing", OperationKind.AUTHORIZE, OutcomeStatus.PENDING, False),
        ("event_refund_updated", OperationKind.REFUND, OutcomeStatus.SUCCEEDED, False),
        ("event_refund_failed", OperationKind.REFUND, OutcomeStatus.FAILED, False),
        ("event_charge_refund_updated", OperationKind.REFUND, OutcomeStatus.FAILED, False),
        ("event_payout_paid", OperationKind.PAYOUT, OutcomeStatus.SUCCEEDED, False),
        ("event_payout_failed", OperationKind.PAYOUT, OutcomeStatus.FAILED, False),
        ("event_payout_returned", OperationKind.PAYOUT, OutcomeStatus.RETURNED, False),
    ],
)
def test_event_normalisation(
    adapter: StripeAdapter, transcript: str, kind: OperationKind, status: OutcomeStatus, captured: bool
) -> None:
    body = raw(transcript)
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.kind is kind
    assert event.outcome is not None and event.outcome.status is status
    assert event.outcome.captured is captured
    assert event.payment_id in ("pay_01JABCDEF", "po_hub_01")


def test_decline_event_details(adapter: StripeAdapter) -> None:
    body = raw("event_pi_payment_failed")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.outcome is not None and event.outcome.failure is not None
    assert event.outcome.failure.decline_code == DeclineCode.INSUFFICIENT_FUNDS
    assert event.outcome.failure.provider_code == "insufficient_funds"


def test_refund_event_carries_refund_id(adapter: StripeAdapter) -> None:
    body = raw("event_refund_updated")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.refund_id == "re_hub_01"
    assert event.operation_reference == "re_3MtwBwLkdIwHu7ix0Qd6pQJa"
    assert event.provider_reference == "pi_3MtwBwLkdIwHu7ix28a3tqPa"


def test_payout_failure_codes(adapter: StripeAdapter) -> None:
    body = raw("event_payout_failed")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.outcome is not None and event.outcome.failure is not None
    assert event.outcome.failure.code == FailureCode.PAYOUT_REJECTED
    assert event.outcome.failure.decline_code == DeclineCode.INVALID_ACCOUNT
    body = raw("event_payout_returned")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.outcome is not None and event.outcome.failure is not None
    assert event.outcome.failure.code == FailureCode.PAYOUT_RETURNED


def test_charge_refunded_is_news_to_look_up(adapter: StripeAdapter) -> None:
    body = raw("event_charge_refunded")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.kind is OperationKind.REFUND and event.outcome is None
    assert event.provider_reference == "pi_3MtwBwLkdIwHu7ix28a3tqPa"


def test_unknown_type_is_ignored(adapter: StripeAdapter) -> None:
    body = raw("event_customer_created")
    [event] = adapter.parse_webhook(sdk_header(body), body)
    assert event.kind is None and event.outcome is None and event.type == "customer.created"
