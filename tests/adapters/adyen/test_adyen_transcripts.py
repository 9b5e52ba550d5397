"""Recorded Adyen answers (transcripts/) replayed through respx: every outcome class,
and the exact request the adapter sends."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from adyen_helpers import (
    API_KEY,
    BASE_URL,
    MERCHANT,
    adapter,
    authorize_request,
    response,
    transcript,
)

from adapters.base import (
    AuthenticateRequest,
    CaptureRequest,
    FailureCode,
    InvalidRequest,
    OutcomeStatus,
    PaymentMethod,
    RefundRequest,
    ThreeDS,
    VoidRequest,
)

PAYMENTS = f"{BASE_URL}/v71/payments"
PSP = "NC6HT9CRT65ZGN82"


def _sent(route: respx.Route) -> tuple[httpx.Request, dict[str, Any]]:
    request = route.calls.last.request
    return request, json.loads(request.content)


# --------------------------------------------------------------------------- authorize


@respx.mock
async def test_authorised_manual_capture_request_and_outcome() -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.provider_reference == PSP
    assert out.captured is False
    assert out.amount == 1099
    req, body = _sent(route)
    assert req.headers["X-API-Key"] == API_KEY
    assert req.headers["Idempotency-Key"] == "payhub-op_1"
    assert req.headers["Content-Type"] == "application/json"
    assert body["merchantAccount"] == MERCHANT
    assert body["reference"] == "pay_test_1"
    assert body["merchantOrderReference"] == "order-1001"
    assert body["amount"] == {"value": 1099, "currency": "EUR"}
    assert body["paymentMethod"] == {
        "type": "scheme",
        "number": "4111111111111111",
        "expiryMonth": "03",
        "expiryYear": "2030",
        "cvc": "737",
        "holderName": "J. Smith",
    }
    assert body["additionalData"] == {"manualCapture": "true"}
    assert "captureDelayHours" not in body
    assert body["returnUrl"] == "https://shop.example/return"
    assert body["channel"] == "Web"
    assert body["shopperInteraction"] == "Ecommerce"
    assert body["authenticationData"] == {"threeDSRequestData": {"nativeThreeDS": "disabled"}}
    assert body["metadata"] == {"cart": "c-77"}


@respx.mock
async def test_authorised_with_capture_is_captured() -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    out = await adapter().authorize(authorize_request(capture=True))
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured is True
    _, body = _sent(route)
    assert body["captureDelayHours"] == 0
    assert "additionalData" not in body


@respx.mock
@pytest.mark.parametrize("mode,expected", [("always", "always"), ("never", "never"), ("if_required", None)])
async def test_three_ds_mode_maps_to_attempt_authentication(mode: str, expected: str | None) -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    await adapter().authorize(authorize_request(three_ds=ThreeDS(mode=mode, return_url="https://s/r")))
    _, body = _sent(route)
    assert body["authenticationData"].get("attemptAuthentication") == expected


@respx.mock
async def test_provider_token_uses_stored_payment_method() -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    method = PaymentMethod(type="provider_token", token="8415718415172200")
    out = await adapter().authorize(
        authorize_request(method=method, metadata={"shopper_reference": "shop-1"})
    )
    assert out.status is OutcomeStatus.SUCCEEDED
    _, body = _sent(route)
    assert body["paymentMethod"] == {"type": "scheme", "storedPaymentMethodId": "8415718415172200"}
    assert body["shopperReference"] == "shop-1"
    assert body["shopperInteraction"] == "ContAuth"
    assert body["recurringProcessingModel"] == "CardOnFile"


async def test_provider_token_without_shopper_reference_is_rejected_before_sending() -> None:
    with pytest.raises(InvalidRequest):
        await adapter().authorize(
            authorize_request(method=PaymentMethod(type="provider_token", token="x"), metadata={})
        )


@respx.mock
@pytest.mark.parametrize(
    "currency,hub_amount,adyen_value",
    [
        ("EUR", 1099, 1099),
        ("JPY", 500, 500),
        ("KWD", 1500, 1500),
        ("CLP", 5000, 500000),
        ("ISK", 120, 12000),
        ("IDR", 1500000, 15000),
        ("CVE", 2500, 25),
    ],
)
async def test_amounts_are_sent_in_adyen_minor_units(
    currency: str, hub_amount: int, adyen_value: int
) -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    await adapter().authorize(authorize_request(amount=hub_amount, currency=currency))
    _, body = _sent(route)
    assert body["amount"] == {"value": adyen_value, "currency": currency}


@respx.mock
@pytest.mark.parametrize("currency,amount", [("IDR", 1050), ("CVE", 199)])
async def test_amounts_adyen_cannot_express_are_invalid_requests(currency: str, amount: int) -> None:
    route = respx.post(PAYMENTS).mock(return_value=response("payments_authorised"))
    with pytest.raises(InvalidRequest) as err:
        await adapter().authorize(authorize_request(amount=amount, currency=currency))
    assert err.value.field == "amount"
    assert not route.called


async def test_metadata_over_adyen_limits_is_rejected() -> None:
    with pytest.raises(InvalidRequest):
        await adapter().authorize(authorize_request(metadata={"k" * 21: "v"}))


@respx.mock
@pytest.mark.parametrize("variant", transcript("refusal_reasons")["variants"], ids=lambda v: v[0])
async def test_refusal_reasons_map_to_decline_codes(variant: list[str]) -> None:
    code, reason, family, decline = variant
    body = dict(transcript("payments_refused")["body"], refusalReason=reason, refusalReasonCode=code)
    respx.post(PAYMENTS).mock(return_value=httpx.Response(200, json=body))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED and out.definite
    assert out.failure is not None
    assert (out.failure.code, out.failure.decline_code) == (family, decline)
    assert out.failure.provider_code == code
    assert out.failure.message == reason
    assert out.provider_reference == "QJFQ5HFJ8PSPK482"


@respx.mock
async def test_redirect_shopper_get() -> None:
    respx.post(PAYMENTS).mock(return_value=response("payments_redirect_get"))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.REQUIRES_ACTION
    assert out.provider_reference == "JVBXGSDM53RZNN82"
    assert out.next_action is not None
    assert out.next_action.type == "redirect" and out.next_action.method == "GET"
    assert out.next_action.url is not None
    assert out.next_action.url.startswith("https://checkoutshopper-test.adyen.com/")


@respx.mock
async def test_redirect_shopper_post_carries_form_data() -> None:
    respx.post(PAYMENTS).mock(return_value=response("payments_redirect_post"))
    out = await adapter().authorize(authorize_request())
    assert out.next_action is not None
    assert out.next_action.method == "POST"
    assert out.next_action.data is not None and set(out.next_action.data) == {"MD", "PaReq", "TermUrl"}


@respx.mock
async def test_native_challenge_is_three_ds_challenge() -> None:
    respx.post(PAYMENTS).mock(return_value=response("payments_challenge_native"))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.REQUIRES_ACTION
    assert out.next_action is not None and out.next_action.type == "three_ds_challenge"
    assert out.next_action.data is not None and out.next_action.data["subtype"] == "challenge"


@respx.mock
@pytest.mark.parametrize(
    "name,status",
    [
        ("payments_pending", OutcomeStatus.PENDING),
        ("payments_received", OutcomeStatus.PENDING),
        ("payments_redirect_no_action", OutcomeStatus.UNKNOWN),
        ("payments_partially_authorised", OutcomeStatus.UNKNOWN),
        ("garbage_200", OutcomeStatus.UNKNOWN),
        ("wrong_shape_200", OutcomeStatus.UNKNOWN),
        ("error_500", OutcomeStatus.UNKNOWN),
        ("error_503", OutcomeStatus.UNKNOWN),
        ("error_422_in_progress", OutcomeStatus.UNKNOWN),
        ("error_429", OutcomeStatus.RETRY),
    ],
)
async def test_ambiguous_and_retryable_answers(name: str, status: OutcomeStatus) -> None:
    respx.post(PAYMENTS).mock(return_value=response(name))
    out = await adapter().authorize(authorize_request())
    assert out.status is status
    assert out.status is not OutcomeStatus.FAILED
    if name == "error_429":
        assert out.retry_after == 3.0
    if name in ("payments_pending", "payments_received"):
        assert out.provider_reference is not None


@respx.mock
async def test_error_result_code_is_a_definite_processing_failure() -> None:
    respx.post(PAYMENTS).mock(return_value=response("payments_error"))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert (out.failure.code, out.failure.decline_code) == ("provider_error", "processing_error")
    assert out.failure.provider_code == "4"


@respx.mock
async def test_cancelled_result_code_is_failed() -> None:
    respx.post(PAYMENTS).mock(return_value=response("payments_cancelled"))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.provider_code == "15"


@respx.mock
@pytest.mark.parametrize(
    "name,code,provider_code",
    [
        ("error_401", FailureCode.PROVIDER_CONFIGURATION, "000"),
        ("error_403", FailureCode.PROVIDER_CONFIGURATION, "010"),
        ("error_422_validation", FailureCode.INVALID_REQUEST, "101"),
        ("error_400_unknown_field", FailureCode.INVALID_REQUEST, "702"),
    ],
)
async def test_definite_http_errors(name: str, code: FailureCode, provider_code: str) -> None:
    respx.post(PAYMENTS).mock(return_value=response(name))
    out = await adapter().authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED and out.definite
    assert out.failure is not None
    assert out.failure.code == code
    assert out.failure.provider_code == provider_code


@respx.mock
async def test_read_timeout_is_unknown_and_connect_error_is_retry() -> None:
    respx.post(PAYMENTS).mock(side_effect=httpx.ReadTimeout("slow"))
    assert (await adapter().authorize(authorize_request())).status is OutcomeStatus.UNKNOWN
    respx.post(PAYMENTS).mock(side_effect=httpx.ConnectError("refused"))
    assert (await adapter().authorize(authorize_request())).status is OutcomeStatus.RETRY


@respx.mock
async def test_live_url_prefix_targets_the_live_endpoint() -> None:
    live = "https://1797a841fbb37ca7-AdyenDemo-checkout-live.adyenpayments.com/checkout/v71/payments"
    route = respx.post(live).mock(return_value=response("payments_authorised"))
    out = await adapter(live_url_prefix="1797a841fbb37ca7-AdyenDemo").authorize(authorize_request())
    assert out.status is OutcomeStatus.SUCCEEDED
    assert route.called


# --------------------------------------------------------------------------- authenticate


def _auth_request(params: dict[str, str]) -> AuthenticateRequest:
    return AuthenticateRequest(
        operation_id="op_2",
        idempotency_key="payhub-op_2",
        payment_id="pay_test_1",
        amount=1099,
        currency="EUR",
        provider_reference="JVBXGSDM53RZNN82",
        params=params,
    )


@respx.mock
async def test_authenticate_sends_redirect_result_to_details() -> None:
    route = respx.post(f"{BASE_URL}/v71/payments/details").mock(return_value=response("details_authorised"))
    out = await adapter().authenticate(_auth_request({"redirectResult": "X6XtfGC3!Y...", "foo": "bar"}))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.provider_reference == "JVBXGSDM53RZNN82"
    req, body = _sent(route)
    assert body == {"details": {"redirectResult": "X6XtfGC3!Y..."}}
    assert req.headers["Idempotency-Key"] == "payhub-op_2"


@respx.mock
async def test_authenticate_failed_challenge() -> None:
    respx.post(f"{BASE_URL}/v71/payments/details").mock(return_value=response("details_refused_3ds"))
    out = await adapter().authenticate(_auth_request({"redirectResult": "abc"}))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.AUTHENTICATION_FAILED


async def test_authenticate_without_known_params_is_invalid() -> None:
    with pytest.raises(InvalidRequest):
        await adapter().authenticate(_auth_request({"payment_intent": "pi_1"}))


# --------------------------------------------------------------------------- modifications


@respx.mock
async def test_capture_received_is_pending() -> None:
    route = respx.post(f"{BASE_URL}/v71/payments/{PSP}/captures").mock(
        return_value=response("capture_received")
    )
    req = CaptureRequest(
        operation_id="op_3",
        idempotency_key="payhub-op_3",
        payment_id="pay_test_1",
        amount=1099,
        currency="EUR",
        provider_reference=PSP,
    )
    out = await adapter().capture(req)
    assert out.status is OutcomeStatus.PENDING
    assert out.provider_reference == PSP and out.operation_reference == "JDD6LKT8MBLZNN84"
    request, body = _sent(route)
    assert body == {
        "merchantAccount": MERCHANT,
        "reference": "pay_test_1",
        "amount": {"value": 1099, "currency": "EUR"},
    }
    assert request.headers["Idempotency-Key"] == "payhub-op_3"
    assert request.headers["X-API-Key"] == API_KEY


@respx.mock
async def test_refund_received_is_pending_with_refund_reference() -> None:
    route = respx.post(f"{BASE_URL}/v71/payments/{PSP}/refunds").mock(
        return_value=response("refund_received")
    )
    req = RefundRequest(
        operation_id="op_4",
        idempotency_key="payhub-op_4",
        payment_id="pay_test_1",
        amount=500,
        currency="EUR",
        provider_reference=PSP,
        refund_id="re_test_1",
    )
    out = await adapter().refund(req)
    assert out.status is OutcomeStatus.PENDING and out.operation_reference == "KCHQ6TMVN8D6ZN82"
    _, body = _sent(route)
    assert body == {
        "merchantAccount": MERCHANT,
        "reference": "re_test_1",
        "amount": {"value": 500, "currency": "EUR"},
    }


@respx.mock
async def test_cancel_received_is_pending() -> None:
    route = respx.post(f"{BASE_URL}/v71/payments/{PSP}/cancels").mock(
        return_value=response("cancel_received")
    )
    req = VoidRequest(
        operation_id="op_5",
        idempotency_key="payhub-op_5",
        payment_id="pay_test_1",
        amount=1099,
        currency="EUR",
        provider_reference=PSP,
    )
    out = await adapter().void(req)
    assert out.status is OutcomeStatus.PENDING and out.operation_reference == "ZVVKR4H4TLZNN82Z"
    _, body = _sent(route)
    assert body == {"merchantAccount": MERCHANT, "reference": "pay_test_1"}


@respx.mock
@pytest.mark.parametrize(
    "name,status",
    [
        ("error_422_validation", OutcomeStatus.FAILED),
        ("error_500", OutcomeStatus.UNKNOWN),
        ("garbage_200", OutcomeStatus.UNKNOWN),
        ("error_429", OutcomeStatus.RETRY),
        ("error_401", OutcomeStatus.FAILED),
    ],
)
async def test_modification_errors(name: str, status: OutcomeStatus) -> None:
    respx.post(f"{BASE_URL}/v71/payments/{PSP}/captures").mock(return_value=response(name))
    req = CaptureRequest(
        operation_id="op_3",
        idempotency_key="payhub-op_3",
        payment_id="pay_test_1",
        amount=1099,
        currency="EUR",
        provider_reference=PSP,
    )
    assert (await adapter().capture(req)).status is status


@respx.mock
async def test_capture_read_timeout_is_unknown() -> None:
    respx.post(f"{BASE_URL}/v71/payments/{PSP}/captures").mock(side_effect=httpx.ReadTimeout("slow"))
    req = CaptureRequest(
        operation_id="op_3",
        idempotency_key="payhub-op_3",
        payment_id="pay_test_1",
        amount=1099,
        currency="EUR",
        provider_reference=PSP,
    )
    assert (await adapter().capture(req)).status is OutcomeStatus.UNKNOWN


def test_validate_account() -> None:
    from adyen_helpers import account

    from adapters.adyen import AdyenAdapter

    assert AdyenAdapter.validate_account(account()) == []
    bad = account(live_url_prefix="not a prefix/")
    assert any("live_url_prefix" in p for p in AdyenAdapter.validate_account(bad))
    acct = account()
    acct.credentials = {**acct.credentials, "hmac_key": "zz-not-hex", "api_key": ""}
    problems = AdyenAdapter.validate_account(acct)
    assert any("hmac_key" in p for p in problems) and any("api_key" in p for p in problems)


def test_structure_check_passes() -> None:
    from adapters.adyen import AdyenAdapter
    from adapters.structure import check

    assert check(AdyenAdapter) == []
