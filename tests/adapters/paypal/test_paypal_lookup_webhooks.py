"""PayPal lookups (the order says what happened) and webhooks (PayPal verifies them)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from paypal_helpers import AUTH, CAPTURE, ORDER, PAYMENT, Script, adapter, load, raw, reply

from adapters.base import (
    LookupRequest,
    OperationKind,
    OutcomeStatus,
    WebhookFormatError,
    WebhookVerificationError,
)

GET_ORDER = f"/v2/checkout/orders/{ORDER}"
VERIFY = "/v1/notifications/verify-webhook-signature"
HEADERS = {
    "paypal-transmission-id": "69cd13f0-d67a-11e5-baa3-778b53f4ae55",
    "paypal-transmission-time": "2026-12-03T08:01:03Z",
    "paypal-transmission-sig": "lmI95Jx3Y9nhR5SJWlHVIWpg4AgFk7n9bCHSRxbrd8A9zrhdu2rMyFrmz+Zjh3s3boXB07VXCXUZy/UFzUlnGJn0wDugt7FlSvdKeIJenLRemUxYCPVoEZzg9VFNqOa48gMkvF+XTpxBeUx/kWy6B5cp7GkT2+pOowfRK7OaynuxUoKW3JcMWw272VKjLTtTAShncla7tGF+55rxyt2KNZIIqxNMJ48RDZheGU5w1npu9dZHnPgTXB9iomeVRoD8O/jhRpnKsGrDschyNdkeh81BJJMH4Ctc6lnCCquoP/GzCzz33MMsNdid7vL/NIWaCsekQpW26FpWPi/tfj8nLA==",
    "paypal-cert-url": "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270",
    "paypal-auth-algo": "SHA256withRSA",
}


def _lookup(kind: OperationKind, *, ref: str | None = ORDER, age: float | None = None, **kw: str) -> LookupRequest:
    created = None if age is None else datetime.now(UTC) - timedelta(seconds=age)
    return LookupRequest(operation_id=kw.get("operation_id", "op_x"), idempotency_key="k", payment_id=PAYMENT,
                         amount=600, currency="EUR", kind=kind, provider_reference=ref,
                         refund_id=kw.get("refund_id"), created_at=created)


def _order_with_payments() -> dict:
    order = load("order_authorized")
    pays = order["purchase_units"][0]["payments"]
    pays["captures"] = [load("capture_completed")]
    pays["refunds"] = [load("refund_completed")]
    return order


async def test_lookup_authorize_reads_the_order() -> None:
    out = await adapter(Script({("GET", GET_ORDER): reply("order_authorized")})).lookup(
        _lookup(OperationKind.AUTHORIZE))
    assert out.status is OutcomeStatus.SUCCEEDED and out.operation_reference == AUTH


async def test_lookup_without_order_id_asks_for_a_replay_inside_paypals_window_only() -> None:
    a = adapter(Script({}))
    fresh = await a.lookup(_lookup(OperationKind.AUTHORIZE, ref=None, age=60))
    assert fresh.status is OutcomeStatus.UNKNOWN and fresh.summary.get("needs") == "replay"
    late = await a.lookup(_lookup(OperationKind.AUTHORIZE, ref=None, age=7 * 3600))
    assert late.status is OutcomeStatus.UNKNOWN and "needs" not in late.summary  # a replay would pay twice


async def test_lookup_of_an_order_never_authorized() -> None:
    script = Script({("GET", GET_ORDER): reply("order_approved")})
    soon = await adapter(script).lookup(_lookup(OperationKind.AUTHORIZE, age=30))
    assert soon.status is OutcomeStatus.UNKNOWN and soon.summary.get("needs") == "replay"
    gone = await adapter(script).lookup(_lookup(OperationKind.AUTHENTICATE, age=3600))
    assert gone.status is OutcomeStatus.FAILED  # the shopper's 3DS step was never followed by a payment


async def test_lookup_capture_and_refund_by_the_hub_ids() -> None:
    script = Script({("GET", GET_ORDER): reply(_order_with_payments())})
    cap = await adapter(script).lookup(_lookup(OperationKind.CAPTURE, operation_id="op_capture000000000000001"))
    assert cap.status is OutcomeStatus.SUCCEEDED and cap.operation_reference == CAPTURE
    ref = await adapter(script).lookup(_lookup(OperationKind.REFUND, refund_id="re_0123456789abcdef0123"))
    assert ref.status is OutcomeStatus.SUCCEEDED and ref.operation_reference == "1JU08902781691411"
    missing = await adapter(script).lookup(_lookup(OperationKind.REFUND, refund_id="re_other", age=5))
    assert missing.status is OutcomeStatus.UNKNOWN
    never = await adapter(script).lookup(_lookup(OperationKind.REFUND, refund_id="re_other", age=3600))
    assert never.status is OutcomeStatus.FAILED


async def test_lookup_that_fails_proves_nothing() -> None:
    out = await adapter(Script({("GET", GET_ORDER): reply("error_500", 500)})).lookup(_lookup(OperationKind.VOID))
    assert out.status is OutcomeStatus.UNKNOWN


async def test_webhook_is_verified_by_paypal_with_the_raw_event_bytes() -> None:
    body = raw("event_capture_completed")
    script = Script({("POST", VERIFY): reply("verify_success")})
    [event] = await adapter(script).verify_webhook(HEADERS, body)
    sent = script.sent("POST", VERIFY)[0]
    assert sent.content.endswith(b'"webhook_event":' + body.strip() + b"}")  # not re-serialised
    request = json.loads(sent.content)
    assert request["webhook_id"] == "WH-1" and request["transmission_id"] == HEADERS["paypal-transmission-id"]
    assert request["auth_algo"] == "SHA256withRSA" and request["cert_url"] == HEADERS["paypal-cert-url"]
    assert sent.headers["authorization"].startswith("Bearer ")
    assert event.kind is OperationKind.CAPTURE and event.payment_id == PAYMENT
    assert event.provider_reference == ORDER and event.operation_reference == CAPTURE
    assert event.outcome is not None and event.outcome.status is OutcomeStatus.SUCCEEDED
    assert event.outcome.amount == 600


async def test_refund_and_void_events() -> None:
    script = Script({("POST", VERIFY): reply("verify_success")})
    [refund] = await adapter(script).verify_webhook(HEADERS, raw("event_capture_refunded"))
    assert refund.kind is OperationKind.REFUND and refund.refund_id == "re_0123456789abcdef0123"
    assert refund.outcome is not None and refund.outcome.status is OutcomeStatus.SUCCEEDED
    [void] = await adapter(script).verify_webhook(HEADERS, raw("event_authorization_voided"))
    assert void.kind is OperationKind.VOID and void.outcome is not None
    assert void.outcome.status is OutcomeStatus.SUCCEEDED
    [ignored] = await adapter(script).verify_webhook(HEADERS, raw("event_checkout_order_approved"))
    assert ignored.kind is None and ignored.event_id.startswith("WH-COC")


async def test_webhook_paypal_says_failure_is_refused() -> None:
    with pytest.raises(WebhookVerificationError):
        await adapter(Script({("POST", VERIFY): reply("verify_failure")})).verify_webhook(
            HEADERS, raw("event_capture_completed"))


async def test_webhook_without_transmission_headers_is_refused_without_asking_paypal() -> None:
    script = Script({("POST", VERIFY): reply("verify_success")})
    headers = {k: v for k, v in HEADERS.items() if k != "paypal-transmission-sig"}
    with pytest.raises(WebhookVerificationError):
        await adapter(script).verify_webhook(headers, raw("event_capture_completed"))
    assert not script.sent("POST", VERIFY)


async def test_webhook_when_paypal_cannot_be_asked_is_refused_so_paypal_delivers_again() -> None:
    with pytest.raises(WebhookVerificationError):
        await adapter(Script({("POST", VERIFY): reply("error_500", 503)})).verify_webhook(
            HEADERS, raw("event_capture_completed"))


async def test_webhook_that_is_not_json_is_malformed() -> None:
    with pytest.raises(WebhookFormatError):
        await adapter(Script({})).verify_webhook(HEADERS, b"not json")


def test_the_sync_parser_never_accepts_a_paypal_event() -> None:
    with pytest.raises(WebhookVerificationError):
        adapter(Script({})).parse_webhook(HEADERS, raw("event_capture_completed"))


async def test_a_refund_made_at_paypal_is_tied_to_the_payment_through_its_capture() -> None:
    event = load("event_capture_refunded")
    del event["resource"]["custom_id"], event["resource"]["invoice_id"]  # made in PayPal's dashboard
    script = Script({("POST", VERIFY): reply("verify_success"),
                     ("GET", f"/v2/payments/captures/{CAPTURE}"): reply("capture_completed")})
    [refund] = await adapter(script).verify_webhook(HEADERS, json.dumps(event).encode())
    assert refund.kind is OperationKind.REFUND and refund.refund_id is None
    assert refund.payment_id == PAYMENT and refund.provider_reference == ORDER
    assert refund.outcome is not None and refund.outcome.status is OutcomeStatus.SUCCEEDED
