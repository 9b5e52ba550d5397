"""CPU per SQL statement: SQLAlchemy Core built per call vs built once, vs raw asyncpg.

The hub's hot path is statement-bound (see docs/benchmarks.md); this prints what one
statement costs in CPU on each path, on a database made for the run (dropped after):

    .venv/bin/python -m benchmarks.statements [--n 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store import tables as t
from hub.store.db import create_engine, migrate

ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


async def _cpu_per_call(n: int, fn: Callable[[int], Awaitable[Any]]) -> float:
    start = time.process_time()
    for i in range(n):
        await fn(i)
    return (time.process_time() - start) / n * 1000


async def main(n: int) -> None:
    name = f"payhub_stmt_{secrets.token_hex(3)}"
    admin = create_async_engine(ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        await migrate(engine)
        now = dt.datetime.now(dt.UTC)
        prebuilt = insert(t.events)

        def row(i: int) -> dict[str, Any]:
            return {"id": f"evt_{i}", "owner": "o", "type": "payment.authorized", "resource_id": "pay_x",
                    "data": {"object": {"id": "pay_x"}}, "created_at": now}  # fmt: skip

        async with engine.connect() as conn:
            await conn.begin()
            built = await _cpu_per_call(n, lambda i: conn.execute(insert(t.events).values(**row(i))))
            once = await _cpu_per_call(n, lambda i: conn.execute(prebuilt, row(n + i)))
            sel = await _cpu_per_call(n, lambda i: conn.execute(select(t.events).where(t.events.c.id == f"evt_{i}")))
            await conn.commit()
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            direct = await _cpu_per_call(n, lambda i: raw.fetchrow("SELECT * FROM events WHERE id = $1", f"evt_{i}"))
        print(f"CPU per statement over {n} statements (ms):")
        print(f"  SQLAlchemy insert(t).values(**row), built per call  {built:.3f}")
        print(f"  SQLAlchemy insert(t) built once, executed with row  {once:.3f}")
        print(f"  SQLAlchemy select(...).where(id == ...)             {sel:.3f}")
        print(f"  raw asyncpg fetchrow (prepared)                      {direct:.3f}")
    finally:
        await engine.dispose()
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=3000)
    asyncio.run(main(parser.parse_args().n))
