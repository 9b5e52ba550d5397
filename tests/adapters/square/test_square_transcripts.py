"""The Square adapter against recorded Square replies (scrubbed: no card data, no real ids)."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import httpx
import pytest
from square_helpers import HUB_PAYMENT, KEY, PAYMENT, URL, Script, adapter, load, raw, reply

from adapters.base import (
    AuthorizeRequest,
    CaptureRequest,
    Card,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    OperationKind,
    OutcomeStatus,
    PaymentMethod,
    RefundRequest,
    VoidRequest,
    WebhookVerificationError,
)
from adapters.square import SQUARE_VERSION

NONCE = PaymentMethod(type="provider_token", token="cnon:card-nonce-ok")


def _authorize(method: PaymentMethod = NONCE, *, capture: bool = False, key: str = "payhub-op_0123") -> AuthorizeRequest:
    return AuthorizeRequest(operation_id="op_0123456789abcdef0123", idempotency_key=key, payment_id=HUB_PAYMENT,
                            amount=1099, currency="USD", reference="order-1001", capture=capture,
                            payment_method=method)


async def test_authorize_sends_the_token_the_key_and_the_hub_ids() -> None:
    script = Script({("POST", "/v2/payments"): reply("payment_approved")})
    out = await adapter(script).authorize(_authorize())
    assert out.status is OutcomeStatus.SUCCEEDED and not out.captured and out.provider_reference == PAYMENT
    assert out.amount == 1099
    assert script.body("POST", "/v2/payments") == {
        "source_id": "cnon:card-nonce-ok", "idempotency_key": "payhub-op_0123",
        "amount_money": {"amount": 1099, "currency": "USD"}, "autocomplete": False, "location_id": "LH2G3EXAMPLE1",
        "reference_id": HUB_PAYMENT, "note": "payhub pay_0123456789abcdef0123 op_0123456789abcdef0123 order-1001"}
    sent = script.requests[0]
    assert sent.headers["authorization"] == "Bearer EAAAEscrubbed" and sent.headers["square-version"] == SQUARE_VERSION


async def test_purchase_autocompletes() -> None:
    script = Script({("POST", "/v2/payments"): reply("payment_completed")})
    out = await adapter(script).authorize(_authorize(capture=True))
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured
    assert script.body("POST", "/v2/payments")["autocomplete"] is True


async def test_a_raw_card_is_refused_before_anything_is_sent() -> None:
    script = Script({})
    card = PaymentMethod(type="card", card=Card(number="4111111111111111", exp_month=1, exp_year=2030, cvc="123"))
    with pytest.raises(InvalidRequest) as err:
        await adapter(script).authorize(_authorize(card))
    assert err.value.code == "unsupported_payment_method" and script.requests == []


def test_a_long_hub_key_becomes_a_stable_key_within_squares_45_characters() -> None:
    a = adapter(Script({}))
    long_key = "payhub-" + "x" * 60
    first = a.authorize_body(_authorize(key=long_key))["idempotency_key"]
    assert len(first) <= 45 and first == a.authorize_body(_authorize(key=long_key))["idempotency_key"]


@pytest.mark.parametrize("code", sorted(load("declines")))
async def test_decline_family(code: str) -> None:
    case = load("declines")[code]
    script = Script({("POST", "/v2/payments"): reply(case["reply"], case["status"])})
    out = await adapter(script).authorize(_authorize())
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert out.failure.code == FailureCode.CARD_DECLINED
    assert (out.failure.decline_code, out.failure.provider_code) == (case["expected"], code)
    assert out.provider_reference == PAYMENT  # the FAILED payment Square created


@pytest.mark.parametrize(("name", "status", "expected", "failure"), [
    ("error_401", 401, OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
    ("error_unknown_body_parameter", 400, OutcomeStatus.FAILED, FailureCode.INVALID_REQUEST),
    ("error_idempotency_key_reused", 400, OutcomeStatus.UNKNOWN, None),
    ("error_500", 500, OutcomeStatus.UNKNOWN, None),
    ("error_429", 429, OutcomeStatus.RETRY, None),
])
async def test_error_classification(name: str, status: int, expected: OutcomeStatus, failure: str | None) -> None:
    out = await adapter(Script({("POST", "/v2/payments"): reply(name, status)})).authorize(_authorize())
    assert out.status is expected
    if failure:
        assert out.failure is not None and out.failure.code == failure


async def test_unreadable_2xx_and_pending_are_ambiguous() -> None:
    garbage = Script({("POST", "/v2/payments"): httpx.Response(200, content=b"<html/>")})
    assert (await adapter(garbage).authorize(_authorize())).status is OutcomeStatus.UNKNOWN
    pending = Script({("POST", "/v2/payments"): reply("payment_pending")})
    assert (await adapter(pending).authorize(_authorize())).status is OutcomeStatus.PENDING


def _op(cls, **kw):
    return cls(operation_id="op_x", idempotency_key="k", payment_id=HUB_PAYMENT, amount=1099, currency="USD",
               provider_reference=PAYMENT, **kw)


async def test_capture_and_void() -> None:
    script = Script({("GET", f"/v2/payments/{PAYMENT}"): reply("payment_approved"),
                     ("POST", f"/v2/payments/{PAYMENT}/complete"): reply("payment_completed"),
                     ("POST", f"/v2/payments/{PAYMENT}/cancel"): reply("payment_canceled")})
    cap = await adapter(script).capture(_op(CaptureRequest))
    assert cap.status is OutcomeStatus.SUCCEEDED and cap.captured
    assert script.body("POST", f"/v2/payments/{PAYMENT}/complete") == {}
    void = await adapter(script).void(_op(VoidRequest))
    assert void.status is OutcomeStatus.SUCCEEDED


async def test_completing_twice_reads_the_completed_payment() -> None:
    script = Script({("POST", f"/v2/payments/{PAYMENT}/complete"): reply("error_already_completed", 400),
                     ("GET", f"/v2/payments/{PAYMENT}"): reply("payment_completed")})
    assert (await adapter(script).capture(_op(CaptureRequest))).status is OutcomeStatus.SUCCEEDED


async def test_refund_names_the_hub_refund_in_reason() -> None:
    script = Script({("POST", "/v2/refunds"): reply("refund_pending")})
    out = await adapter(script).refund(_op(RefundRequest, refund_id="re_0123456789abcdef0123"))
    assert out.status is OutcomeStatus.PENDING and out.operation_reference.startswith(PAYMENT)
    body = script.body("POST", "/v2/refunds")
    assert body["payment_id"] == PAYMENT and body["idempotency_key"] == "k"
    assert body["reason"] == "payhub refund re_0123456789abcdef0123 op_x"


async def test_lookups() -> None:
    payment = load("payment_completed")["payment"]
    payment["refund_ids"] = [load("refund_completed")["refund"]["id"]]
    script = Script({("GET", f"/v2/payments/{PAYMENT}"): reply({"payment": payment}),
                     ("GET", f"/v2/refunds/{payment['refund_ids'][0]}"): reply("refund_completed"),
                     ("GET", "/v2/payments"): reply({"payments": [payment]})})
    a = adapter(script)

    def req(kind: OperationKind, ref: str | None = PAYMENT, refund_id: str | None = None) -> LookupRequest:
        return LookupRequest(operation_id="op_x", idempotency_key="k", payment_id=HUB_PAYMENT, amount=1099,
                             currency="USD", kind=kind, provider_reference=ref, refund_id=refund_id,
                             created_at=datetime.now(UTC))

    assert (await a.lookup(req(OperationKind.CAPTURE))).status is OutcomeStatus.SUCCEEDED
    assert (await a.lookup(req(OperationKind.VOID))).status is OutcomeStatus.FAILED  # completed, not canceled
    found = await a.lookup(req(OperationKind.AUTHORIZE, ref=None))  # by reference_id in a recent listing
    assert found.status is OutcomeStatus.SUCCEEDED and found.provider_reference == PAYMENT
    refund = await a.lookup(req(OperationKind.REFUND, refund_id="re_0123456789abcdef0123"))
    assert refund.status is OutcomeStatus.SUCCEEDED
    other = await a.lookup(req(OperationKind.REFUND, refund_id="re_other"))
    assert other.status is OutcomeStatus.UNKNOWN


def _signature(body: bytes, key: str = KEY, url: str = URL) -> dict[str, str]:
    digest = hmac.new(key.encode(), url.encode() + body, hashlib.sha256).digest()
    return {"x-square-hmacsha256-signature": base64.b64encode(digest).decode()}


def test_webhooks_are_hmac_of_url_and_body() -> None:
    a = adapter(Script({}))
    body = raw("event_payment_created")
    [event] = a.parse_webhook(_signature(body), body)
    assert event.kind is OperationKind.AUTHORIZE and event.payment_id == HUB_PAYMENT
    assert event.outcome is not None and event.outcome.status is OutcomeStatus.SUCCEEDED
    body = raw("event_payment_updated_completed")
    [event] = a.parse_webhook(_signature(body), body)
    assert event.kind is OperationKind.CAPTURE
    body = raw("event_refund_updated")
    [event] = a.parse_webhook(_signature(body), body)
    assert event.kind is OperationKind.REFUND and event.refund_id == "re_0123456789abcdef0123"


@pytest.mark.parametrize("headers", [
    {},
    _signature(raw("event_payment_created"), url="https://hub.example/other"),  # signed for another URL
    _signature(raw("event_payment_created"), key="another-key"),
])
def test_webhooks_with_a_wrong_or_missing_signature_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(WebhookVerificationError):
        adapter(Script({})).parse_webhook(headers, raw("event_payment_created"))


async def test_a_payment_not_found_asks_for_a_replay_only_soon_after_the_attempt() -> None:
    from datetime import timedelta

    a = adapter(Script({("GET", "/v2/payments"): reply({"payments": []})}))

    def req(age: float) -> LookupRequest:
        return LookupRequest(operation_id="op_x", idempotency_key="k", payment_id=HUB_PAYMENT, amount=1099,
                             currency="USD", kind=OperationKind.AUTHORIZE,
                             created_at=datetime.now(UTC) - timedelta(seconds=age))

    soon = await a.lookup(req(30))
    assert soon.status is OutcomeStatus.UNKNOWN and soon.summary.get("needs") == "replay"
    late = await a.lookup(req(2 * 3600))
    assert late.status is OutcomeStatus.UNKNOWN and "needs" not in late.summary


async def test_completing_a_canceled_payment_is_a_definite_failure() -> None:
    script = Script({("POST", f"/v2/payments/{PAYMENT}/complete"): reply("error_already_completed", 400),
                     ("GET", f"/v2/payments/{PAYMENT}"): reply("payment_canceled")})
    out = await adapter(script).capture(_op(CaptureRequest))
    assert out.status is OutcomeStatus.FAILED and out.failure is not None


async def test_partial_capture_edits_the_amount_down_then_completes() -> None:
    completed = load("payment_completed")
    completed["payment"]["amount_money"] = {"amount": 600, "currency": "USD"}
    script = Script({("GET", f"/v2/payments/{PAYMENT}"): reply("payment_approved"),
                     ("PUT", f"/v2/payments/{PAYMENT}"): reply("payment_approved"),
                     ("POST", f"/v2/payments/{PAYMENT}/complete"): reply(completed)})
    request = CaptureRequest(operation_id="op_c", idempotency_key="k-c", payment_id=HUB_PAYMENT, amount=600,
                             currency="USD", provider_reference=PAYMENT)
    out = await adapter(script).capture(request)
    assert out.status is OutcomeStatus.SUCCEEDED and out.amount == 600
    assert script.body("PUT", f"/v2/payments/{PAYMENT}") == {
        "idempotency_key": "k-c-amount", "payment": {"amount_money": {"amount": 600, "currency": "USD"}}}
    with pytest.raises(InvalidRequest):
        await adapter(script).capture(CaptureRequest(
            operation_id="op_c", idempotency_key="k", payment_id=HUB_PAYMENT, amount=2000, currency="USD",
            provider_reference=PAYMENT))
