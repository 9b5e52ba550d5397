"""What ONE payment does in the database: every statement, grouped by transaction.

    .venv/bin/python -m benchmarks.trace [--database-url URL] [--payments 300] [--capture automatic]

Runs the hub in process (the simulator in process too) on a database made for the run
(PostgreSQL by default, dropped after), makes ``--payments`` warm-up payments, then traces
one more: prints each transaction's statements (first line of the SQL) and the count. It
ends with the process CPU per payment over the warm-up (hub + in-process simulator + the
ASGI client: a relative figure for before/after comparisons of the hot path, not the
served one that ``make bench`` reports).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
ADMIN_KEY = "ph_test_trace_admin_key_0000000000000000"
TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
"""
PAYMENT: dict[str, Any] = {
    "amount": 1099,
    "currency": "EUR",
    "capture": "manual",
    "payment_method": {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                 "exp_year": 2034, "cvc": "123"}},
}  # fmt: skip


class Recorder:
    """Every query as PostgreSQL receives it (asyncpg's query logger on each pooled connection:
    SQLAlchemy's statements, the ones sent through asyncpg directly, BEGIN and COMMIT)."""

    def __init__(self) -> None:
        self.on = False
        self.lines: list[str] = []

    def attach(self, engine: Any) -> None:
        @event.listens_for(engine.sync_engine, "checkout")
        def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            driver = dbapi_conn.driver_connection
            if hasattr(driver, "add_query_logger") and self._log not in driver._query_loggers:
                driver.add_query_logger(self._log)

    def _log(self, record: Any) -> None:
        if not self.on:
            return
        sql = " ".join(record.query.split())
        if sql.startswith("WITH w0 AS ("):  # writes gathered into one statement (hub.store.gather)
            parts = [p.split(" (", 1)[0] for p in sql.split(" AS (")[1:]]
            sql = "[gathered] " + " | ".join(parts)
        self.lines.append("    " + sql[:150])


async def run(url: str, n: int, profile: bool = False, capture: str = "manual") -> None:
    from hub.api.app import create_app
    from hub.config import load_settings
    from hub.runtime import Hub

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "payhub.toml"
        cfg.write_text(TOML)
        env = {
            "PAYHUB_DATABASE_URL": url,
            "PAYHUB_MASTER_KEY_FILE": str(Path(tmp) / "payhub.key"),
            "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "PAYHUB_LOG_FORMAT": "text",
            "PAYHUB_LOG_LEVEL": "ERROR",
        }
        hub = Hub(load_settings(cfg, environ=env))
        await hub.start()
        await hub.bootstrap_keys()
        app = create_app(hub, manage_lifecycle=False)
        rec = Recorder()
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url="http://hub",
        ) as client:

            async def pay(i: int) -> None:
                r = await client.post(
                    "/v1/payments",
                    json={**PAYMENT, "capture": capture},
                    headers={**headers, "Idempotency-Key": f"t-{i}"},
                )
                assert r.status_code == 201, r.text

            for i in range(20):
                await pay(-i - 1)
            prof = cProfile.Profile(time.process_time) if profile else None
            start = time.process_time()
            if prof is not None:
                prof.enable()
            for i in range(n):
                await pay(i)
            if prof is not None:
                prof.disable()
            cpu = (time.process_time() - start) / n * 1000
            await asyncio.sleep(0.2)  # the audit group commit of the warm-up
            rec.attach(hub.engine)  # after the CPU figure: the query logger costs CPU
            for i in range(5):
                await pay(n + 1 + i)  # every pooled connection checked out once: logged from now on
            await asyncio.sleep(0.2)
            rec.on = True
            await pay(n)
            await asyncio.sleep(0.2)
            rec.on = False
        await hub.stop()
    print(f"one payment (POST /v1/payments, card inline, capture {capture}):")
    print("\n".join(rec.lines))
    count = sum(1 for line in rec.lines if line.strip() not in ("BEGIN;", "COMMIT;", "BEGIN", "COMMIT"))
    txns = sum(1 for line in rec.lines if line.strip().startswith("COMMIT"))
    if prof is not None:
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(40)
    print(
        f"{count} statements (BEGIN/COMMIT not counted), {txns} commits; in-process CPU {cpu:.2f} ms per payment over {n}"
    )


async def main(url: str | None, n: int, profile: bool = False, capture: str = "manual") -> None:
    if url is not None:
        await run(url, n, profile, capture)
        return
    name = f"payhub_trace_{secrets.token_hex(3)}"
    admin = create_async_engine(ADMIN, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        await run(ADMIN.rsplit("/", 1)[0] + f"/{name}", n, profile, capture)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description="the statements of one payment, and in-process CPU per payment")
    ap.add_argument("--database-url", default=None, help="default: a PostgreSQL database made for the run")
    ap.add_argument("--payments", type=int, default=300)
    ap.add_argument("--profile", action="store_true", help="cProfile (CPU time) of the measured payments")
    ap.add_argument("--capture", choices=("manual", "automatic"), default="manual",
                    help="automatic: a purchase (the capture posts its ledger entry)")  # fmt: skip
    args = ap.parse_args()
    asyncio.run(main(args.database_url, args.payments, args.profile, args.capture))
