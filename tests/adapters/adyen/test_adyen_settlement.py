"""Adyen's Settlement details report as settlement lines: recorded CSVs (respx) and the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx
from adyen_helpers import BASE_URL, MERCHANT, account

from adapters.adyen import AdyenAdapter
from adapters.base import Account, AuthorizeRequest, Capability, CaptureRequest, RefundRequest
from adapters.settlement import LineType, ReportError, ReportErrorCode, SettlementLine, SettlementRequest
from contract_tests.fakes.adyen import Fake

REPORTS = Path(__file__).parent / "reports"
REPORT_BASE = "https://ca-test.adyen.com"
USER, PASSWORD = "report@Company.PayhubCompany", "s3cret-report-pw"
JAN = SettlementRequest(start=datetime(2026, 1, 15, tzinfo=UTC), end=datetime(2026, 1, 17, tzinfo=UTC))
MARCH = SettlementRequest(start=datetime(2026, 3, 28, tzinfo=UTC), end=datetime(2026, 3, 30, tzinfo=UTC))


def url(n: int, merchant: str = MERCHANT) -> str:
    return f"{REPORT_BASE}/reports/download/MerchantAccount/{merchant}/settlement_detail_report_batch_{n}.csv"


def csv_reply(name: str) -> httpx.Response:
    return httpx.Response(200, content=(REPORTS / name).read_bytes(), headers={"content-type": "text/csv"})


def report_account(**settings: object) -> Account:
    base = account(**settings)
    creds = {**base.credentials, "report_username": USER, "report_password": PASSWORD}
    return Account(id=base.id, adapter="adyen", base_url=base.base_url, credentials=creds, settings=base.settings)


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


async def read(acct: Account, request: SettlementRequest) -> list[tuple[list[SettlementLine], str | None]]:
    async with httpx.AsyncClient(base_url=BASE_URL) as client:
        return [(p.lines, p.cursor) async for p in AdyenAdapter(acct, client).settlement_lines(request)]


async def test_batches_in_order_up_to_the_first_404(mock: respx.MockRouter) -> None:
    b7 = mock.get(url(7)).mock(return_value=csv_reply("settlement_detail_report_batch_7.csv"))
    b8 = mock.get(url(8)).mock(return_value=csv_reply("settlement_detail_report_batch_8.csv"))
    b9 = mock.get(url(9)).mock(return_value=httpx.Response(404, text="HTTP Status 404"))
    wide = SettlementRequest(start=JAN.start, end=MARCH.end)
    pages = await read(report_account(report_batch_start=7), wide)
    assert AdyenAdapter.capabilities.supports(Capability.RECONCILIATION)
    assert [(len(lines), cursor) for lines, cursor in pages] == [(12, "8"), (4, "9")]
    assert b7.called and b8.called and b9.called
    sent = b7.calls[0].request
    assert sent.headers["authorization"].startswith("Basic ")
    assert httpx.BasicAuth(USER, PASSWORD)._auth_header == sent.headers["authorization"]


async def test_request_cursor_overrides_the_batch_start(mock: respx.MockRouter) -> None:
    mock.get(url(7)).mock(return_value=csv_reply("settlement_detail_report_batch_7.csv"))
    b8 = mock.get(url(8)).mock(return_value=csv_reply("settlement_detail_report_batch_8.csv"))
    mock.get(url(9)).mock(return_value=httpx.Response(404))
    request = SettlementRequest(start=MARCH.start, end=MARCH.end, cursor="8")
    pages = await read(report_account(report_batch_start=7), request)
    assert b8.called and [c for _, c in pages] == ["9"]


async def test_nothing_closed_yet(mock: respx.MockRouter) -> None:
    mock.get(url(1)).mock(return_value=httpx.Response(404))
    assert await read(report_account(), JAN) == []


async def test_record_types_amounts_and_references(mock: respx.MockRouter) -> None:
    mock.get(url(7)).mock(return_value=csv_reply("settlement_detail_report_batch_7.csv"))
    mock.get(url(8)).mock(return_value=httpx.Response(404))
    [(lines, _)] = await read(report_account(report_batch_start=7), JAN)
    by = {(line.provider_type, line.currency): line for line in lines}
    settled = by["Settled", "EUR"]
    assert (settled.type, settled.gross, settled.fee, settled.net) == (LineType.CHARGE, 2000, 49, 1951)
    assert settled.provider_reference == "8815000000000001" and settled.resource_id == "pay_01JADYEN0001"
    assert settled.created_at == datetime(2026, 1, 15, 9, 26, 49, tzinfo=UTC)  # CET = UTC+1
    jpy = by["Settled", "JPY"]
    assert (jpy.gross, jpy.fee, jpy.net) == (1500, 45, 1455)  # JPY: exponent 0
    refund = by["Refunded", "EUR"]
    assert (refund.type, refund.gross, refund.fee) == (LineType.REFUND, -500, 0)
    assert (refund.provider_reference, refund.parent_reference, refund.resource_id) == (
        "8835000000000001", "8815000000000001", "re_01JADYENREF1",
    )  # fmt: skip
    chargeback = by["Chargeback", "EUR"]
    assert (chargeback.type, chargeback.gross, chargeback.fee, chargeback.net) == (LineType.DISPUTE, -34999, 750, -35749)
    assert chargeback.parent_reference == "8815000000000002"
    assert by["ChargebackReversed", "EUR"].type is LineType.DISPUTE_REVERSAL
    assert by["RefundedReversed", "EUR"].type is LineType.REFUND_FAILURE and by["RefundedReversed", "EUR"].gross == 300
    fee = by["Fee", "EUR"]
    assert (fee.type, fee.gross, fee.fee, fee.description) == (LineType.FEE, -20, 0, "Transaction Fees January 2026")
    assert by["InvoiceDeduction", "EUR"].type is LineType.FEE
    payout = by["MerchantPayout", "EUR"]
    assert (payout.type, payout.gross, payout.provider_reference) == (LineType.PAYOUT, -641, "TX0007EURXT")
    assert by["DepositCorrection", "EUR"].type is LineType.ADJUSTMENT and by["DepositCorrection", "EUR"].gross == 1000
    assert by["Balancetransfer", "EUR"].type is LineType.ADJUSTMENT
    assert by["FancyNewType", "EUR"].type is LineType.OTHER
    # the record of 2026-01-14 23:59:59 CET (22:59:59Z) is outside the window
    assert "8815000000000009" not in {line.provider_reference for line in lines}
    assert len({line.line_id for line in lines}) == len(lines)


async def test_shuffled_columns_and_time_zones_across_dst(mock: respx.MockRouter) -> None:
    mock.get(url(8)).mock(return_value=csv_reply("settlement_detail_report_batch_8.csv"))
    mock.get(url(9)).mock(return_value=httpx.Response(404))
    [(lines, _)] = await read(report_account(report_batch_start=8), MARCH)
    times = [line.created_at.astimezone(UTC) for line in lines]
    assert times == [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 Europe/Amsterdam, still CET
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 Europe/Amsterdam, now CEST
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # 03:30 CEST
        datetime(2026, 3, 29, 2, 0, tzinfo=UTC),
    ]
    assert [(line.gross, line.fee, line.net) for line in lines[:3]] == [(1000, 30, 970)] * 3
    assert lines[3].resource_id == 'pay_01JADYEN0013, order "13"' and lines[3].gross == 100000


async def test_a_large_batch_is_streamed_in_pages(mock: respx.MockRouter) -> None:
    mock.get(url(7)).mock(return_value=csv_reply("settlement_detail_report_batch_7.csv"))
    mock.get(url(8)).mock(return_value=httpx.Response(404))
    request = SettlementRequest(start=JAN.start, end=JAN.end, page_size=5)
    pages = await read(report_account(report_batch_start=7), request)
    assert [(len(lines), cursor) for lines, cursor in pages] == [(5, "7"), (5, "7"), (2, "8")]


HEADER = (REPORTS / "settlement_detail_report_batch_7.csv").read_text().splitlines()[0]
ROW = (REPORTS / "settlement_detail_report_batch_7.csv").read_text().splitlines()[1]


@pytest.mark.parametrize(
    "body",
    [
        HEADER.replace("Net Credit (NC)", "Net Kredit") + "\n" + ROW,  # a required column missing
        HEADER + "\n" + ROW.replace(",20.00,", ",20.OO,"),  # not a decimal
        HEADER + "\n" + ROW.replace(",20.00,", ",20.001,"),  # more decimals than EUR has
        HEADER + "\n" + ROW.replace(",CET,", ",Mars/Olympus,"),  # no such time zone
        HEADER + "\n" + ROW.replace("2026-01-15 10:26:49", "15/01/2026"),
        HEADER + "\n" + ROW + ',"unterminated',
        HEADER + "\n" + ROW + ",extra,fields,beyond,the,header",
        "",
        "<html><body>Log in</body></html>",
    ],
    ids=["header", "decimal", "precision", "zone", "date", "quote", "width", "empty", "html"],
)
async def test_malformed_report(mock: respx.MockRouter, body: str) -> None:
    mock.get(url(1)).mock(return_value=httpx.Response(200, content=body.encode()))
    with pytest.raises(ReportError) as err:
        await read(report_account(), JAN)
    assert err.value.code is ReportErrorCode.MALFORMED


@pytest.mark.parametrize(
    ("effect", "code"),
    [(httpx.Response(401), ReportErrorCode.UNAUTHORIZED), (httpx.Response(403), ReportErrorCode.UNAUTHORIZED),
     (httpx.Response(503), ReportErrorCode.UNAVAILABLE), (httpx.ReadTimeout("slow"), ReportErrorCode.UNAVAILABLE)],
)  # fmt: skip
async def test_refused_or_unreachable(mock: respx.MockRouter, effect: object, code: ReportErrorCode) -> None:
    mock.get(url(1)).mock(side_effect=[effect])
    with pytest.raises(ReportError) as err:
        await read(report_account(), JAN)
    assert err.value.code is code


async def test_without_report_credentials_not_configured_but_account_valid() -> None:
    plain = account()
    assert AdyenAdapter.validate_account(plain) == []
    with pytest.raises(ReportError) as err:
        await read(plain, JAN)
    assert err.value.code is ReportErrorCode.NOT_CONFIGURED
    half = Account(id="a", adapter="adyen", base_url=BASE_URL,
                   credentials={**plain.credentials, "report_username": USER}, settings={"report_batch_start": 0})  # fmt: skip
    problems = AdyenAdapter.validate_account(half)
    assert any("report_password" in p for p in problems) and any("report_batch_start" in p for p in problems)


# --------------------------------------------------------------------------- against the fake

FAKE = "https://adyen.fake.invalid"


@pytest.fixture
def fake() -> Fake:
    return Fake()


@pytest.fixture
async def client(fake: Fake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=fake.app), base_url=FAKE) as c:
        yield c


def _now() -> SettlementRequest:
    now = datetime.now(UTC)
    return SettlementRequest(start=now - timedelta(hours=1), end=now + timedelta(hours=1))


async def test_fake_serves_batches_from_its_own_books(fake: Fake, client: httpx.AsyncClient) -> None:
    adapter = AdyenAdapter(fake.account(FAKE), client)
    auth = await adapter.authorize(
        AuthorizeRequest(operation_id="op_1", idempotency_key="k1", payment_id="pay_1", amount=2000,
                         currency="EUR", payment_method=fake.approve_method())
    )  # fmt: skip
    assert auth.provider_reference
    await adapter.capture(CaptureRequest(operation_id="op_2", idempotency_key="k2", payment_id="pay_1",
                                         amount=2000, currency="EUR", provider_reference=auth.provider_reference))  # fmt: skip
    await fake.advance(1)
    assert fake.reports.close_batch() == 1
    await adapter.refund(RefundRequest(operation_id="op_3", idempotency_key="k3", payment_id="pay_1", amount=500,
                                       currency="EUR", provider_reference=auth.provider_reference, refund_id="re_1"))  # fmt: skip
    await fake.advance(1)
    assert fake.reports.close_batch() == 2
    pages = [(p.lines, p.cursor) async for p in adapter.settlement_lines(_now())]
    assert [c for _, c in pages] == ["2", "3"]
    lines = [line for batch, _ in pages for line in batch]
    settled = next(x for x in lines if x.type is LineType.CHARGE)
    assert (settled.gross, settled.fee, settled.net) == (2000, 34, 1966)
    assert (settled.provider_reference, settled.resource_id) == (auth.provider_reference, "pay_1")
    refund = next(x for x in lines if x.type is LineType.REFUND)
    assert (refund.gross, refund.resource_id, refund.parent_reference) == (-500, "re_1", auth.provider_reference)
    assert {x.type for x in lines} >= {LineType.FEE, LineType.PAYOUT}
    # a later run goes on from the remembered batch: nothing new yet
    later = SettlementRequest(start=_now().start, end=_now().end, cursor="3")
    assert [p async for p in adapter.settlement_lines(later)] == []


async def test_fake_checks_the_report_user(fake: Fake, client: httpx.AsyncClient) -> None:
    fake.reports.close_batch()
    acct = fake.account(FAKE)
    path = f"/reports/download/MerchantAccount/{acct.credentials['merchant_account']}/settlement_detail_report_batch_1.csv"
    assert (await client.get(path)).status_code == 401
    assert (await client.get(path, auth=(fake.reports.username, "wrong"))).status_code == 401
    assert (await client.get(path, auth=(fake.reports.username, fake.reports.password))).status_code == 200
    other = path.replace(acct.credentials["merchant_account"], "SomeoneElse")
    assert (await client.get(other, auth=(fake.reports.username, fake.reports.password))).status_code == 403
    unknown = path.replace("batch_1", "batch_2")
    assert (await client.get(unknown, auth=(fake.reports.username, fake.reports.password))).status_code == 404
    wrong = Account(id=acct.id, adapter="adyen", base_url=FAKE, settings=acct.settings,
                    credentials={**acct.credentials, "report_password": "nope"})  # fmt: skip
    with pytest.raises(ReportError) as err:
        [p async for p in AdyenAdapter(wrong, client).settlement_lines(_now())]
    assert err.value.code is ReportErrorCode.UNAUTHORIZED


@pytest.mark.parametrize(
    ("local", "zone", "utc"),
    [
        ("2026-10-25 02:30:00", "CEST", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # before falling back
        ("2026-10-25 02:30:00", "CET", datetime(2026, 10, 25, 1, 30, tzinfo=UTC)),  # the same wall time after
        ("2026-10-25 02:30:00", "Europe/Amsterdam", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),  # first of the two
        ("2026-07-01 12:00:00", "Europe/Amsterdam", datetime(2026, 7, 1, 10, 0, tzinfo=UTC)),
        ("2026-07-01 12:00:00", "BST", datetime(2026, 7, 1, 11, 0, tzinfo=UTC)),
        ("2026-07-01 12:00:00", "America/New_York", datetime(2026, 7, 1, 16, 0, tzinfo=UTC)),
        ("2026-01-01 00:00:00", "UTC", datetime(2026, 1, 1, tzinfo=UTC)),
    ],
)
def test_creation_date_in_its_time_zone(local: str, zone: str, utc: datetime) -> None:
    from adapters.adyen.report_csv import creation_date

    assert creation_date(local, zone) == utc


async def test_records_of_another_merchant_account_are_left_out(mock: respx.MockRouter) -> None:
    text = (REPORTS / "settlement_detail_report_batch_7.csv").read_text()
    header, first, *_ = text.splitlines()
    other = first.replace(",PayhubECOM,", ",OtherShopECOM,").replace("8815000000000001", "8815000000000077")
    mock.get(url(1)).mock(return_value=httpx.Response(200, content="\n".join([header, first, other]).encode()))
    mock.get(url(2)).mock(return_value=httpx.Response(404))
    [(lines, _)] = await read(report_account(), JAN)
    assert [line.provider_reference for line in lines] == ["8815000000000001"]


async def test_fake_books_can_lose_a_record(fake: Fake, client: httpx.AsyncClient) -> None:
    adapter = AdyenAdapter(fake.account(FAKE), client)
    auth = await adapter.authorize(
        AuthorizeRequest(operation_id="op_1", idempotency_key="k1", payment_id="pay_1", amount=1000,
                         currency="EUR", capture=True, payment_method=fake.approve_method())
    )  # fmt: skip
    assert auth.provider_reference
    fake.reports.drop(auth.provider_reference)
    fake.close_books()
    lines = [x for p in [p async for p in adapter.settlement_lines(_now())] for x in p.lines]
    assert not [x for x in lines if x.type is LineType.CHARGE]
