"""Stripe balance transactions as settlement lines: recorded replies (respx) and the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from stripe_helpers import BASE, SECRET_KEY, account, reply

from adapters.base import Account, Capability, CaptureRequest, PayoutRequest, RefundRequest
from adapters.settlement import LineType, ReportError, ReportErrorCode, SettlementLine, SettlementRequest
from adapters.stripe import StripeAdapter
from contract_tests.fakes.stripe import Fake

START = datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = SettlementRequest(start=START, end=START + timedelta(days=1), page_size=3)


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def adapter() -> AsyncIterator[StripeAdapter]:
    async with httpx.AsyncClient(base_url=BASE) as client:
        yield StripeAdapter(account(), client)


async def read_all(adapter: StripeAdapter, request: SettlementRequest = WINDOW) -> list[list[SettlementLine]]:
    return [page.lines async for page in adapter.settlement_lines(request)]


async def test_pages_are_followed_with_starting_after(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    route = mock.get("/v1/balance_transactions").mock(
        side_effect=[reply("balance_transactions_page1"), reply("balance_transactions_page2"),
                     reply("balance_transactions_page3")]
    )  # fmt: skip
    pages = await read_all(adapter)
    assert StripeAdapter.capabilities.supports(Capability.RECONCILIATION)
    assert [len(p) for p in pages] == [2, 3, 6]
    first, second, third = (call.request for call in route.calls)
    assert first.headers["authorization"] == f"Bearer {SECRET_KEY}"
    params = first.url.params
    assert params["created[gte]"] == str(int(START.timestamp()))
    assert params["created[lt]"] == str(int(START.timestamp()) + 86400)
    assert params["limit"] == "3" and params.get_list("expand[]") == ["data.source"]
    assert "starting_after" not in params
    assert second.url.params["starting_after"] == "txn_3QaRecon0004"
    assert third.url.params["starting_after"] == "txn_1QaRecon0008"


async def test_each_type_family_is_mapped(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/balance_transactions").mock(
        side_effect=[reply("balance_transactions_page1"), reply("balance_transactions_page2"),
                     reply("balance_transactions_page3")]
    )  # fmt: skip
    lines = {line.line_id: line for page in await read_all(adapter) for line in page}
    charge = lines["txn_3QaRecon0004"]
    assert (charge.type, charge.gross, charge.fee, charge.net, charge.currency) == (LineType.CHARGE, 2000, 88, 1912, "EUR")
    assert charge.provider_reference == "ch_3QaRecon0001" and charge.parent_reference == "pi_3QaRecon0001"
    assert charge.resource_id == "pay_01JRECON0001" and charge.operation_id is None
    assert charge.created_at == START + timedelta(seconds=4000) and charge.description == "Order 42"
    refund = lines["txn_3QaRecon0005"]
    assert (refund.type, refund.gross, refund.fee) == (LineType.REFUND, -500, 0)
    assert refund.provider_reference == "re_3QaRecon0001" and refund.parent_reference == "pi_3QaRecon0001"
    assert (refund.resource_id, refund.operation_id) == ("re_01JRECONREF1", "op_01JRECONREF1")
    assert lines["txn_3QaRecon0006"].type is LineType.REFUND_FAILURE and lines["txn_3QaRecon0006"].gross == 500
    assert lines["txn_3QaRecon0003"].type is LineType.CHARGE  # a py_ payment
    dispute = lines["txn_1QaRecon0009"]
    assert (dispute.type, dispute.gross, dispute.fee, dispute.net) == (LineType.DISPUTE, -1000, 1500, -2500)
    assert dispute.provider_reference == "du_1QaRecon0001" and dispute.parent_reference == "pi_3QaRecon0002"
    assert lines["txn_1QaRecon0008"].type is LineType.DISPUTE_REVERSAL
    payout = lines["txn_1QaRecon0007"]
    assert (payout.type, payout.gross, payout.provider_reference) == (LineType.PAYOUT, -1412, "po_1QaRecon0001")
    assert payout.resource_id == "po_01JRECONPO1"
    assert lines["txn_1QaRecon0006"].type is LineType.PAYOUT_REVERSAL
    fee = lines["txn_1QaRecon0005"]
    assert (fee.type, fee.gross, fee.provider_reference) == (LineType.FEE, -200, "ch_1QaBillingX")
    assert lines["txn_1QaRecon0004"].type is LineType.ADJUSTMENT
    other = lines["txn_1QaRecon0003"]
    assert other.type is LineType.OTHER and other.provider_type == "climate_order_purchase"


@pytest.mark.parametrize("status", [401, 403])
async def test_refused_key_is_unauthorized(mock: respx.MockRouter, adapter: StripeAdapter, status: int) -> None:
    mock.get("/v1/balance_transactions").mock(return_value=reply("error_401", status))
    with pytest.raises(ReportError) as err:
        await read_all(adapter)
    assert err.value.code is ReportErrorCode.UNAUTHORIZED


@pytest.mark.parametrize(
    "effect",
    [httpx.Response(500, json={"error": {"type": "api_error"}}), httpx.ReadTimeout("slow"),
     httpx.ConnectError("refused"), httpx.Response(429, json={"error": {"type": "rate_limit"}})],
)  # fmt: skip
async def test_outage_is_unavailable(mock: respx.MockRouter, adapter: StripeAdapter, effect: object) -> None:
    mock.get("/v1/balance_transactions").mock(side_effect=[effect])
    with pytest.raises(ReportError) as err:
        await read_all(adapter)
    assert err.value.code is ReportErrorCode.UNAVAILABLE


async def test_outage_on_a_later_page_fails_the_read(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/balance_transactions").mock(
        side_effect=[reply("balance_transactions_page1"), httpx.Response(502, text="bad gateway")]
    )
    pages = []
    with pytest.raises(ReportError) as err:
        async for page in adapter.settlement_lines(WINDOW):
            pages.append(page)
    assert len(pages) == 1 and err.value.code is ReportErrorCode.UNAVAILABLE


@pytest.mark.parametrize(
    "body", [b"<html>maintenance</html>", b'{"object": "list"}', None], ids=["html", "no-data", "bad-amount"]
)
async def test_malformed_body(mock: respx.MockRouter, adapter: StripeAdapter, body: bytes | None) -> None:
    response = reply("balance_transactions_malformed") if body is None else httpx.Response(200, content=body)
    mock.get("/v1/balance_transactions").mock(return_value=response)
    with pytest.raises(ReportError) as err:
        await read_all(adapter)
    assert err.value.code is ReportErrorCode.MALFORMED


async def test_refused_request_is_malformed_with_stripes_reason(mock: respx.MockRouter, adapter: StripeAdapter) -> None:
    mock.get("/v1/balance_transactions").mock(return_value=reply("error_400_parameter_unknown", 400))
    with pytest.raises(ReportError) as err:
        await read_all(adapter)
    assert err.value.code is ReportErrorCode.MALFORMED and "400" in err.value.reason


async def test_no_secret_key_is_not_configured() -> None:
    acct = account()
    bare = Account(id=acct.id, adapter="stripe", base_url=BASE, credentials={})
    async with httpx.AsyncClient(base_url=BASE) as client:
        with pytest.raises(ReportError) as err:
            await read_all(StripeAdapter(bare, client))
    assert err.value.code is ReportErrorCode.NOT_CONFIGURED


# --------------------------------------------------------------------------- against the fake

FAKE = "https://stripe.fake"


@pytest.fixture
def fake() -> Fake:
    return Fake()


@pytest.fixture
async def fake_client(fake: Fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url=FAKE) as c:
        yield c


def _now_window(page_size: int = 2) -> SettlementRequest:
    now = datetime.now(UTC)
    return SettlementRequest(start=now - timedelta(hours=1), end=now + timedelta(hours=1), page_size=page_size)


async def test_fake_books_charges_refunds_and_payouts(fake: Fake, fake_client: httpx.AsyncClient) -> None:
    from test_stripe_fake_e2e import authz

    adapter = StripeAdapter(fake.account(FAKE), fake_client)
    auth = await adapter.authorize(authz(1, fake.approve_method()))
    assert auth.provider_reference
    await adapter.capture(CaptureRequest(operation_id="op_c", idempotency_key="op_c:capture", payment_id="pay_1",
                                         amount=1500, currency="EUR", provider_reference=auth.provider_reference))  # fmt: skip
    await adapter.refund(RefundRequest(operation_id="op_r", idempotency_key="op_r:refund", payment_id="pay_1",
                                       amount=400, currency="EUR", provider_reference=auth.provider_reference,
                                       refund_id="re_hub_1"))  # fmt: skip
    destination, _ = fake.payout_destinations()
    await adapter.payout(PayoutRequest(operation_id="op_p", idempotency_key="op_p:payout", payment_id="po_hub_1",
                                       amount=700, currency="EUR", bank_account=destination))  # fmt: skip
    pages = [page.lines async for page in adapter.settlement_lines(_now_window(page_size=2))]
    assert [len(p) for p in pages] == [2, 1]  # paged by 2
    by_type = {line.type: line for page in pages for line in page}
    charge = by_type[LineType.CHARGE]
    assert (charge.gross, charge.fee, charge.net) == (1500, 74, 1426)
    assert charge.parent_reference == auth.provider_reference and charge.resource_id == "pay_1"
    refund = by_type[LineType.REFUND]
    assert (refund.gross, refund.resource_id, refund.parent_reference) == (-400, "re_hub_1", auth.provider_reference)
    payout = by_type[LineType.PAYOUT]
    assert (payout.gross, payout.resource_id) == (-700, "po_hub_1")
    # outside the window: nothing
    later = SettlementRequest(start=datetime.now(UTC) + timedelta(hours=2), end=datetime.now(UTC) + timedelta(hours=3))
    assert [p.lines async for p in adapter.settlement_lines(later)] == [[]]


async def test_fake_books_disputes(fake: Fake, fake_client: httpx.AsyncClient) -> None:
    from test_stripe_fake_e2e import authz

    adapter = StripeAdapter(fake.account(FAKE), fake_client)
    auth = await adapter.authorize(authz(2, fake.approve_method(), capture=True))
    assert auth.provider_reference
    dispute = fake.disputes.open(auth.provider_reference)
    fake.disputes.decide(dispute["id"], won=True)
    lines = [line for p in [p async for p in adapter.settlement_lines(_now_window(100))] for line in p.lines]
    kinds = sorted((line.type.value, line.gross) for line in lines)
    assert kinds == [("charge", 2000), ("dispute", -2000), ("dispute_reversal", 2000)]
    assert all(line.parent_reference == auth.provider_reference for line in lines)


@pytest.mark.parametrize(
    ("query", "code"),
    [("limit=101", "parameter_invalid_integer"), ("limit=0", "parameter_invalid_integer"),
     ("created[after]=1", "parameter_unknown"), ("order=asc", "parameter_unknown"),
     ("starting_after=txn_nope", "resource_missing"), ("created[gte]=soon", "parameter_invalid_integer")],
)  # fmt: skip
async def test_fake_refuses_what_stripe_refuses(fake: Fake, fake_client: httpx.AsyncClient, query: str, code: str) -> None:
    key = fake.account(FAKE).credentials["secret_key"]
    r = await fake_client.get(f"/v1/balance_transactions?{query}", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 400 and r.json()["error"]["code"] == code


async def test_fake_checks_the_key(fake: Fake, fake_client: httpx.AsyncClient) -> None:
    r = await fake_client.get("/v1/balance_transactions", headers={"Authorization": "Bearer sk_test_wrong"})
    assert r.status_code == 401
    acct = fake.account(FAKE)
    wrong = Account(id=acct.id, adapter="stripe", base_url=FAKE, credentials={**acct.credentials, "secret_key": "sk_test_x"})
    with pytest.raises(ReportError) as err:
        [p async for p in StripeAdapter(wrong, fake_client).settlement_lines(_now_window())]
    assert err.value.code is ReportErrorCode.UNAUTHORIZED


async def test_fake_discrepancies_show_in_the_books(fake: Fake, fake_client: httpx.AsyncClient) -> None:
    from test_stripe_fake_e2e import authz

    adapter = StripeAdapter(fake.account(FAKE), fake_client)
    kept = await adapter.authorize(authz(3, fake.approve_method(), capture=True))
    lost = await adapter.authorize(authz(4, fake.approve_method(), capture=True))
    charges = {t["source"]: t for t in fake.balance.transactions if t["type"] == "charge"}
    kept_charge, lost_charge = (next(s for s, t in charges.items() if fake.balance._sources[t["id"]]["payment_intent"] == o.provider_reference) for o in (kept, lost))  # fmt: skip
    fake.balance.alter(kept_charge, 1999)
    fake.balance.drop(lost_charge)
    lines = [x for p in [p async for p in adapter.settlement_lines(_now_window(100))] for x in p.lines]
    assert [(x.parent_reference, x.gross, x.net) for x in lines] == [(kept.provider_reference, 1999, 1999 - 88)]
