"""`payhub demo` ends with the ledger balances its flow produced."""

from __future__ import annotations

from typing import Any

import httpx

from hub.api.app import create_app
from hub.demo import run_demo
from tests.conftest import ADMIN_KEY


async def test_the_demo_prints_the_ledger_balances(harness: Any, capsys: Any) -> None:
    transport = httpx.ASGITransport(app=create_app(harness.hub, manage_lifecycle=False))
    assert await run_demo("http://hub", ADMIN_KEY, transport=transport) == 0
    out = capsys.readouterr().out
    books = out.split("ledger balances")[1]
    rows = {
        line.split()[0]: line.split()
        for line in books.splitlines()
        if line.startswith("  ") and "EUR" in line
    }
    # captured 25.00 + 60.00 + 25.00 (the dispute card; the 3DS payment stays authorized),
    # refunded 15.00, paid out 12.00; the dispute withdrew 25.00 and, won, gave it back
    assert rows["sales"][-1] == "-11000"
    assert rows["refunds"][-1] == "1500"
    assert rows["payouts"][-1] == "1200"
    assert rows["disputes"][1:] == ["EUR", "2500", "2500", "0"]
    assert rows["provider:sandbox"][-1] == str(11000 - 1500 - 1200)
