"""SEPA camt.053 account statements as settlement lines: a recorded statement (respx) and the fake."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import respx

from adapters.base import BankAccount, Capability, PayoutRequest
from adapters.sepa import SepaAdapter
from adapters.settlement import LineType, ReportError, ReportErrorCode, SettlementLine, SettlementRequest
from contract_tests.fakes import sepa as bank

BASE = "https://bank.test"
RECORDED = (Path(__file__).parent / "statements" / "camt053_two_days.xml").read_bytes()
TWO_DAYS = SettlementRequest(start=datetime(2026, 1, 15, tzinfo=UTC), end=datetime(2026, 1, 17, tzinfo=UTC))


@pytest.fixture
async def mock() -> AsyncIterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


async def read(request: SettlementRequest, fake: bank.Fake | None = None) -> list[list[SettlementLine]]:
    account = (fake or bank.Fake()).account(BASE)
    transport = httpx.ASGITransport(app=fake.app) if fake is not None else None
    async with httpx.AsyncClient(base_url=BASE, transport=transport) as client:
        return [page.lines async for page in SepaAdapter(account, client).settlement_lines(request)]


def xml(body: bytes, status: int = 200) -> httpx.Response:
    return httpx.Response(status, content=body, headers={"content-type": "application/xml"})


async def test_recorded_statement_over_two_days(mock: respx.MockRouter) -> None:
    route = mock.get("/statements").mock(return_value=xml(RECORDED))
    pages = await read(TWO_DAYS)
    assert SepaAdapter.capabilities.supports(Capability.RECONCILIATION)
    assert dict(route.calls[0].request.url.params) == {"from": "2026-01-15", "to": "2026-01-16"}
    assert [len(p) for p in pages] == [2, 4]  # one page per daily statement; the pending entry left out
    lines = {line.line_id: line for page in pages for line in page}
    payout = lines["BK00000001-sub-000001"]
    assert (payout.type, payout.gross, payout.net, payout.currency) == (LineType.BANK_PAYOUT, -2500, -2500, "EUR")
    assert payout.resource_id == "po_01JSEPA0000000000000000001"
    assert payout.operation_id == "op_01JSEPA0000000000000000001"
    assert payout.created_at == datetime(2026, 1, 15, 9, 12, tzinfo=UTC) and payout.status == "BOOK"
    deposit = lines["BKC00000001"]
    assert (deposit.type, deposit.gross) == (LineType.DEPOSIT, 100085)
    assert deposit.description == "STRIPE PAYOUT po_1QaRecon0001"
    assert deposit.summary["debtor_name"] == "STRIPE PAYMENTS EUROPE LTD" and deposit.resource_id is None
    returned = lines["BK00000003-sub-000001"]
    assert (returned.type, returned.gross, returned.resource_id) == (
        LineType.BANK_PAYOUT_RETURN, 2500, "po_01JSEPA0000000000000000001",
    )  # fmt: skip
    assert returned.summary["return_reason"] == "AC04"
    fee = lines["BKF00000004"]
    assert (fee.type, fee.gross, fee.description) == (LineType.FEE, -1500, "Kontofuehrungsgebuehr Januar")
    batch = [lines["BKB00000005/0"], lines["BKB00000005/1"]]
    assert [(x.type, x.gross, x.description) for x in batch] == [
        (LineType.DEPOSIT, 1000, "Rechnung 1"), (LineType.DEPOSIT, 2000, "Rechnung 2"),
    ]  # fmt: skip


async def test_a_window_not_on_day_boundaries(mock: respx.MockRouter) -> None:
    route = mock.get("/statements").mock(return_value=xml(RECORDED))
    morning = SettlementRequest(start=datetime(2026, 1, 15, 10, tzinfo=UTC), end=datetime(2026, 1, 15, 12, tzinfo=UTC))
    pages = await read(morning)
    assert dict(route.calls[0].request.url.params) == {"from": "2026-01-15", "to": "2026-01-15"}
    assert [line.line_id for page in pages for line in page] == ["BKC00000001"]  # by its booking time


@pytest.mark.parametrize(
    "body",
    [
        RECORDED.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>", b"<CdtDbtInd>DEBIT</CdtDbtInd>", 1),  # XSD-invalid
        RECORDED.replace(b"<Acct><Id><IBAN>DE02120300000000202051</IBAN></Id></Acct>", b"", 1),  # Acct required
        RECORDED.replace(b"camt.053.001.08", b"camt.054.001.08"),  # another message
        RECORDED[:500],  # truncated
        b"<html><body>Login</body></html>",
    ],
    ids=["enum", "missing-acct", "namespace", "truncated", "html"],
)
async def test_invalid_statement_is_malformed(mock: respx.MockRouter, body: bytes) -> None:
    mock.get("/statements").mock(return_value=xml(body))
    with pytest.raises(ReportError) as err:
        await read(TWO_DAYS)
    assert err.value.code is ReportErrorCode.MALFORMED


@pytest.mark.parametrize(
    ("effect", "code"),
    [(httpx.Response(401), ReportErrorCode.UNAUTHORIZED), (httpx.Response(503), ReportErrorCode.UNAVAILABLE),
     (httpx.ConnectTimeout("down"), ReportErrorCode.UNAVAILABLE), (httpx.Response(404), ReportErrorCode.MALFORMED)],
)  # fmt: skip
async def test_bank_refuses_or_is_down(mock: respx.MockRouter, effect: object, code: ReportErrorCode) -> None:
    mock.get("/statements").mock(side_effect=[effect])
    with pytest.raises(ReportError) as err:
        await read(TWO_DAYS)
    assert err.value.code is code


# --------------------------------------------------------------------------- against the fake


def _payout(iban: str) -> PayoutRequest:
    op, po = f"op_{uuid.uuid4().hex[:26]}", f"po_{uuid.uuid4().hex[:26]}"
    return PayoutRequest(
        operation_id=op, idempotency_key=f"payhub-{op}", payment_id=po, amount=2500, currency="EUR",
        bank_account=BankAccount(iban=iban, name="Zoë Müller", country="DE"), description="Auszahlung",
        requested_at=datetime.now(UTC),
    )  # fmt: skip


async def test_fake_statements_from_its_books_over_several_days() -> None:
    fake = bank.Fake()
    now = fake.now()
    noon = now.replace(hour=12, minute=0, second=0, microsecond=0) + timedelta(days=1)
    await fake.advance((noon - now).total_seconds())  # the bank's clock at noon: far from a day's end
    async with httpx.AsyncClient(base_url=BASE, transport=httpx.ASGITransport(app=fake.app)) as client:
        adapter = SepaAdapter(fake.account(BASE), client)
        ok, returned = _payout(bank.SUCCEED_IBAN), _payout(bank.RETURN_CLOSED_IBAN)
        for req in (ok, returned):
            await adapter.payout(req)
        await fake.advance(0)  # settled: both debited
        await fake.advance(0)  # the second comes back
        yesterday = fake.now() - timedelta(days=1)
        fake.add_credit(123456, debtor_name="Adyen N.V.", remittance="Adyen payout TX0007EURXT", at=yesterday)
        day_start = fake.now().replace(hour=0, minute=0, second=0, microsecond=0)
        window = SettlementRequest(start=day_start - timedelta(days=1), end=day_start + timedelta(days=1))
        pages = [page.lines async for page in adapter.settlement_lines(window)]
    assert len(pages) == 2  # two daily statements
    assert [(x.type, x.gross) for x in pages[0]] == [(LineType.DEPOSIT, 123456)]
    assert pages[0][0].description == "Adyen payout TX0007EURXT" and pages[0][0].summary["debtor_name"] == "Adyen N.V."
    today = sorted((x.type.value, x.gross, x.resource_id) for x in pages[1])
    assert today == sorted([
        ("bank_payout", -2500, ok.payment_id), ("bank_payout", -2500, returned.payment_id),
        ("bank_payout_return", 2500, returned.payment_id),
    ])  # fmt: skip
    assert all(x.operation_id in (ok.operation_id, returned.operation_id) for x in pages[1])


@pytest.mark.parametrize(
    "query", ["", "from=2026-01-01", "from=2026-01-02&to=2026-01-01", "from=2026-01-01&to=2026-12-31",
              "from=yesterday&to=today", "from=2026-01-01&to=2026-01-02&page=2"],
)  # fmt: skip
async def test_fake_refuses_bad_ranges(query: str) -> None:
    fake = bank.Fake()
    async with httpx.AsyncClient(base_url=BASE, transport=httpx.ASGITransport(app=fake.app)) as client:
        assert (await client.get(f"/statements?{query}")).status_code == 400


async def test_a_statement_of_another_account_is_refused(mock: respx.MockRouter) -> None:
    mock.get("/statements").mock(return_value=xml(RECORDED.replace(b"DE02120300000000202051", b"DE89370400440532013000")))
    with pytest.raises(ReportError) as err:
        await read(TWO_DAYS)
    assert err.value.code is ReportErrorCode.MALFORMED and "another account" in err.value.reason
