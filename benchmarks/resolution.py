"""Ambiguous -> resolved latency with the DEFAULT resolution schedule, on the in-process simulator.

    .venv/bin/python benchmarks/resolution.py [--n 40] [--database-url sqlite+aiosqlite:///...]

Half the payments use the 500 card (ambiguous at once, nothing charged), half the hang
card (charged, then no answer: ambiguous after the account's call deadline). The time
measured per operation is from the ambiguous answer (the ``call`` attempt that came back
``unknown``) to ``resolved_at``, both as recorded in the database. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.config import load_settings
from hub.jobs.inprocess import InProcessRunner
from hub.runtime import Hub
from hub.services.payments import Actor
from hub.services.resolution import Resolver
from hub.store import tables as t

TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 0.5
read = 0.5
"""


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


async def main(n: int, database_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="payhub-bench-"))
    (tmp / "payhub.toml").write_text(TOML)
    settings = load_settings(
        tmp / "payhub.toml",
        environ={
            "PAYHUB_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
            "PAYHUB_MASTER_KEY_FILE": str(tmp / "payhub.key"),
            "PAYHUB_LOG_LEVEL": "WARNING",
        },
    )
    hub = Hub(settings, simulator_options={"hang_seconds": 3.0})
    jobs = InProcessRunner()
    resolver = Resolver(hub.engine, hub.providers, settings, jobs, methods=hub.payment_methods)
    hub.payments.resolver = resolver
    hub.payments.on_unknown = resolver.on_unknown
    await hub.start()
    await jobs.start()
    actor = Actor(key_id=None, owner="default", role="admin")
    print(f"schedule {settings.resolution.schedule}; {n} ambiguous payments; db {settings.database_url}")
    try:
        cards = ["4000000000000341", "4000000000000259"]

        async def one(i: int) -> str:
            req = {
                "amount": 1000 + i,
                "currency": "EUR",
                "capture": "manual",
                "payment_method": {
                    "type": "card",
                    "card": {"number": cards[i % 2], "exp_month": 12, "exp_year": 2031, "cvc": "123"},
                },
            }
            res = await hub.payments.create(actor, req, None)
            assert res.body["status"] == "processing", res.body
            return str(res.body["id"])

        start = time.perf_counter()
        ids = await asyncio.gather(*(one(i) for i in range(n)))
        async with asyncio.timeout(120):
            while True:
                async with hub.engine.connect() as conn:
                    left = await conn.scalar(
                        select(t.operations.c.id).where(t.operations.c.resolved_at.is_(None)).limit(1)
                    )
                if left is None:
                    break
                await asyncio.sleep(0.05)
        wall = time.perf_counter() - start
        async with hub.engine.connect() as conn:
            ops = (await conn.execute(select(t.operations).where(t.operations.c.resource_id.in_(ids)))).all()
            attempts = (await conn.execute(select(t.operation_attempts))).all()
        first_unknown: dict[str, Any] = {}
        for a in sorted(attempts, key=lambda a: a.at):
            if a.action == "call" and a.outcome == "unknown":
                first_unknown.setdefault(a.operation_id, a.at)
        times: dict[str, list[float]] = {"all": [], "500 card": [], "hang card": []}
        for op in ops:
            d = (op.resolved_at - first_unknown[op.id]).total_seconds()
            times["all"].append(d)
            times["500 card" if op.status == "failed" else "hang card"].append(d)
        for label, v in times.items():
            if v:
                print(
                    f"  {label:10s} n={len(v):3d}  median {statistics.median(v):.3f}s  "
                    f"p95 {pct(v, 95):.3f}s  max {max(v):.3f}s"
                )
        checks = sum(1 for a in attempts if a.action != "call")
        print(f"  checks (lookups) {checks} for {len(ops)} operations; wall {wall:.1f}s")
    finally:
        await jobs.stop()
        await hub.stop()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=40)
    ap.add_argument("--database-url")
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for name in ("httpx", "payhub", "vault"):
        logging.getLogger(name).setLevel(logging.ERROR)
    asyncio.run(main(args.n, args.database_url))
