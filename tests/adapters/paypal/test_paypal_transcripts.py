"""The PayPal adapter against recorded PayPal replies (scrubbed: no card data, no real ids)."""

from __future__ import annotations

import json

import httpx
import pytest
from paypal_helpers import (
    AUTH,
    CAPTURE,
    ORDER,
    PAYMENT,
    Script,
    adapter,
    authorize_request,
    card_method,
    load,
    reply,
)

from adapters.base import (
    AuthenticateRequest,
    CaptureRequest,
    FailureCode,
    InvalidRequest,
    OutcomeStatus,
    RefundRequest,
    VoidRequest,
)
from adapters.paypal import mapping as m

ORDERS = "/v2/checkout/orders"
CONFIRM = f"{ORDERS}/{ORDER}/confirm-payment-source"
AUTHORIZE = f"{ORDERS}/{ORDER}/authorize"
GET_ORDER = f"{ORDERS}/{ORDER}"


def happy() -> Script:
    return Script({
        ("POST", ORDERS): reply("order_created", 201),
        ("POST", CONFIRM): reply("order_approved"),
        ("POST", AUTHORIZE): reply("order_authorized", 201),
        ("GET", GET_ORDER): reply("order_authorized"),
    })


async def test_authorize_creates_confirms_then_authorizes_with_card_data_only_in_the_confirm() -> None:
    script = happy()
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.SUCCEEDED and not out.captured
    assert out.provider_reference == ORDER and out.operation_reference == AUTH and out.amount == 1099
    created = script.body("POST", ORDERS)
    assert created == {"intent": "AUTHORIZE", "purchase_units": [{
        "reference_id": "op_0123456789abcdef0123", "custom_id": PAYMENT, "invoice_id": PAYMENT,
        "amount": {"currency_code": "EUR", "value": "10.99"}, "description": "order-1001"}]}
    card = script.body("POST", CONFIRM)["payment_source"]["card"]
    assert card["number"] == "4111111111111111" and card["security_code"] == "123" and card["expiry"] == "2030-03"
    assert card["attributes"] == {"verification": {"method": "SCA_WHEN_REQUIRED"}}
    # the money-moving call carries no card data: it can be replayed byte for byte
    money_call = script.sent("POST", AUTHORIZE)[0]
    assert money_call.content == b"{}"
    for path in (ORDERS, CONFIRM, AUTHORIZE):
        assert "1111" not in script.sent("POST", path)[0].content.decode() or path == CONFIRM


async def test_every_post_carries_a_paypal_request_id_derived_from_the_operation() -> None:
    script = happy()
    await adapter(script).authorize(authorize_request())
    ids = {r.url.path: r.headers.get("paypal-request-id") for r in script.requests if r.method == "POST"}
    key = "payhub-op_0123456789abcdef0123"
    assert ids[ORDERS] == key and ids[CONFIRM] == f"{key}-confirm" and ids[AUTHORIZE] == f"{key}-authorize"
    assert ids["/v1/oauth2/token"] is None  # the token call is no operation
    assert all(r.headers["authorization"] == "Bearer A21AAFakeScrubbedAccessToken000000000000000000000000"
               for r in script.requests if r.url.path != "/v1/oauth2/token")


async def test_one_token_per_account_reused_across_operations_and_refreshed_on_401() -> None:
    script = happy()
    a = adapter(script)
    await a.authorize(authorize_request())
    await a.authorize(authorize_request())
    assert len(script.sent("POST", "/v1/oauth2/token")) == 1
    basic = script.sent("POST", "/v1/oauth2/token")[0]
    assert basic.headers["authorization"].startswith("Basic ") and basic.content == b"grant_type=client_credentials"
    script.routes[("GET", GET_ORDER)] = [reply("error_401", 401), reply("order_authorized")]
    script.routes[("POST", f"/v2/payments/authorizations/{AUTH}/capture")] = reply("capture_completed", 201)
    out = await a.capture(CaptureRequest(operation_id="op_c", idempotency_key="k-c", payment_id=PAYMENT,
                                         amount=600, currency="EUR", provider_reference=ORDER, final=False))
    assert len(script.sent("POST", "/v1/oauth2/token")) == 2  # refreshed once, the call sent again
    assert len(script.sent("GET", GET_ORDER)) == 2
    assert out.status is OutcomeStatus.SUCCEEDED


async def test_token_is_refreshed_shortly_before_it_expires() -> None:
    now = [1000.0]
    script = happy()
    a = adapter(script)
    a.tokens._clock = lambda: now[0]
    await a.authorize(authorize_request())
    now[0] += 32400 - 400  # inside the lifetime, before the refresh margin
    await a.authorize(authorize_request())
    assert len(script.sent("POST", "/v1/oauth2/token")) == 1
    now[0] += 200  # within 300 s of expiry: fetch a fresh one before PayPal refuses it
    await a.authorize(authorize_request())
    assert len(script.sent("POST", "/v1/oauth2/token")) == 2


async def test_refused_client_credentials_are_a_configuration_failure_and_nothing_is_sent() -> None:
    script = Script({("POST", "/v1/oauth2/token"): reply("error_oauth_invalid_client", 401)})
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert out.failure.code == FailureCode.PROVIDER_CONFIGURATION and out.failure.provider_code == "invalid_client"
    assert [r.url.path for r in script.requests] == ["/v1/oauth2/token"]


async def test_token_endpoint_down_means_the_operation_was_not_sent() -> None:
    script = Script({("POST", "/v1/oauth2/token"): reply("error_500", 500)})
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.RETRY


async def test_three_ds_payer_action_link_is_the_redirect() -> None:
    script = happy()
    script.routes[("POST", CONFIRM)] = reply("order_payer_action")
    out = await adapter(script).authorize(authorize_request(mode="always"))
    assert out.status is OutcomeStatus.REQUIRES_ACTION and out.next_action is not None
    assert out.next_action.type == "redirect"
    assert out.next_action.url == "https://www.sandbox.paypal.com/webapps/helios?action=verify&flow=3ds&cart_id=" + ORDER
    assert script.body("POST", CONFIRM)["payment_source"]["card"]["attributes"]["verification"] == {
        "method": "SCA_ALWAYS"}
    assert not script.sent("POST", AUTHORIZE)


def _authenticate(params: dict[str, str]) -> AuthenticateRequest:
    return AuthenticateRequest(operation_id="op_a", idempotency_key="k-a", payment_id=PAYMENT, amount=1099,
                               currency="EUR", provider_reference=ORDER, params=params)


async def test_authenticate_after_3ds_authorizes_the_order() -> None:
    script = happy()
    script.routes[("GET", GET_ORDER)] = reply("order_3ds_approved")
    out = await adapter(script).authenticate(_authenticate({"token": ORDER}))
    assert out.status is OutcomeStatus.SUCCEEDED and script.sent("POST", AUTHORIZE)
    assert script.sent("POST", AUTHORIZE)[0].headers["paypal-request-id"] == "k-a-authorize"


async def test_authenticate_after_failed_3ds_does_not_authorize() -> None:
    script = happy()
    script.routes[("GET", GET_ORDER)] = reply("order_3ds_failed")
    out = await adapter(script).authenticate(_authenticate({"token": ORDER}))
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert out.failure.code == FailureCode.AUTHENTICATION_FAILED and out.failure.provider_code == "3DS_N"
    assert not script.sent("POST", AUTHORIZE)


async def test_authenticate_refuses_a_token_of_another_order() -> None:
    with pytest.raises(InvalidRequest):
        await adapter(happy()).authenticate(_authenticate({"token": "9ZZ99999ZZ9999999"}))


@pytest.mark.parametrize("code", sorted(load("declines")))
async def test_decline_family(code: str) -> None:
    """One recorded authorize reply per processor response code: authorization DENIED."""
    case = load("declines")[code]
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply(case["reply"], 201)
    out = await adapter(script).authorize(authorize_request(method=card_method(name="CCREJECT-X")))
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert out.failure.code == FailureCode.CARD_DECLINED
    assert out.failure.decline_code == case["expected"]
    assert out.failure.provider_code == code


async def test_instrument_declined_issue_is_a_decline() -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply("error_422_instrument_declined", 422)
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.FAILED and out.failure is not None
    assert (out.failure.code, out.failure.decline_code, out.failure.provider_code) == (
        FailureCode.CARD_DECLINED, "do_not_honor", "INSTRUMENT_DECLINED")
    assert out.provider_reference == ORDER


async def test_expired_card_refused_at_confirm_moves_no_money() -> None:
    script = happy()
    script.routes[("POST", CONFIRM)] = reply("error_422_card_expired", 422)
    out = await adapter(script).authorize(authorize_request())
    assert out.failure is not None and out.failure.decline_code == "expired_card"
    assert not script.sent("POST", AUTHORIZE)


async def test_already_authorized_order_is_read_not_paid_again() -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply("error_422_order_already_authorized", 422)
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.SUCCEEDED and out.operation_reference == AUTH


async def test_replayed_create_reads_the_order_state_and_skips_the_card() -> None:
    script = happy()
    script.routes[("POST", ORDERS)] = reply("order_created", 200)  # PayPal's answer to a repeat
    out = await adapter(script).authorize(authorize_request(method=card_method(cvc=None)))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert not script.sent("POST", CONFIRM) and not script.sent("POST", AUTHORIZE)


@pytest.mark.parametrize(("name", "status", "expected", "code"), [
    ("error_400_unknown_field", 400, OutcomeStatus.FAILED, FailureCode.INVALID_REQUEST),
    ("error_403", 403, OutcomeStatus.FAILED, FailureCode.PROVIDER_CONFIGURATION),
    ("error_422_duplicate_request_id", 422, OutcomeStatus.UNKNOWN, None),
    ("error_500", 500, OutcomeStatus.UNKNOWN, None),
    ("error_500", 503, OutcomeStatus.UNKNOWN, None),
    ("error_500", 429, OutcomeStatus.RETRY, None),
])
async def test_error_classification(name: str, status: int, expected: OutcomeStatus, code: str | None) -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply(name, status)
    out = await adapter(script).authorize(authorize_request())
    assert out.status is expected, out
    if code is not None:
        assert out.failure is not None and out.failure.code == code


async def test_twice_refused_token_is_a_configuration_failure() -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply("error_401", 401)
    out = await adapter(script).authorize(authorize_request())
    assert out.failure is not None and out.failure.code == FailureCode.PROVIDER_CONFIGURATION
    assert len(script.sent("POST", AUTHORIZE)) == 2


async def test_unreadable_2xx_is_ambiguous() -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = httpx.Response(201, content=b"<html>gateway</html>")
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_purchase_in_a_zero_decimal_currency() -> None:
    captured = load("order_captured")
    order_id = captured["id"]
    script = Script({
        ("POST", ORDERS): reply({**load("order_created"), "id": order_id, "intent": "CAPTURE"}, 201),
        ("POST", f"{ORDERS}/{order_id}/confirm-payment-source"): reply(
            {**load("order_approved"), "id": order_id, "intent": "CAPTURE"}),
        ("POST", f"{ORDERS}/{order_id}/capture"): reply(captured, 201),
    })
    out = await adapter(script).authorize(authorize_request(capture=True, amount=1500, currency="JPY"))
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured and out.amount == 1500
    assert script.body("POST", ORDERS)["purchase_units"][0]["amount"] == {"currency_code": "JPY", "value": "1500"}


def test_amounts_per_currency() -> None:
    assert m.to_value(1099, "EUR") == "10.99" and m.to_value(1500, "JPY") == "1500"
    assert m.to_value(150000, "HUF") == "1500"
    with pytest.raises(InvalidRequest):
        m.to_value(150050, "HUF")  # PayPal takes HUF in whole forints
    with pytest.raises(InvalidRequest):
        m.to_value(100, "KWD")  # not a PayPal currency
    assert m.from_value(m.Money(currency_code="HUF", value="1500")) == 150000


async def test_partial_capture_sends_final_capture_and_the_operation_id() -> None:
    script = happy()
    script.routes[("POST", f"/v2/payments/authorizations/{AUTH}/capture")] = reply("capture_completed", 201)
    out = await adapter(script).capture(CaptureRequest(
        operation_id="op_capture000000000000001", idempotency_key="k-cap", payment_id=PAYMENT, amount=600,
        currency="EUR", provider_reference=ORDER, final=False))
    assert out.status is OutcomeStatus.SUCCEEDED and out.amount == 600 and out.operation_reference == CAPTURE
    sent = script.sent("POST", f"/v2/payments/authorizations/{AUTH}/capture")[0]
    assert json.loads(sent.content) == {"amount": {"currency_code": "EUR", "value": "6.00"},
                                        "final_capture": False, "invoice_id": "op_capture000000000000001"}
    assert sent.headers["paypal-request-id"] == "k-cap"


async def test_pending_capture_is_pending() -> None:
    script = happy()
    script.routes[("POST", f"/v2/payments/authorizations/{AUTH}/capture")] = reply("capture_pending", 201)
    out = await adapter(script).capture(CaptureRequest(
        operation_id="op_c", idempotency_key="k", payment_id=PAYMENT, amount=1099, currency="EUR",
        provider_reference=ORDER))
    assert out.status is OutcomeStatus.PENDING


async def test_void() -> None:
    script = happy()
    script.routes[("POST", f"/v2/payments/authorizations/{AUTH}/void")] = reply("authorization_voided")
    out = await adapter(script).void(VoidRequest(operation_id="op_v", idempotency_key="k-v", payment_id=PAYMENT,
                                                 amount=1099, currency="EUR", provider_reference=ORDER))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert script.sent("POST", f"/v2/payments/authorizations/{AUTH}/void")[0].headers["paypal-request-id"] == "k-v"


def _captured_order() -> dict:
    order = load("order_authorized")
    pays = order["purchase_units"][0]["payments"]
    pays["captures"] = [load("capture_completed")]
    pays["authorizations"][0]["status"] = "PARTIALLY_CAPTURED"
    return order


async def test_refund_targets_the_capture_with_room_left_and_names_the_hub_refund() -> None:
    order = _captured_order()
    order["purchase_units"][0]["payments"]["refunds"] = [load("refund_completed")]  # 5.00 of 6.00 refunded
    script = Script({("GET", GET_ORDER): reply(order),
                     ("POST", f"/v2/payments/captures/{CAPTURE}/refund"): reply("refund_completed", 201)})
    request = RefundRequest(operation_id="op_refund0000000000000001", idempotency_key="k-r", payment_id=PAYMENT,
                            amount=100, currency="EUR", provider_reference=ORDER, refund_id="re_0123456789abcdef0123")
    out = await adapter(script).refund(request)
    assert out.status is OutcomeStatus.SUCCEEDED and out.operation_reference == "1JU08902781691411"
    assert script.body("POST", f"/v2/payments/captures/{CAPTURE}/refund") == {
        "amount": {"currency_code": "EUR", "value": "1.00"}, "custom_id": "re_0123456789abcdef0123",
        "invoice_id": "op_refund0000000000000001"}
    with pytest.raises(InvalidRequest):  # 2.00 > the 1.00 left on the only capture
        await adapter(script).refund(msgspec_replace(request, amount=200))


def msgspec_replace(request: RefundRequest, **changes: object) -> RefundRequest:
    import msgspec

    return msgspec.structs.replace(request, **changes)


async def test_pending_refund_is_pending() -> None:
    script = Script({("GET", GET_ORDER): reply(_captured_order()),
                     ("POST", f"/v2/payments/captures/{CAPTURE}/refund"): reply("refund_pending", 201)})
    out = await adapter(script).refund(RefundRequest(
        operation_id="op_r", idempotency_key="k", payment_id=PAYMENT, amount=500, currency="EUR",
        provider_reference=ORDER, refund_id="re_1"))
    assert out.status is OutcomeStatus.PENDING


async def test_already_authorized_with_the_order_unreadable_is_ambiguous_never_failed() -> None:
    script = happy()
    script.routes[("POST", AUTHORIZE)] = reply("error_422_order_already_authorized", 422)
    script.routes[("GET", GET_ORDER)] = reply("error_500", 500)
    out = await adapter(script).authorize(authorize_request())
    assert out.status is OutcomeStatus.UNKNOWN and out.provider_reference == ORDER


async def test_json_bodies_say_so() -> None:
    script = happy()
    await adapter(script).authorize(authorize_request())
    assert all(r.headers["content-type"] == "application/json" for r in script.requests
               if r.method == "POST" and r.url.path != "/v1/oauth2/token")
