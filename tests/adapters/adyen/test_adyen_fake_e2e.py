"""End to end: the Adyen adapter against the stateful Adyen fake over httpx.ASGITransport."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from adapters.adyen import AdyenAdapter
from adapters.base import (
    Account,
    AuthenticateRequest,
    AuthorizeRequest,
    CaptureRequest,
    Card,
    DeclineCode,
    FailureCode,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PaymentMethod,
    ProviderEvent,
    RefundRequest,
    ThreeDS,
    VoidRequest,
    WebhookVerificationError,
)
from contract_tests.fakes.adyen import Fake
from contract_tests.faults import FaultTransport

BASE = "https://adyen.fake.invalid"


@dataclass
class World:
    fake: Fake
    adapter: AdyenAdapter
    client: httpx.AsyncClient
    faults: FaultTransport
    n: int = 0

    def ids(self, payment_id: str | None = None) -> dict[str, Any]:
        self.n += 1
        return {
            "operation_id": f"op_{self.n}",
            "idempotency_key": f"payhub-op_{self.n}",
            "payment_id": payment_id or f"pay_{self.n}",
        }

    def auth_req(
        self,
        method: PaymentMethod | None = None,
        *,
        capture: bool = False,
        amount: int = 1099,
        metadata: dict[str, str] | None = None,
    ) -> AuthorizeRequest:
        return AuthorizeRequest(
            **self.ids(),
            amount=amount,
            currency="EUR",
            reference="order-1",
            capture=capture,
            metadata=metadata or {"suite": "e2e"},
            payment_method=method or self.fake.approve_method(),
            three_ds=ThreeDS(mode="if_required", return_url="https://shop.example/return"),
        )

    async def authorized(self, **kw: object) -> tuple[AuthorizeRequest, Outcome]:
        req = self.auth_req(**kw)  # type: ignore[arg-type]
        out = await self.adapter.authorize(req)
        assert out.status is OutcomeStatus.SUCCEEDED, out
        return req, out

    def events(self) -> list[ProviderEvent]:
        out: list[ProviderEvent] = []
        for n in self.fake.notifications():
            out.extend(self.adapter.parse_webhook(n.headers, n.body))
        return out

    def news(
        self, kind: OperationKind, operation_reference: str | None = None, payment_id: str | None = None
    ) -> list[ProviderEvent]:
        return [
            e
            for e in self.events()
            if e.kind is kind
            and (operation_reference is None or e.operation_reference == operation_reference)
            and (payment_id is None or e.payment_id == payment_id)
        ]

    def capture_req(self, req: AuthorizeRequest, out: Outcome, amount: int | None = None) -> CaptureRequest:
        assert out.provider_reference
        return CaptureRequest(
            **self.ids(req.payment_id),
            amount=amount or req.amount,
            currency="EUR",
            provider_reference=out.provider_reference,
        )


@pytest.fixture
async def w() -> AsyncIterator[World]:
    fake = Fake()
    account = fake.account(BASE)
    faults = FaultTransport(httpx.ASGITransport(app=fake.app))
    client = httpx.AsyncClient(transport=faults, base_url=BASE)
    yield World(fake, AdyenAdapter(account, client), client, faults)
    await client.aclose()


async def test_authorize_approved_and_notified(w: World) -> None:
    req, out = await w.authorized()
    assert out.captured is False and out.amount == 1099
    [ev] = w.news(OperationKind.AUTHORIZE, payment_id=req.payment_id)
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED
    assert ev.provider_reference == out.provider_reference
    assert w.fake.count(OperationKind.AUTHORIZE) == 1


async def test_purchase_is_captured(w: World) -> None:
    req, out = await w.authorized(capture=True)
    assert out.captured is True
    [ev] = w.news(OperationKind.AUTHORIZE, payment_id=req.payment_id)
    assert ev.outcome is not None and ev.outcome.captured is True


async def test_every_decline_family(w: World) -> None:
    for code, method in w.fake.decline_methods().items():
        out = await w.adapter.authorize(w.auth_req(method))
        assert out.status is OutcomeStatus.FAILED, (code, out)
        assert out.failure is not None and out.failure.decline_code == code.value, (code, out.failure)
    # each refusal is also notified (AUTHORISATION success=false) with the same decline
    failed = [
        e for e in w.news(OperationKind.AUTHORIZE) if e.outcome and e.outcome.status is OutcomeStatus.FAILED
    ]
    assert {e.outcome.failure.decline_code for e in failed if e.outcome and e.outcome.failure} == {
        c.value for c in w.fake.decline_methods()
    }


async def test_wrong_cvc_or_expiry_is_a_generic_refusal(w: World) -> None:
    method = PaymentMethod(
        type="card", card=Card(number="4111111111111111", exp_month=4, exp_year=2030, cvc="737")
    )
    out = await w.adapter.authorize(w.auth_req(method))
    assert out.failure is not None and out.failure.decline_code == DeclineCode.DO_NOT_HONOR


async def test_invalid_card_number_is_invalid_request(w: World) -> None:
    method = PaymentMethod(
        type="card", card=Card(number="4111111111111112", exp_month=3, exp_year=2030, cvc="737")
    )
    out = await w.adapter.authorize(w.auth_req(method))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.INVALID_REQUEST
    assert out.failure.provider_code == "101"
    assert w.fake.count(OperationKind.AUTHORIZE) == 0


async def test_three_ds_redirect_success_and_failure(w: World) -> None:
    for succeed in (True, False):
        req = w.auth_req(w.fake.three_ds_method())
        out = await w.adapter.authorize(req)
        assert out.status is OutcomeStatus.REQUIRES_ACTION
        assert out.next_action is not None and out.next_action.type == "redirect"
        params = w.fake.complete_challenge(out.next_action, succeed=succeed)
        auth = AuthenticateRequest(
            **w.ids(req.payment_id),
            amount=req.amount,
            currency="EUR",
            provider_reference=out.provider_reference,
            params=params,
        )
        done = await w.adapter.authenticate(auth)
        if succeed:
            assert done.status is OutcomeStatus.SUCCEEDED
            assert done.provider_reference == out.provider_reference
        else:
            assert done.status is OutcomeStatus.FAILED
            assert done.failure is not None and done.failure.code == FailureCode.AUTHENTICATION_FAILED
        # replaying the same authenticate (same key) returns the same answer, once counted
        again = await w.adapter.authenticate(auth)
        assert again.status is done.status
    assert w.fake.count(OperationKind.AUTHENTICATE) == 2


async def test_three_ds_through_the_challenge_page(w: World) -> None:
    req = w.auth_req(w.fake.three_ds_method())
    out = await w.adapter.authorize(req)
    assert out.next_action is not None and out.next_action.url
    page = await w.client.get(out.next_action.url)
    assert page.status_code == 200 and "complete" in page.text
    token_path = urlsplit(out.next_action.url).path
    done = await w.client.post(f"{token_path}/complete", data={"result": "success"})
    assert done.status_code == 302
    location = done.headers["location"]
    assert location.startswith("https://shop.example/return?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    auth = AuthenticateRequest(
        **w.ids(req.payment_id),
        amount=req.amount,
        currency="EUR",
        provider_reference=out.provider_reference,
        params=params,
    )
    assert (await w.adapter.authenticate(auth)).status is OutcomeStatus.SUCCEEDED


async def test_pending_authorisation_resolves_by_webhook(w: World) -> None:
    method = w.fake._card("4111111111111111", "PENDING")
    req = w.auth_req(method)
    out = await w.adapter.authorize(req)
    assert out.status is OutcomeStatus.PENDING
    assert not w.news(OperationKind.AUTHORIZE, payment_id=req.payment_id)
    await w.fake.advance(5)
    [ev] = w.news(OperationKind.AUTHORIZE, payment_id=req.payment_id)
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED


async def test_error_holder_is_definite_failure(w: World) -> None:
    out = await w.adapter.authorize(w.auth_req(w.fake._card("4111111111111111", "ERROR")))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.PROVIDER_ERROR


async def test_capture_partial_multiple_and_overcapture(w: World) -> None:
    req, out = await w.authorized(amount=1000)
    first = await w.adapter.capture(w.capture_req(req, out, 600))
    second = await w.adapter.capture(w.capture_req(req, out, 400))
    third = await w.adapter.capture(w.capture_req(req, out, 1))
    for o in (first, second, third):
        assert o.status is OutcomeStatus.PENDING and o.operation_reference
    await w.fake.advance()
    results = {}
    for o in (first, second, third):
        [ev] = w.news(OperationKind.CAPTURE, o.operation_reference)
        assert ev.outcome is not None
        results[o.operation_reference] = ev.outcome.status
    assert [results[o.operation_reference] for o in (first, second, third)] == [
        OutcomeStatus.SUCCEEDED,
        OutcomeStatus.SUCCEEDED,
        OutcomeStatus.FAILED,
    ]
    assert w.fake.count(OperationKind.CAPTURE) == 3


async def test_capture_failed_after_success(w: World) -> None:
    req, out = await w.authorized(method=w.fake._card("4111111111111111", "capture failed"))
    cap = await w.adapter.capture(w.capture_req(req, out))
    await w.fake.advance()
    evs = w.news(OperationKind.CAPTURE, cap.operation_reference)
    assert [e.type for e in evs] == ["CAPTURE", "CAPTURE_FAILED"]
    assert evs[-1].outcome is not None and evs[-1].outcome.status is OutcomeStatus.FAILED


async def test_refund_flow_and_idempotent_replay(w: World) -> None:
    req, out = await w.authorized(capture=True)
    assert out.provider_reference
    refund = RefundRequest(
        **w.ids(req.payment_id),
        amount=500,
        currency="EUR",
        provider_reference=out.provider_reference,
        refund_id="re_abc",
    )
    first = await w.adapter.refund(refund)
    replay = await w.adapter.refund(refund)
    assert first.status is replay.status is OutcomeStatus.PENDING
    assert first.operation_reference == replay.operation_reference
    assert w.fake.count(OperationKind.REFUND) == 1
    await w.fake.advance()
    [ev] = w.news(OperationKind.REFUND, first.operation_reference)
    assert ev.refund_id == "re_abc"
    assert (
        ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED and ev.outcome.amount == 500
    )


async def test_refund_more_than_captured_fails_by_webhook(w: World) -> None:
    req, out = await w.authorized()  # not captured
    assert out.provider_reference
    refund = RefundRequest(
        **w.ids(req.payment_id),
        amount=500,
        currency="EUR",
        provider_reference=out.provider_reference,
        refund_id="re_x",
    )
    pending = await w.adapter.refund(refund)
    await w.fake.advance()
    [ev] = w.news(OperationKind.REFUND, pending.operation_reference)
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.FAILED


async def test_void_before_and_after_capture(w: World) -> None:
    req, out = await w.authorized()
    assert out.provider_reference
    void = await w.adapter.void(
        VoidRequest(
            **w.ids(req.payment_id),
            amount=req.amount,
            currency="EUR",
            provider_reference=out.provider_reference,
        )
    )
    await w.fake.advance()
    [ev] = w.news(OperationKind.VOID, void.operation_reference)
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED

    req2, out2 = await w.authorized(capture=True)
    assert out2.provider_reference
    void2 = await w.adapter.void(
        VoidRequest(
            **w.ids(req2.payment_id),
            amount=req2.amount,
            currency="EUR",
            provider_reference=out2.provider_reference,
        )
    )
    await w.fake.advance()
    [ev2] = w.news(OperationKind.VOID, void2.operation_reference)
    assert ev2.outcome is not None and ev2.outcome.status is OutcomeStatus.FAILED


async def test_timeout_after_processing_then_replay(w: World) -> None:
    req = w.auth_req()
    w.faults.timeout_after_processing()
    first = await w.adapter.authorize(req)
    assert first.status is OutcomeStatus.UNKNOWN
    replay = await w.adapter.authorize(req)
    assert replay.status is OutcomeStatus.SUCCEEDED
    assert w.fake.count(OperationKind.AUTHORIZE) == 1
    # the AUTHORISATION webhook of the first (only) attempt names the same payment
    [ev] = w.news(OperationKind.AUTHORIZE, payment_id=req.payment_id)
    assert ev.provider_reference == replay.provider_reference


async def test_server_error_is_unknown_and_connect_error_retry(w: World) -> None:
    w.faults.server_error()
    assert (await w.adapter.authorize(w.auth_req())).status is OutcomeStatus.UNKNOWN
    w.faults.connect_error()
    assert (await w.adapter.authorize(w.auth_req())).status is OutcomeStatus.RETRY
    assert w.fake.count(OperationKind.AUTHORIZE) == 0


async def test_wrong_api_key_is_provider_configuration(w: World) -> None:
    account = w.adapter.account
    bad = Account(
        id=account.id, adapter="adyen", base_url=BASE, credentials={**account.credentials, "api_key": "wrong"}
    )
    out = await AdyenAdapter(bad, w.client).authorize(w.auth_req())
    assert out.failure is not None and out.failure.code == FailureCode.PROVIDER_CONFIGURATION
    bad2 = Account(
        id=account.id,
        adapter="adyen",
        base_url=BASE,
        credentials={**account.credentials, "merchant_account": "Nope"},
    )
    out2 = await AdyenAdapter(bad2, w.client).authorize(w.auth_req())
    assert out2.failure is not None and out2.failure.code == FailureCode.PROVIDER_CONFIGURATION


async def test_fake_rejects_unknown_fields_like_adyen(w: World) -> None:
    body = w.adapter.payment_request(w.auth_req())
    import msgspec

    doc = json.loads(msgspec.json.encode(body))
    doc["favouriteColour"] = "blue"
    r = await w.client.post(
        "/v71/payments", json=doc, headers={"X-API-Key": w.adapter.account.credentials["api_key"]}
    )
    assert r.status_code == 422
    assert r.json()["errorCode"] == "702" and "favouriteColour" in r.json()["message"]
    r2 = await w.client.post("/v71/payments", json=doc)
    assert r2.status_code == 401


async def test_stored_payment_method(w: World) -> None:
    method, metadata = w.fake.stored_method()
    out = await w.adapter.authorize(w.auth_req(method, metadata=metadata))
    assert out.status is OutcomeStatus.SUCCEEDED


async def test_notifications_resign_and_rotation(w: World) -> None:
    await w.authorized()
    [n] = w.fake.notifications()
    tampered = n.body.replace(b'"value": 1099', b'"value": 1')
    with pytest.raises(WebhookVerificationError):
        w.adapter.parse_webhook(n.headers, tampered)
    fixed = w.fake.resign(tampered)
    [ev] = w.adapter.parse_webhook(fixed.headers, fixed.body)
    assert ev.outcome is not None and ev.outcome.amount == 1
    assert w.fake.sign(n.body) == {}

    previous = w.fake.rotate_hmac_key()
    await w.authorized()
    newest = w.fake.notifications()[-1]
    with pytest.raises(WebhookVerificationError):  # the adapter only knows the old key
        w.adapter.parse_webhook(newest.headers, newest.body)
    account = w.adapter.account
    rotated = Account(
        id=account.id,
        adapter="adyen",
        base_url=BASE,
        credentials={**account.credentials, "hmac_key": w.fake.world.hmac_key, "hmac_key_previous": previous},
    )
    a2 = AdyenAdapter(rotated, w.client)
    assert a2.parse_webhook(newest.headers, newest.body)
    assert a2.parse_webhook(n.headers, n.body)  # old notifications still verify during rotation
