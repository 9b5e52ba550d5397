"""Dispute news through the inbox: how fast new disputes are stored and applied, and the cost of
each apply (find or create the dispute, lock the payment, move state and money, refresh the
payment, write the event). In-process, one database, no HTTP: the figure is the hub's own work.

    .venv/bin/python -m benchmarks.disputes [--count 300] [--database-url postgresql+asyncpg://...]

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from adapters.base import ProviderEvent
from adapters.disputes import DisputeNews, DisputeReason, DisputeStatus

ADMIN_KEY = "phk_bench_disputes_0123456789abcdef"


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def bench(count: int, database_url: str | None) -> None:
    from hub.api.app import create_app
    from hub.config import load_settings
    from hub.runtime import Hub

    tmp = Path(tempfile.mkdtemp(prefix="payhub-bench-disputes-"))
    env = {
        "PAYHUB_DATABASE_URL": database_url or f"sqlite+aiosqlite:///{tmp / 'payhub.db'}",
        "PAYHUB_MASTER_KEY_FILE": str(tmp / "payhub.key"),
        "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
        "PAYHUB_LOG_FORMAT": "text",
    }
    hub = Hub(load_settings(None, environ={**os.environ, **env}))
    await hub.start()
    await hub.bootstrap_keys()
    transport = httpx.ASGITransport(app=create_app(hub, manage_lifecycle=False))  # type: ignore[arg-type]
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://hub", headers=headers) as client:
            payments = []
            for _ in range(count):
                r = await client.post(
                    "/v1/payments",
                    json={"amount": 1099, "currency": "EUR", "capture": "automatic",
                          "payment_method": {"type": "card", "card": card}},
                )  # fmt: skip
                payments.append(r.json())
        run = int(time.time())
        events = [
            ProviderEvent(
                event_id=f"evt_bench_{run}_{i}",
                type="dispute.created",
                dispute=DisputeNews(
                    provider_reference=f"dp_bench_{run}_{i}",
                    status=DisputeStatus.NEEDS_RESPONSE,
                    reason=DisputeReason.FRAUDULENT,
                    amount=1099,
                    currency="EUR",
                    payment_reference=p["provider_reference"],
                    payment_id=p["id"],
                    funds_withdrawn=True,
                ),
            )
            for i, p in enumerate(payments)
        ]
        started = time.perf_counter()
        ids = await hub.inbox.store("sandbox", events)
        stored = time.perf_counter() - started
        applies: list[float] = []
        for inbox_id in ids:
            t0 = time.perf_counter()
            await hub.inbox.process(inbox_id)
            applies.append(time.perf_counter() - t0)
        total = time.perf_counter() - started
        t0 = time.perf_counter()
        again = await hub.inbox.store("sandbox", events)  # every one a duplicate
        duplicates = time.perf_counter() - t0
        listed = (await hub.disputes.list(None, cursor=None, limit=100))["data"]  # type: ignore[arg-type]
        backend = "postgresql" if hub.engine.dialect.name == "postgresql" else "sqlite"
        print(f"dispute news on {backend}: {len(ids)} new disputes stored in {stored * 1000:.0f} ms, "
              f"stored + applied one by one in {total:.2f} s = {len(ids) / total:.0f}/s")  # fmt: skip
        print(f"  apply per dispute: p50 {_ms(applies, 0.5):.1f} ms, p99 {_ms(applies, 0.99):.1f} ms, "
              f"mean {statistics.mean(applies) * 1000:.1f} ms")  # fmt: skip
        print(f"  the same {len(events)} events again: {len(again)} stored (duplicates), {duplicates * 1000:.0f} ms")
        print(f"  listed: {len(listed)} on the first page, all needs_response: "
              f"{all(d['status'] == 'needs_response' for d in listed)}")  # fmt: skip
    finally:
        await hub.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    asyncio.run(bench(args.count, args.database_url))


if __name__ == "__main__":
    main()
