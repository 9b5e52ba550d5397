"""Stripe adapter against recorded Stripe responses (respx), one test per outcome class.

Each test checks both sides: what the adapter sent (URL, headers, form fields) and
how it classified what Stripe answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from stripe_helpers import BASE, SECRET_KEY, account, form, load, reply

from adapters.base import (
    AuthenticateRequest,
    AuthorizeRequest,
    BankAccount,
    Capability,
    CaptureRequest,
    Card,
    DeclineCode,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    OperationKind,
    OutcomeStatus,
    PaymentMethod,
    PayoutRequest,
    RefundRequest,
    Strategy,
    ThreeDS,
    VoidRequest,
)
from adapters.stripe import STRIPE_VERSION, StripeAdapter
from adapters.stripe.flows import encode_form

PI = "pi_3MtwBwLkdIwHu7ix28a3tqPa"


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def adapter() -> AsyncIterator[StripeAdapter]:
    async with httpx.AsyncClient(base_url=BASE, timeout=5.0) as client:
        yield StripeAdapter(account(), client)


def auth_request(**kw: object) -> AuthorizeRequest:
    fields: dict[str, object] = {
        "operation_id": "op_01JABCDEF",
        "idempotency_key": "op_01JABCDEF:authorize",
        "payment_id": "pay_01JABCDEF",
        "amount": 2000,
        "currency": "EUR",
        "payment_method": PaymentMethod(type="provider_token", token="pm_card_visa"),
        "reference": "order-1001",
        "metadata": {"cart": "c-77"},
    }
    fields.update(kw)
    return AuthorizeRequest(**fields)  # type: ignore[arg-type]


def check_headers(request: httpx.Request, key: str | None) -> None:
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["stripe-version"] == STRIPE_VERSION
    if key is None:
        assert "idempotency-key" not in request.headers
    else:
        assert request.headers["idempotency-key"] == key
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"


# --------------------------------------------------------------------------- encoding


def test_bracket_encoding() -> None:
    pairs = encode_form(
        {
            "amount": 5,
            "confirm": True,
            "metadata": {"a": "1"},
            "x": None,
            "l": ["p", "q"],
            "o": {"c": {"d": False}},
        }
    )
    assert pairs == [
        ("amount", "5"),
        ("confirm", "true"),
        ("metadata[a]", "1"),
        ("l[0]", "p"),
        ("l[1]", "q"),
        ("o[c][d]", "false"),
    ]


def test_version_is_dated() -> None:
    assert STRIPE_VERSION[:4].isdigit() and STRIPE_VERSION[4] == "-"


def test_capabilities_and_strategies() -> None:
    caps = StripeAdapter.capabilities
    assert caps.supports(Capability.PARTIAL_CAPTURE)
    assert not caps.supports(Capability.MULTIPLE_CAPTURES)  # multicapture is not implemented
    assert caps.supports(Capability.RAW_CARD) and caps.supports(Capability.PROVIDER_TOKEN)
    assert caps.resolution[OperationKind.AUTHORIZE][0] is Strategy.REPLAY
    for kind in (OperationKind.CAPTURE, OperationKind.VOID, OperationKind.REFUND):
        assert caps.resolution[kind][0] is Strategy.LOOKUP
    assert Strategy.REPLAY not in caps.resolution[OperationKind.REFUND]
    assert Strategy.REPLAY not in caps.resolution[OperationKind.PAYOUT]


def test_validate_account() -> None:
    acct = account(secret_key="", webhook_secret="")
    problems = StripeAdapter.validate_account(acct)
    assert any("credentials.secret_key" in p for p in problems)
    assert any("credentials.webhook_secret" in p for p in problems)
    assert StripeAdapter.validate_account(account(secret_key="pk_test_x"))  # publishable key refused
    assert StripeAdapter.validate_account(account()) == []


# --------------------------------------------------------------------------- authorize


async def test_authorize_manual_capture(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payment_intents").mock(return_value=reply("authorize_requires_capture"))
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.SUCCEEDED and out.definite
    assert not out.captured
    assert out.provider_reference == PI and out.amount == 2000
    sent = route.calls.last.request
    check_headers(sent, "op_01JABCDEF:authorize")
    assert str(sent.url) == f"{BASE}/v1/payment_intents"
    f = form(sent)
    assert f["amount"] == "2000" and f["currency"] == "eur"
    assert f["capture_method"] == "manual" and f["confirm"] == "true"
    assert f["payment_method"] == "pm_card_visa"
    assert f["metadata[payhub_payment_id]"] == "pay_01JABCDEF"
    assert f["metadata[payhub_operation_id]"] == "op_01JABCDEF"
    assert f["metadata[payhub_reference]"] == "order-1001"
    assert f["metadata[cart]"] == "c-77"
    assert f["payment_method_options[card][request_three_d_secure]"] == "automatic"
    assert f["automatic_payment_methods[enabled]"] == "true"
    assert f["automatic_payment_methods[allow_redirects]"] == "never"
    assert "return_url" not in f


async def test_purchase_captures(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payment_intents").mock(return_value=reply("purchase_succeeded"))
    out = await adapter.authorize(auth_request(capture=True))
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured and out.amount == 2000
    assert form(route.calls.last.request)["capture_method"] == "automatic"


async def test_raw_card_becomes_a_payment_method_first(
    mock: respx.MockRouter, adapter: StripeAdapter
) -> None:
    """The CVC travels only in POST /v1/payment_methods (moves no money, its own key); the
    PaymentIntent carries only payment_method=pm_..., so it can be replayed byte for byte."""
    pm_route = mock.post("/v1/payment_methods").mock(return_value=reply("payment_method_created"))
    route = mock.post("/v1/payment_intents").mock(return_value=reply("authorize_requires_capture"))
    card = Card(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123", holder_name="Jane Doe")
    req = auth_request(payment_method=PaymentMethod(type="card", card=card))
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.SUCCEEDED
    pm_request = pm_route.calls.last.request
    p = form(pm_request)
    assert p["type"] == "card" and p["card[number]"] == "4242424242424242" and p["card[cvc]"] == "123"
    assert p["card[exp_month]"] == "12" and p["card[exp_year]"] == "2030"
    assert p["billing_details[name]"] == "Jane Doe"
    assert p["metadata[payhub_operation_id]"] == req.operation_id
    assert pm_request.headers["Idempotency-Key"] == f"{req.idempotency_key}-pm"
    f = form(route.calls.last.request)
    assert f["payment_method"] == "pm_1QfakeCardTokenAbc123"
    assert not [k for k in f if k.startswith("payment_method_data") or "card" in k.split("[")[0]]
    assert route.calls.last.request.headers["Idempotency-Key"] == req.idempotency_key
    assert "4242424242424242" not in repr(out)  # nothing card-shaped in the recorded outcome


async def test_refused_tokenization_is_a_decline_and_no_payment(
    mock: respx.MockRouter, adapter: StripeAdapter
) -> None:
    mock.post("/v1/payment_methods").mock(return_value=reply("decline_incorrect_number", 402))
    route = mock.post("/v1/payment_intents")
    card = Card(number="4242424242424241", exp_month=12, exp_year=2030, cvc="123")
    out = await adapter.authorize(auth_request(payment_method=PaymentMethod(type="card", card=card)))
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert out.failure.decline_code == "incorrect_number"
    assert not route.called


async def test_unreachable_tokenization_attempts_no_payment(
    mock: respx.MockRouter, adapter: StripeAdapter
) -> None:
    mock.post("/v1/payment_methods").mock(side_effect=httpx.ReadTimeout("slow"))
    route = mock.post("/v1/payment_intents")
    card = Card(number="4242424242424242", exp_month=12, exp_year=2030, cvc="123")
    out = await adapter.authorize(auth_request(payment_method=PaymentMethod(type="card", card=card)))
    assert out.status is OutcomeStatus.RETRY  # proven: the PaymentIntent was never sent
    assert not route.called


async def test_three_ds_requires_action(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payment_intents").mock(return_value=reply("authorize_requires_action"))
    req = auth_request(three_ds=ThreeDS(mode="always", return_url="https://shop.example/return"))
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.REQUIRES_ACTION and out.definite
    assert out.next_action is not None and out.next_action.type == "redirect"
    assert out.next_action.url == load("authorize_requires_action")["next_action"]["redirect_to_url"]["url"]
    f = form(route.calls.last.request)
    assert f["payment_method_options[card][request_three_d_secure]"] == "any"
    assert f["return_url"] == "https://shop.example/return"
    assert "automatic_payment_methods[enabled]" not in f


async def test_processing_is_pending(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.post("/v1/payment_intents").mock(return_value=reply("authorize_processing"))
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.PENDING and not out.definite


DECLINES = [
    ("generic_decline", DeclineCode.DO_NOT_HONOR),
    ("do_not_honor", DeclineCode.DO_NOT_HONOR),
    ("insufficient_funds", DeclineCode.INSUFFICIENT_FUNDS),
    ("lost_card", DeclineCode.LOST_OR_STOLEN),
    ("stolen_card", DeclineCode.LOST_OR_STOLEN),
    ("expired_card", DeclineCode.EXPIRED_CARD),
    ("incorrect_cvc", DeclineCode.INCORRECT_CVC),
    ("incorrect_number", DeclineCode.INCORRECT_NUMBER),
    ("processing_error", DeclineCode.PROCESSING_ERROR),
    ("fraudulent", DeclineCode.FRAUD_SUSPECTED),
    ("card_velocity_exceeded", DeclineCode.LIMIT_EXCEEDED),
    ("card_not_supported", DeclineCode.CARD_NOT_SUPPORTED),
    ("authentication_required", DeclineCode.AUTHENTICATION_REQUIRED),
    ("invalid_amount", DeclineCode.INVALID_AMOUNT),
    ("unmapped", DeclineCode.UNKNOWN),
]


@pytest.mark.parametrize(("transcript", "expected"), DECLINES)
async def test_declines(
    mock: respx.MockRouter, adapter: StripeAdapter, transcript: str, expected: DeclineCode
) -> None:
    mock.post("/v1/payment_intents").mock(return_value=reply(f"decline_{transcript}", 402))
    out = await adapter.authorize(auth_request())
    err = load(f"decline_{transcript}")["error"]
    assert out.status is OutcomeStatus.FAILED and out.definite
    assert out.failure is not None
    assert out.failure.code == FailureCode.CARD_DECLINED
    assert out.failure.decline_code == expected
    assert out.failure.provider_code == (err.get("decline_code") or err["code"])
    assert out.failure.message == err["message"]
    assert out.provider_reference == err["payment_intent"]["id"]


# --------------------------------------------------------------------------- authenticate


def authn(params: dict[str, str], ref: str | None = "pi_3OA3dsLkdIwHu7ix1a2b3c4d") -> AuthenticateRequest:
    return AuthenticateRequest(
        operation_id="op_auth",
        idempotency_key="op_auth:authenticate",
        payment_id="pay_01JABCDEF",
        amount=2000,
        currency="EUR",
        provider_reference=ref,
        params=params,
    )


RETURN = {
    "payment_intent": "pi_3OA3dsLkdIwHu7ix1a2b3c4d",
    "payment_intent_client_secret": "pi_3OA3dsLkdIwHu7ix1a2b3c4d_secret_Hh4Cw0xS8mZ9m9cxq2dG1C0Q1",
    "redirect_status": "succeeded",
}


async def test_authenticate_after_redirect(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.get("/v1/payment_intents/pi_3OA3dsLkdIwHu7ix1a2b3c4d").mock(
        return_value=reply("authenticate_requires_capture")
    )
    out = await adapter.authenticate(authn(RETURN))
    assert out.status is OutcomeStatus.SUCCEEDED and not out.captured and out.amount == 2000
    check_headers(route.calls.last.request, None)


async def test_authenticate_failed(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/payment_intents/pi_3OA3dsLkdIwHu7ix1a2b3c4d").mock(
        return_value=reply("authenticate_failed")
    )
    out = await adapter.authenticate(authn({**RETURN, "redirect_status": "failed"}))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.AUTHENTICATION_FAILED
    assert out.failure.provider_code == "payment_intent_authentication_failure"


async def test_authenticate_rejects_foreign_payment_intent(
    mock: respx.MockRouter, adapter: StripeAdapter
) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.authenticate(authn({**RETURN, "payment_intent": "pi_someone_else"}))
    assert not mock.calls


# --------------------------------------------------------------------------- capture / void


def cap(amount: int = 1500, final: bool = True) -> CaptureRequest:
    return CaptureRequest(
        operation_id="op_cap",
        idempotency_key="op_cap:capture",
        payment_id="pay_01JABCDEF",
        amount=amount,
        currency="EUR",
        provider_reference=PI,
        final=final,
    )


async def test_partial_capture(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post(f"/v1/payment_intents/{PI}/capture").mock(
        return_value=reply("capture_partial_succeeded")
    )
    out = await adapter.capture(cap(1500))
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured and out.amount == 1500
    sent = route.calls.last.request
    check_headers(sent, "op_cap:capture")
    assert form(sent) == {"amount_to_capture": "1500"}


async def test_non_final_capture_is_refused(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.capture(cap(final=False))
    assert not mock.calls


async def test_capture_of_canceled_intent_is_invalid_request(
    mock: respx.MockRouter, adapter: StripeAdapter
) -> None:
    mock.post(f"/v1/payment_intents/{PI}/capture").mock(return_value=reply("error_400_unexpected_state", 400))
    out = await adapter.capture(cap())
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.INVALID_REQUEST
    assert out.failure.provider_code == "payment_intent_unexpected_state"


async def test_void(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post(f"/v1/payment_intents/{PI}/cancel").mock(return_value=reply("cancel_canceled"))
    out = await adapter.void(
        VoidRequest(
            operation_id="op_void",
            idempotency_key="op_void:void",
            payment_id="pay_01JABCDEF",
            amount=2000,
            currency="EUR",
            provider_reference=PI,
        )
    )
    assert out.status is OutcomeStatus.SUCCEEDED and out.provider_reference == PI
    check_headers(route.calls.last.request, "op_void:void")


# --------------------------------------------------------------------------- refunds


def ref(amount: int, refund_id: str, op: str) -> RefundRequest:
    return RefundRequest(
        operation_id=op,
        idempotency_key=f"{op}:refund",
        payment_id="pay_01JABCDEF",
        amount=amount,
        currency="EUR",
        provider_reference=PI,
        refund_id=refund_id,
    )


async def test_partial_refunds(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/refunds").mock(
        side_effect=[reply("refund_succeeded"), reply("refund_pending"), reply("refund_failed")]
    )
    first = await adapter.refund(ref(500, "re_hub_01", "op_ref_01"))
    assert first.status is OutcomeStatus.SUCCEEDED and first.amount == 500
    assert first.operation_reference == "re_3MtwBwLkdIwHu7ix0Qd6pQJa" and first.provider_reference == PI
    second = await adapter.refund(ref(500, "re_hub_02", "op_ref_02"))
    assert second.status is OutcomeStatus.PENDING
    third = await adapter.refund(ref(500, "re_hub_03", "op_ref_03"))
    assert third.status is OutcomeStatus.FAILED and third.failure is not None
    assert third.failure.provider_code == "expired_or_canceled_card"
    sent = [c.request for c in route.calls]
    assert [r.headers["idempotency-key"] for r in sent] == [
        "op_ref_01:refund",
        "op_ref_02:refund",
        "op_ref_03:refund",
    ]
    f = form(sent[1])
    assert f["payment_intent"] == PI and f["amount"] == "500"
    assert f["metadata[payhub_refund_id]"] == "re_hub_02"
    assert f["metadata[payhub_payment_id]"] == "pay_01JABCDEF"


# --------------------------------------------------------------------------- payouts


def payout(bank: BankAccount | None, amount: int = 5000, currency: str = "EUR") -> PayoutRequest:
    return PayoutRequest(
        operation_id="op_po_01",
        idempotency_key="op_po_01:payout",
        payment_id="po_hub_01",
        amount=amount,
        currency=currency,
        bank_account=bank,
    )


GOOD_BANK = BankAccount(iban="DE89 3704 0044 0532 0130 00", name="Jane Payee")


async def test_payout_pending(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payouts").mock(return_value=reply("payout_pending"))
    out = await adapter.payout(payout(GOOD_BANK))
    assert out.status is OutcomeStatus.PENDING and out.provider_reference == "po_1OaFDbEcg9tTZuTgNYmX0PKB"
    sent = route.calls.last.request
    check_headers(sent, "op_po_01:payout")
    f = form(sent)
    assert f["amount"] == "5000" and f["currency"] == "eur"
    assert f["destination"] == "ba_1MtIhL2eZvKYlo2CAElKwKu2"
    assert f["metadata[payhub_payout_id]"] == "po_hub_01"


async def test_payout_validation(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.payout(payout(BankAccount(iban="FR7630006000011234567890189", name="Unknown")))
    with pytest.raises(InvalidRequest):
        await adapter.payout(payout(GOOD_BANK, amount=150, currency="HUF"))  # HUF payouts: whole units
    assert not mock.calls


# --------------------------------------------------------------------------- currencies


async def test_currency_rules(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payment_intents").mock(return_value=reply("authorize_requires_capture"))
    await adapter.authorize(auth_request(amount=500, currency="JPY"))
    assert form(route.calls.last.request)["amount"] == "500"  # zero-decimal: as-is
    await adapter.authorize(auth_request(amount=1230, currency="KWD"))
    assert form(route.calls.last.request)["amount"] == "1230"
    await adapter.authorize(auth_request(amount=500, currency="ISK"))
    assert form(route.calls.last.request)["amount"] == "50000"  # ISK stays two-decimal at Stripe
    calls = len(mock.calls)
    with pytest.raises(InvalidRequest) as info:
        await adapter.authorize(auth_request(amount=1235, currency="KWD"))
    assert info.value.code == "invalid_amount"
    assert len(mock.calls) == calls  # nothing sent


async def test_metadata_limits(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.authorize(auth_request(metadata={f"k{i}": "v" for i in range(60)}))
    with pytest.raises(InvalidRequest):
        await adapter.authorize(auth_request(metadata={"x" * 41: "v"}))
    assert not mock.calls


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("transcript", "status", "expected", "failure_code"),
    [
        ("error_400_parameter_unknown", 400, OutcomeStatus.FAILED, FailureCode.INVALID_REQUEST),
        ("error_404_resource_missing", 404, OutcomeStatus.FAILED, FailureCode.INVALID_REQUEST),
        ("error_401", 401, OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
        ("error_403", 403, OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
        ("error_409_idempotency_in_use", 409, OutcomeStatus.UNKNOWN, None),
        ("error_400_idempotency", 400, OutcomeStatus.UNKNOWN, None),
        ("error_429_rate_limit", 429, OutcomeStatus.RETRY, None),
        ("error_429_lock_timeout", 429, OutcomeStatus.RETRY, None),
        ("error_500", 500, OutcomeStatus.UNKNOWN, None),
    ],
)
async def test_error_classes(
    mock: respx.MockRouter,
    adapter: StripeAdapter,
    transcript: str,
    status: int,
    expected: OutcomeStatus,
    failure_code: FailureCode | None,
) -> None:
    mock.post("/v1/payment_intents").mock(return_value=reply(transcript, status, {"Retry-After": "2"}))
    out = await adapter.authorize(auth_request())
    assert out.status is expected
    if failure_code is None:
        assert out.failure is None
    else:
        assert out.failure is not None and out.failure.code == failure_code
    if expected is OutcomeStatus.RETRY:
        assert out.retry_after == 2.0
    assert SECRET_KEY not in repr(out)


async def test_409_is_ambiguous_with_retry_hint(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.post("/v1/payment_intents").mock(return_value=reply("error_409_idempotency_in_use", 409))
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.UNKNOWN and not out.definite
    assert out.retry_after == 1.0 and out.reason and "still executing" in out.reason


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>upstream ok</html>"),
        httpx.Response(200, json={"id": "pi_x", "object": "payment_intent"}),  # no status/amount
        httpx.Response(200, content=b""),
        httpx.Response(502, content=b"<html>Bad gateway</html>"),
        httpx.Response(413, content=b"<html>Request Entity Too Large</html>"),  # not Stripe's body
    ],
)
async def test_unreadable_replies_are_unknown(
    mock: respx.MockRouter, adapter: StripeAdapter, response: httpx.Response
) -> None:
    mock.post("/v1/payment_intents").mock(return_value=response)
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_read_timeout_is_unknown(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.post("/v1/payment_intents").mock(side_effect=httpx.ReadTimeout("timed out"))
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_connect_error_is_retry(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.post("/v1/payment_intents").mock(side_effect=httpx.ConnectError("refused"))
    out = await adapter.authorize(auth_request())
    assert out.status is OutcomeStatus.RETRY


async def test_replay_sends_same_key_and_body(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.post("/v1/payment_intents").mock(
        side_effect=[
            httpx.ReadTimeout("lost"),
            reply("authorize_requires_capture", 200, {"Idempotent-Replayed": "true"}),
        ]
    )
    req = auth_request()
    assert (await adapter.authorize(req)).status is OutcomeStatus.UNKNOWN
    assert (await adapter.authorize(req)).status is OutcomeStatus.SUCCEEDED
    first, second = (c.request for c in route.calls)
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"] == req.idempotency_key
    assert first.content == second.content


# --------------------------------------------------------------------------- lookup


def look(kind: OperationKind, **kw: object) -> LookupRequest:
    fields: dict[str, object] = {
        "operation_id": "op_01JABCDEF",
        "idempotency_key": "op_01JABCDEF:x",
        "payment_id": "pay_01JABCDEF",
        "amount": 2000,
        "currency": "EUR",
        "kind": kind,
    }
    fields.update(kw)
    return LookupRequest(**fields)  # type: ignore[arg-type]


async def test_lookup_authorize_by_reference(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get(f"/v1/payment_intents/{PI}").mock(return_value=reply("authorize_requires_capture"))
    out = await adapter.lookup(look(OperationKind.AUTHORIZE, provider_reference=PI))
    assert out.status is OutcomeStatus.SUCCEEDED and out.provider_reference == PI


async def test_lookup_authorize_by_search(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.get("/v1/payment_intents/search").mock(
        side_effect=[reply("search_empty"), reply("search_found")]
    )
    first = await adapter.lookup(look(OperationKind.AUTHORIZE))
    assert first.status is OutcomeStatus.UNKNOWN  # eventually consistent: not found is not proof
    second = await adapter.lookup(look(OperationKind.AUTHORIZE))
    assert second.status is OutcomeStatus.SUCCEEDED and second.provider_reference == PI
    assert route.calls.last.request.url.params["query"] == "metadata['payhub_operation_id']:'op_01JABCDEF'"


async def test_lookup_capture_and_void(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get(f"/v1/payment_intents/{PI}").mock(
        side_effect=[
            reply("capture_partial_succeeded"),
            reply("authorize_requires_capture"),
            reply("cancel_canceled"),
            reply("capture_partial_succeeded"),
        ]
    )
    done = await adapter.lookup(look(OperationKind.CAPTURE, provider_reference=PI))
    assert done.status is OutcomeStatus.SUCCEEDED and done.amount == 1500
    not_yet = await adapter.lookup(look(OperationKind.CAPTURE, provider_reference=PI))
    assert not_yet.status is OutcomeStatus.UNKNOWN
    voided = await adapter.lookup(look(OperationKind.VOID, provider_reference=PI))
    assert voided.status is OutcomeStatus.SUCCEEDED
    captured_instead = await adapter.lookup(look(OperationKind.VOID, provider_reference=PI))
    assert captured_instead.status is OutcomeStatus.FAILED


async def test_lookup_refund_by_metadata(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.get("/v1/refunds").mock(return_value=reply("refund_list"))
    out = await adapter.lookup(look(OperationKind.REFUND, provider_reference=PI, refund_id="re_hub_01"))
    assert out.status is OutcomeStatus.SUCCEEDED and out.operation_reference == "re_3MtwBwLkdIwHu7ix0Qd6pQJa"
    assert route.calls.last.request.url.params["payment_intent"] == PI


async def test_lookup_refund_missing(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/refunds").mock(return_value=reply("refund_list_empty"))
    recent = datetime.now(UTC) - timedelta(seconds=5)
    old = datetime.now(UTC) - timedelta(hours=1)
    out = await adapter.lookup(
        look(OperationKind.REFUND, provider_reference=PI, refund_id="re_hub_09", created_at=recent)
    )
    assert out.status is OutcomeStatus.UNKNOWN
    out = await adapter.lookup(
        look(OperationKind.REFUND, provider_reference=PI, refund_id="re_hub_09", created_at=old)
    )
    assert out.status is OutcomeStatus.FAILED


async def test_lookup_payout(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/payouts/po_1OaFDbEcg9tTZuTgNYmX0PKB").mock(return_value=reply("payout_paid"))
    mock.get("/v1/payouts").mock(return_value=reply("payout_list"))
    paid = await adapter.lookup(
        look(OperationKind.PAYOUT, payment_id="po_hub_01", provider_reference="po_1OaFDbEcg9tTZuTgNYmX0PKB")
    )
    assert paid.status is OutcomeStatus.SUCCEEDED
    listed = await adapter.lookup(look(OperationKind.PAYOUT, operation_id="op_po_01", payment_id="po_hub_01"))
    assert listed.status is OutcomeStatus.PENDING


async def test_lookup_errors_prove_nothing(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get(f"/v1/payment_intents/{PI}").mock(
        side_effect=[
            reply("error_500", 500),
            reply("error_404_resource_missing", 404),
            httpx.ReadTimeout("x"),
        ]
    )
    for _ in range(3):
        out = await adapter.lookup(look(OperationKind.CAPTURE, provider_reference=PI))
        assert out.status is OutcomeStatus.UNKNOWN


async def test_authenticate_checks_the_owner(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    # no reference known yet: the returned intent must carry this payment's id in its metadata
    mock.get("/v1/payment_intents/pi_3OA3dsLkdIwHu7ix1a2b3c4d").mock(
        return_value=reply("authenticate_requires_capture")
    )
    out = await adapter.authenticate(authn(RETURN, ref=None))
    assert out.status is OutcomeStatus.SUCCEEDED
    stranger = authn(RETURN, ref=None)
    stranger = AuthenticateRequest(
        **{**{f: getattr(stranger, f) for f in stranger.__struct_fields__}, "payment_id": "pay_other"}
    )
    with pytest.raises(InvalidRequest):
        await adapter.authenticate(stranger)


@pytest.mark.parametrize("bad", ["pi_1/../../v1/payouts", "po_123", "pi_1?expand=x"])
async def test_ids_from_outside_are_checked(mock: respx.MockRouter, adapter: StripeAdapter, bad: str) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.authenticate(authn({**RETURN, "payment_intent": bad}, ref=None))
    out = await adapter.lookup(look(OperationKind.CAPTURE, provider_reference=bad))
    assert out.status is OutcomeStatus.UNKNOWN
    assert not mock.calls
