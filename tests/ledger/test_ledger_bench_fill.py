"""The benchmark's bulk loader writes ledger rows the library accepts as consistent (so the
balance-read figures of `make bench` are read from a ledger `verify` would call sound)."""

from __future__ import annotations

import ledger
from benchmarks.ledger import _fill
from hub.store.db import create_engine, migrate
from tests.conftest import pg_url, reset_pg


async def test_bulk_filled_ledger_is_balanced_and_its_stripes_sum(pg_database: str) -> None:
    url = pg_url(pg_database)
    engine = create_engine(url)
    try:
        await migrate(engine)
        await reset_pg(url)
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        await _fill(dsn, 0, 1000, "provider:small", batch=300)
        await _fill(dsn, 1000, 3000, "provider:large", batch=700)
        async with engine.connect() as conn:
            assert await ledger.first_discrepancy(conn) is None
            small = await ledger.account_balances(conn, "provider:small")
            sales = await ledger.account_balances(conn, "sales")
        assert small[0].balance == sum(1000 + g % 9000 for g in range(10_000_000_001, 10_000_001_001))
        assert sales[0].credits == sum(1000 + g % 9000 for g in range(10_000_000_001, 10_000_003_001))
    finally:
        await engine.dispose()
