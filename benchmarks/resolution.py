"""Ambiguous -> resolved latency with the DEFAULT resolution schedule.

Half the payments use the 500 card (ambiguous at once, nothing charged), half the hang card
(charged, then no answer: ambiguous after the account's read timeout). The time measured per
operation is from the ambiguous answer (the ``call`` attempt that came back ``unknown``) to
``resolved_at``, both as recorded in the database.

``python -m benchmarks.run`` measures it on the served hub (arq + ``payhub worker``) through
:func:`resolution_times`; standalone, it runs an in-process hub and job runner:

    .venv/bin/python -m benchmarks.resolution [--n 40] [--database-url sqlite+aiosqlite:///...]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from benchmarks.stats import percentile
from hub.config import ResolutionConfig, load_settings
from hub.runtime import Hub
from hub.services.payments import Actor
from hub.store import tables as t

SERVER_ERROR_CARD = "4000000000000341"  # 500 without charging: resolved failed
HANG_CARD = "4000000000000259"  # charged, then hangs: resolved authorized
CARDS = (SERVER_ERROR_CARD, HANG_CARD)

#: how long the served step waits: the default schedule's first three checks (2 + 10 + 60 s)
#: and a margin. One inconclusive check (a lookup past sim-short's 0.5 s read timeout on a busy
#: machine) moves an operation to the check at +12 s, two to the one at +72 s: measured (max,
#: checks per operation), where a 60 s wait failed the whole step with a bare TimeoutError.
WAIT_WITHIN = sum(ResolutionConfig().schedule[:3]) + 18.0

TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 0.5
read = 0.5
"""


def ambiguous_request(i: int, account: str | None = None) -> dict[str, Any]:
    """The i-th payment request: alternately the 500 card and the hang card."""
    req: dict[str, Any] = {
        "amount": 1000 + i,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {
            "type": "card",
            "card": {"number": CARDS[i % 2], "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        },
    }
    if account is not None:
        req["account"] = account
    return req


async def wait_resolved(engine: AsyncEngine, ids: Sequence[str], *, within: float = 120.0) -> None:
    """Until every operation of these payments has ``resolved_at`` (TimeoutError after ``within`` seconds)."""
    async with asyncio.timeout(within):
        while True:
            async with engine.connect() as conn:
                left = await conn.scalar(
                    select(t.operations.c.id)
                    .where(t.operations.c.resource_id.in_(list(ids)), t.operations.c.resolved_at.is_(None))
                    .limit(1)
                )
            if left is None:
                return
            await asyncio.sleep(0.05)


async def unresolved(engine: AsyncEngine, ids: Sequence[str], limit: int = 5) -> list[str]:
    """What a timed-out wait leaves: per unresolved operation its status, next check and the
    attempts recorded (action, outcome, ms, note), to say why it is not resolved yet."""
    o, a = t.operations.c, t.operation_attempts.c
    async with engine.connect() as conn:
        ops = (
            await conn.execute(
                select(t.operations).where(o.resource_id.in_(list(ids)), o.resolved_at.is_(None))
            )
        ).all()
        lines = [f"{len(ops)} of {len(ids)} operations unresolved"]
        for op in ops[:limit]:
            tried = (
                await conn.execute(select(t.operation_attempts).where(a.operation_id == op.id).order_by(a.id))
            ).all()
            steps = "; ".join(
                f"{x.action} {x.outcome} {x.duration_ms}ms {str((x.detail or {}).get('reason', ''))[:80]}"
                for x in tried
            )
            lines.append(f"  {op.id} {op.status} next_check_at={op.next_check_at}: {steps}")
    return lines


async def resolution_times(engine: AsyncEngine, ids: Sequence[str]) -> dict[str, list[float]]:
    """Seconds from the first ``unknown`` call attempt to ``resolved_at``, per card kind and overall."""
    async with engine.connect() as conn:
        ops = (
            await conn.execute(select(t.operations).where(t.operations.c.resource_id.in_(list(ids))))
        ).all()
        attempts = (
            await conn.execute(
                select(t.operation_attempts).where(
                    t.operation_attempts.c.operation_id.in_([op.id for op in ops])
                )
            )
        ).all()
    first_unknown: dict[str, Any] = {}
    for a in sorted(attempts, key=lambda a: a.at):
        if a.action == "call" and a.outcome == "unknown":
            first_unknown.setdefault(a.operation_id, a.at)
    times: dict[str, list[float]] = {"all": [], "500 card": [], "hang card": [], "checks": []}
    for op in ops:
        if op.id not in first_unknown or op.resolved_at is None:
            continue
        d = (op.resolved_at - first_unknown[op.id]).total_seconds()
        times["all"].append(d)
        times["500 card" if op.status == "failed" else "hang card"].append(d)
    times["checks"] = [float(sum(1 for a in attempts if a.action != "call"))]
    return times


def describe(times: dict[str, list[float]]) -> list[str]:
    lines = []
    for label in ("all", "500 card", "hang card"):
        v = times.get(label) or []
        if v:
            lines.append(
                f"  {label:10s} n={len(v):3d}  median {statistics.median(v):.3f}s  "
                f"p95 {percentile(v, 95):.3f}s  max {max(v):.3f}s"
            )
    return lines


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
    hub = Hub(settings, simulator_options={"hang_seconds": 3.0})  # no redis_url: in-process jobs
    await hub.start()
    actor = Actor(key_id=None, owner="default", role="admin")
    print(f"schedule {settings.resolution.schedule}; {n} ambiguous payments; db {settings.database_url}")
    try:

        async def one(i: int) -> str:
            res = await hub.payments.create(actor, ambiguous_request(i), None)
            assert res.body["status"] == "processing", res.body
            return str(res.body["id"])

        start = time.perf_counter()
        ids = await asyncio.gather(*(one(i) for i in range(n)))
        await wait_resolved(hub.engine, ids)
        wall = time.perf_counter() - start
        times = await resolution_times(hub.engine, ids)
        print("\n".join(describe(times)))
        print(
            f"  checks (lookups) {times['checks'][0]:.0f} for {len(times['all'])} operations; wall {wall:.1f}s"
        )
    finally:
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
