"""The Stripe adapter end to end against the Stripe fake (httpx.ASGITransport)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
import stripe

from adapters.base import (
    AuthenticateRequest,
    AuthorizeRequest,
    CaptureRequest,
    DeclineCode,
    FailureCode,
    LookupRequest,
    OperationKind,
    OutcomeStatus,
    PaymentMethod,
    PayoutRequest,
    RefundRequest,
    ThreeDS,
    VoidRequest,
)
from adapters.stripe import STRIPE_VERSION, StripeAdapter
from contract_tests.fakes.stripe import Fake

BASE = "https://stripe.fake"


@pytest.fixture
def fake() -> Fake:
    return Fake()


@pytest.fixture
async def client(fake: Fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url=BASE) as c:
        yield c


@pytest.fixture
def adapter(fake: Fake, client: httpx.AsyncClient) -> StripeAdapter:
    return StripeAdapter(fake.account(BASE), client)


def authz(n: int, pm: PaymentMethod, **kw: object) -> AuthorizeRequest:
    fields: dict[str, object] = {
        "operation_id": f"op_{n}",
        "idempotency_key": f"op_{n}:authorize",
        "payment_id": f"pay_{n}",
        "amount": 2000,
        "currency": "EUR",
        "payment_method": pm,
    }
    fields.update(kw)
    return AuthorizeRequest(**fields)  # type: ignore[arg-type]


def capture(ref: str, amount: int, n: int = 1) -> CaptureRequest:
    return CaptureRequest(
        operation_id=f"op_cap{n}",
        idempotency_key=f"op_cap{n}:capture",
        payment_id="pay_1",
        amount=amount,
        currency="EUR",
        provider_reference=ref,
    )


def refund(ref: str, amount: int, n: int) -> RefundRequest:
    return RefundRequest(
        operation_id=f"op_ref{n}",
        idempotency_key=f"op_ref{n}:refund",
        payment_id="pay_1",
        amount=amount,
        currency="EUR",
        provider_reference=ref,
        refund_id=f"re_hub_{n}",
    )


async def test_approve_capture_refund(fake: Fake, adapter: StripeAdapter) -> None:
    auth = await adapter.authorize(authz(1, fake.approve_method()))
    assert auth.status is OutcomeStatus.SUCCEEDED and not auth.captured
    assert auth.provider_reference is not None
    cap = await adapter.capture(capture(auth.provider_reference, 1500))
    assert cap.status is OutcomeStatus.SUCCEEDED and cap.amount == 1500
    r1 = await adapter.refund(refund(auth.provider_reference, 500, 1))
    r2 = await adapter.refund(refund(auth.provider_reference, 1000, 2))
    assert r1.status is r2.status is OutcomeStatus.SUCCEEDED
    too_much = await adapter.refund(refund(auth.provider_reference, 1, 3))
    assert too_much.status is OutcomeStatus.FAILED
    assert too_much.failure is not None and too_much.failure.code == FailureCode.INVALID_REQUEST
    assert fake.count(OperationKind.CAPTURE) == 1 and fake.count(OperationKind.REFUND) == 2
    # the refund is found again by its hub id
    found = await adapter.lookup(
        LookupRequest(
            operation_id="op_ref2",
            idempotency_key="op_ref2:refund",
            payment_id="pay_1",
            amount=1000,
            currency="EUR",
            kind=OperationKind.REFUND,
            provider_reference=auth.provider_reference,
            refund_id="re_hub_2",
        )
    )
    assert found.status is OutcomeStatus.SUCCEEDED and found.operation_reference == r2.operation_reference


async def test_purchase_and_void(fake: Fake, adapter: StripeAdapter) -> None:
    purchase = await adapter.authorize(authz(2, fake.approve_method(), capture=True))
    assert purchase.status is OutcomeStatus.SUCCEEDED and purchase.captured
    auth = await adapter.authorize(authz(3, fake.approve_method()))
    assert auth.provider_reference is not None
    void = await adapter.void(
        VoidRequest(
            operation_id="op_v",
            idempotency_key="op_v:void",
            payment_id="pay_3",
            amount=2000,
            currency="EUR",
            provider_reference=auth.provider_reference,
        )
    )
    assert void.status is OutcomeStatus.SUCCEEDED
    late = await adapter.capture(capture(auth.provider_reference, 2000, 9))
    assert late.status is OutcomeStatus.FAILED  # canceled intents cannot be captured


async def test_every_decline_family(fake: Fake, adapter: StripeAdapter) -> None:
    for n, (code, pm) in enumerate(fake.decline_methods().items(), start=10):
        out = await adapter.authorize(authz(n, pm))
        assert out.status is OutcomeStatus.FAILED, code
        assert out.failure is not None and out.failure.decline_code == code
        assert out.failure.provider_code
        assert out.provider_reference is not None and out.provider_reference.startswith("pi_")


async def _browser(client: httpx.AsyncClient, url: str, outcome: str) -> dict[str, str]:
    """The shopper's browser on the fake's hosted 3DS page: load it, press a button, follow back."""
    page = await client.get(url)
    assert page.status_code == 200 and b"3D Secure" in page.content
    back = await client.post(url, data={"outcome": outcome})
    assert back.status_code == 302
    location = back.headers["location"]
    assert location.startswith("https://shop.example/return?")
    return dict(parse_qsl(urlsplit(location).query))


@pytest.mark.parametrize("succeed", [True, False])
async def test_three_ds_redirect(
    fake: Fake, adapter: StripeAdapter, client: httpx.AsyncClient, succeed: bool
) -> None:
    pm = fake.three_ds_method()
    assert pm is not None
    req = authz(20, pm, three_ds=ThreeDS(return_url="https://shop.example/return"))
    first = await adapter.authorize(req)
    assert first.status is OutcomeStatus.REQUIRES_ACTION
    assert first.next_action is not None and first.next_action.url
    params = await _browser(client, first.next_action.url, "succeeded" if succeed else "failed")
    assert params["payment_intent"] == first.provider_reference
    assert params["redirect_status"] == ("succeeded" if succeed else "failed")
    out = await adapter.authenticate(
        AuthenticateRequest(
            operation_id="op_21",
            idempotency_key="op_21:authenticate",
            payment_id="pay_20",
            amount=2000,
            currency="EUR",
            provider_reference=first.provider_reference,
            params=params,
        )
    )
    if succeed:
        assert out.status is OutcomeStatus.SUCCEEDED and not out.captured
    else:
        assert out.status is OutcomeStatus.FAILED
        assert out.failure is not None and out.failure.code == FailureCode.AUTHENTICATION_FAILED


async def test_three_ds_via_complete_challenge(fake: Fake, adapter: StripeAdapter) -> None:
    pm = fake.three_ds_method()
    assert pm is not None
    first = await adapter.authorize(
        authz(22, pm, capture=True, three_ds=ThreeDS(return_url="https://shop/r"))
    )
    assert first.next_action is not None
    params = fake.complete_challenge(first.next_action)
    out = await adapter.authenticate(
        AuthenticateRequest(
            operation_id="op_23",
            idempotency_key="op_23:authenticate",
            payment_id="pay_22",
            amount=2000,
            currency="EUR",
            provider_reference=None,
            params=params,
        )
    )
    assert out.status is OutcomeStatus.SUCCEEDED and out.captured


async def test_idempotent_retry_counted_once(
    fake: Fake, adapter: StripeAdapter, client: httpx.AsyncClient
) -> None:
    req = authz(30, fake.approve_method())
    a = await adapter.authorize(req)
    b = await adapter.authorize(req)
    assert a.provider_reference == b.provider_reference
    assert fake.count(OperationKind.AUTHORIZE) == 1
    # the replay is marked as such
    resp = await client.post(
        "/v1/payment_intents",
        content=b"amount=100&currency=eur",
        headers={
            "Authorization": f"Bearer {fake.world.secret_key}",
            "Idempotency-Key": "raw-1",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    again = await client.post(
        "/v1/payment_intents",
        content=b"amount=100&currency=eur",
        headers={
            "Authorization": f"Bearer {fake.world.secret_key}",
            "Idempotency-Key": "raw-1",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert resp.json()["id"] == again.json()["id"]
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in resp.headers
    # a declined attempt is saved too, and replayed
    decl = authz(31, fake.decline_methods()[DeclineCode.INSUFFICIENT_FUNDS])
    d1 = await adapter.authorize(decl)
    d2 = await adapter.authorize(decl)
    assert d1.provider_reference == d2.provider_reference
    assert fake.count(OperationKind.AUTHORIZE) == 2


async def test_same_key_other_params_is_ambiguous(fake: Fake, adapter: StripeAdapter) -> None:
    await adapter.authorize(authz(40, fake.approve_method()))
    other = await adapter.authorize(authz(40, fake.approve_method(), amount=3000))
    assert other.status is OutcomeStatus.UNKNOWN  # the first request under that key did succeed
    assert other.summary.get("error_type") == "idempotency_error"
    assert fake.count(OperationKind.AUTHORIZE) == 1


async def test_concurrent_same_key_is_409(fake: Fake, adapter: StripeAdapter) -> None:
    fake.processing_delay = 0.05
    req = authz(50, fake.approve_method())
    first, second = await asyncio.gather(adapter.authorize(req), adapter.authorize(req))
    statuses = sorted([first.status, second.status])
    assert statuses == sorted([OutcomeStatus.SUCCEEDED, OutcomeStatus.UNKNOWN])
    assert fake.count(OperationKind.AUTHORIZE) == 1
    again = await adapter.authorize(req)  # the replay now returns the saved result
    assert again.status is OutcomeStatus.SUCCEEDED


async def test_fake_rejects_like_stripe(fake: Fake, client: httpx.AsyncClient) -> None:
    key = fake.world.secret_key
    unknown = await client.post(
        "/v1/payment_intents",
        content=b"amount=100&currency=eur&colour=blue",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "parameter_unknown"
    assert unknown.json()["error"]["param"] == "colour"
    nested = await client.post(
        "/v1/payment_intents",
        content=b"amount=100&currency=eur&payment_method_options[card][colour]=blue",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert nested.json()["error"]["param"] == "payment_method_options[card][colour]"
    noauth = await client.get("/v1/payment_intents/pi_x")
    assert noauth.status_code == 401
    badver = await client.get(
        "/v1/payment_intents/pi_x", headers={"Authorization": f"Bearer {key}", "Stripe-Version": "yesterday"}
    )
    assert badver.status_code == 400
    ok = await client.get(
        "/v1/payment_intents/pi_x",
        headers={"Authorization": f"Bearer {key}", "Stripe-Version": STRIPE_VERSION},
    )
    assert ok.status_code == 404 and ok.json()["error"]["code"] == "resource_missing"
    kwd = await client.post(
        "/v1/payment_intents",
        content=b"amount=1005&currency=kwd",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert kwd.status_code == 400


async def test_bad_key_is_provider_configuration(fake: Fake, client: httpx.AsyncClient) -> None:
    acct = fake.account(BASE)
    wrong = StripeAdapter(
        type(acct)(id=acct.id, adapter="stripe", base_url=BASE, credentials={"secret_key": "sk_test_wrong"}),
        client,
    )
    out = await wrong.authorize(authz(60, fake.approve_method()))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.PROVIDER_CONFIGURATION
    assert fake.count(OperationKind.AUTHORIZE) == 0


async def test_webhooks_from_the_fake_verify(fake: Fake, adapter: StripeAdapter) -> None:
    auth = await adapter.authorize(authz(70, fake.approve_method()))
    assert auth.provider_reference is not None
    await adapter.capture(capture(auth.provider_reference, 2000, 70))
    notes = fake.notifications()
    types = [n.event_type for n in notes]
    assert "payment_intent.amount_capturable_updated" in types and "payment_intent.succeeded" in types
    for note in notes:
        [event] = adapter.parse_webhook(note.headers, note.body)
        assert event.event_id.startswith("evt_")
        # the official SDK accepts the fake's signatures too
        stripe.Webhook.construct_event(
            note.body.decode(), note.headers["stripe-signature"], fake.world.webhook_secret
        )
    captured = [
        adapter.parse_webhook(n.headers, n.body)[0]
        for n in notes
        if n.event_type == "payment_intent.succeeded"
    ]
    assert captured[0].kind is OperationKind.CAPTURE and captured[0].payment_id == "pay_70"
    # resigned stale body is refused, a fresh resign is accepted
    body = notes[-1].body
    stale = fake.resign(body, timestamp=int(time.time()) - 3600)
    with pytest.raises(Exception, match="tolerance"):
        adapter.parse_webhook(stale.headers, stale.body)
    fresh = fake.resign(body)
    assert adapter.parse_webhook(fresh.headers, fresh.body)[0].type == json.loads(body)["type"]


async def test_payouts(fake: Fake, adapter: StripeAdapter) -> None:
    good, bad = fake.payout_destinations()
    outs = []
    for n, dest in enumerate((good, bad)):
        out = await adapter.payout(
            PayoutRequest(
                operation_id=f"op_po{n}",
                idempotency_key=f"op_po{n}:payout",
                payment_id=f"po_hub_{n}",
                amount=5000,
                currency="EUR",
                bank_account=dest,
            )
        )
        assert out.status is OutcomeStatus.PENDING
        outs.append(out)
    assert fake.count(OperationKind.PAYOUT) == 2
    await fake.advance(86400)
    events = [adapter.parse_webhook(n.headers, n.body)[0] for n in fake.notifications()]
    final = {e.payment_id: e for e in events if e.type in ("payout.paid", "payout.failed")}
    assert (
        final["po_hub_0"].outcome is not None and final["po_hub_0"].outcome.status is OutcomeStatus.SUCCEEDED
    )
    failed = final["po_hub_1"].outcome
    assert failed is not None and failed.status is OutcomeStatus.FAILED
    assert failed.failure is not None and failed.failure.decline_code == DeclineCode.INVALID_ACCOUNT
    # and lookup agrees, with or without the payout id
    looked = await adapter.lookup(
        LookupRequest(
            operation_id="op_po1",
            idempotency_key="op_po1:payout",
            payment_id="po_hub_1",
            amount=5000,
            currency="EUR",
            kind=OperationKind.PAYOUT,
        )
    )
    assert looked.status is OutcomeStatus.FAILED
    by_id = await adapter.lookup(
        LookupRequest(
            operation_id="op_po0",
            idempotency_key="op_po0:payout",
            payment_id="po_hub_0",
            amount=5000,
            currency="EUR",
            kind=OperationKind.PAYOUT,
            provider_reference=outs[0].provider_reference,
        )
    )
    assert by_id.status is OutcomeStatus.SUCCEEDED


async def test_lookup_authorize_without_reference(fake: Fake, adapter: StripeAdapter) -> None:
    req = authz(80, fake.approve_method())
    done = await adapter.authorize(req)
    lookup = LookupRequest(
        operation_id="op_80",
        idempotency_key="op_80:authorize",
        payment_id="pay_80",
        amount=2000,
        currency="EUR",
        kind=OperationKind.AUTHORIZE,
    )
    early = await adapter.lookup(lookup)  # Search is eventually consistent: not found yet
    assert early.status is OutcomeStatus.UNKNOWN and early.failure is None
    await fake.advance(60)
    found = await adapter.lookup(
        LookupRequest(
            operation_id="op_80",
            idempotency_key="op_80:authorize",
            payment_id="pay_80",
            amount=2000,
            currency="EUR",
            kind=OperationKind.AUTHORIZE,
        )
    )
    assert found.status is OutcomeStatus.SUCCEEDED and found.provider_reference == done.provider_reference
    # a capture must not rewrite the metadata the authorize lookup searches by
    assert done.provider_reference is not None
    await adapter.capture(capture(done.provider_reference, 2000, 80))
    again = await adapter.lookup(
        LookupRequest(
            operation_id="op_80",
            idempotency_key="op_80:authorize",
            payment_id="pay_80",
            amount=2000,
            currency="EUR",
            kind=OperationKind.AUTHORIZE,
        )
    )
    assert again.provider_reference == done.provider_reference and again.captured


async def test_refund_that_fails_later(fake: Fake, adapter: StripeAdapter) -> None:
    purchase = await adapter.authorize(
        authz(90, PaymentMethod(type="provider_token", token="pm_card_refundFail"), capture=True)
    )
    assert purchase.provider_reference is not None
    first = await adapter.refund(refund(purchase.provider_reference, 2000, 90))
    assert first.status is OutcomeStatus.SUCCEEDED
    await fake.advance(60)
    last = adapter.parse_webhook(fake.notifications()[-1].headers, fake.notifications()[-1].body)[0]
    assert last.type == "refund.failed" and last.refund_id == "re_hub_90"
    assert last.outcome is not None and last.outcome.status is OutcomeStatus.FAILED


def test_form_parsing() -> None:
    from contract_tests.fakes.stripe import parse_form

    parsed = parse_form(b"a=1&m%5Bk%5D=v&o[c][d]=x&l[]=p&l[]=q&e=")
    assert parsed == {"a": "1", "m": {"k": "v"}, "o": {"c": {"d": "x"}}, "l": {"0": "p", "1": "q"}, "e": ""}
