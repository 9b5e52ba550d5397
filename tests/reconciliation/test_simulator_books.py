"""The simulator's balance transactions: Stripe-like paging and strict parameters, and the
adapter's settlement lines read from them (no hub involved)."""

from __future__ import annotations

import datetime as dt
import time

import httpx
import pytest

from adapters.base import Account
from adapters.settlement import LineType, ReportError, ReportErrorCode, SettlementRequest
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import client_for, create_app, sim_state
from adapters.simulator.books import TxnIn, fee_for


def _app_with_lines(n: int, api_key: str | None = None) -> tuple[object, list[str]]:
    app = create_app(api_key=api_key)
    books = sim_state(app).books
    now = int(time.time())
    ids = [
        books.inject(TxnIn(amount=100 + i, created=now - n + i, metadata={"payment_id": f"pay_{i}"})).id
        for i in range(n)
    ]
    return app, ids


async def test_pages_newest_first_with_starting_after_and_created_bounds() -> None:
    app, ids = _app_with_lines(5)
    async with client_for(app) as c:
        r = await c.get("/v1/balance_transactions", params={"limit": 2})
        page = r.json()
        assert [t["id"] for t in page["data"]] == [ids[4], ids[3]] and page["has_more"] is True
        r = await c.get("/v1/balance_transactions", params={"limit": 2, "starting_after": ids[3]})
        assert [t["id"] for t in r.json()["data"]] == [ids[2], ids[1]]
        created = [t["created"] for t in page["data"]]
        r = await c.get(
            "/v1/balance_transactions", params={"created[gte]": created[1], "created[lt]": created[0]}
        )
        assert [t["id"] for t in r.json()["data"]] == [ids[3]]
        assert r.json()["data"][0]["fee"] == fee_for(103) and r.json()["data"][0]["net"] == 103 - fee_for(103)


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"created": "1"}, 400, "parameter_unknown"),
        ({"limit": "0"}, 400, "parameter_invalid"),
        ({"limit": "101"}, 400, "parameter_invalid"),
        ({"created[gte]": "soon"}, 400, "parameter_invalid"),
        ({"starting_after": "txn_nope"}, 404, "resource_missing"),
    ],
)
async def test_bad_parameters_are_refused(params: dict[str, str], status: int, code: str) -> None:
    app, _ = _app_with_lines(1)
    async with client_for(app) as c:
        r = await c.get("/v1/balance_transactions", params=params)
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text


async def test_the_adapter_reads_every_line_of_the_window_page_by_page() -> None:
    app, ids = _app_with_lines(7, api_key="sk_sim_1")
    now = dt.datetime.now(dt.UTC)
    request = SettlementRequest(
        start=now - dt.timedelta(minutes=5), end=now + dt.timedelta(seconds=1), page_size=3
    )
    async with client_for(app) as c:
        adapter = SimulatorAdapter(Account(id="sandbox", adapter="simulator", base_url="http://sim",
                                           credentials={"api_key": "sk_sim_1"}), c)  # fmt: skip
        pages = [p async for p in adapter.settlement_lines(request)]
        assert [len(p.lines) for p in pages] == [3, 3, 1]
        lines = [x for p in pages for x in p.lines]
        assert sorted(x.line_id for x in lines) == sorted(ids)
        first = next(x for x in lines if x.line_id == ids[0])
        assert (first.type, first.gross, first.fee, first.resource_id) == (
            LineType.CHARGE,
            100,
            fee_for(100),
            "pay_0",
        )
        wrong = SimulatorAdapter(Account(id="s", adapter="simulator", base_url="http://sim",
                                         credentials={"api_key": "sk_other"}), c)  # fmt: skip
        with pytest.raises(ReportError) as err:
            [p async for p in wrong.settlement_lines(request)]
        assert err.value.code == ReportErrorCode.UNAUTHORIZED


async def test_a_transport_failure_is_report_unavailable() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with httpx.AsyncClient(transport=httpx.MockTransport(boom), base_url="http://sim") as c:
        adapter = SimulatorAdapter(Account(id="s", adapter="simulator", base_url="http://sim"), c)
        now = dt.datetime.now(dt.UTC)
        with pytest.raises(ReportError) as err:
            [p async for p in adapter.settlement_lines(SettlementRequest(start=now, end=now))]
        assert err.value.code == ReportErrorCode.UNAVAILABLE
