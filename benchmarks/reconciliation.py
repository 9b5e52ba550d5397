"""Reconciliation throughput and memory (issue 18, DESIGN §14).

N Stripe-like settlement lines (charges, each with a fee) are generated page by page by a fake
adapter, against N matching hub payments (and their capture entries in the ledger) seeded in
bulk. The hub's runner matches every page in one batch, posts each line's fee (N ledger
entries), then looks for hub captures no line matched. Figures: lines/s (target >= 5,000 for
100k lines on 2 cores) and the peak memory of the run (traced Python allocations, and the growth
of the process's peak RSS) at 10k and 100k lines: lines are streamed, so memory stays flat.

    .venv/bin/python -m benchmarks.reconciliation [--sizes 10000,100000] [--page-size 500]
                                                   [--database-url postgresql+asyncpg://...]

In ``make bench`` (benchmarks/run.py, step ``reconciliation``) it runs on the stack's PostgreSQL.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import resource
import secrets
import tempfile
import time
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.base import Account
from adapters.settlement import LineType, SettlementLine, SettlementPage, SettlementRequest
from adapters.simulator.books import fee_for
from adapters.simulator.flows import SimulatorAdapter

S_RECON = "Reconciliation: Stripe-like lines matched against seeded payments (fees posted)"
_SEQ_OFFSET = 20_000_000_000  # seeded ledger entries' seq numbers: clear of the hub's own
SEED_CHUNK = 5_000


def _amount(i: int) -> int:
    return 1000 + i % 9000


class LinesAdapter(SimulatorAdapter):
    """Yields ``n`` charge lines for payments ``pay_{tag}{i}``, generated page by page."""

    name = "bench-lines"

    def __init__(self, account: Account, client: httpx.AsyncClient, *, n: int, tag: str, when: dt.datetime):
        super().__init__(account, client)
        self.n, self.tag, self.when = n, tag, when

    async def _pages(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        size = request.page_size
        for start in range(0, self.n, size):
            lines = []
            for i in range(start, min(self.n, start + size)):
                gross = _amount(i)
                fee = fee_for(gross)
                lines.append(
                    SettlementLine(
                        line_id=f"txn_{self.tag}{i}", type=LineType.CHARGE, provider_type="charge", gross=gross,
                        fee=fee, net=gross - fee, currency="EUR", created_at=self.when,
                        provider_reference=f"ch_{self.tag}{i}", resource_id=f"pay_{self.tag}{i}",
                    )
                )  # fmt: skip
            yield SettlementPage(lines=lines)
            await asyncio.sleep(0)

    def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        return self._pages(request)


async def seed(engine: AsyncEngine, account_id: str, n: int, tag: str, when: dt.datetime) -> None:
    """N captured payments and their capture entries (bulk inserts, no balances: a bench DB)."""
    from hub.store import tables as t
    from ledger.schema import entries as le
    from ledger.schema import postings as lp

    base = _SEQ_OFFSET + int(time.time() * 1000) % 1_000_000 * 1_000_000
    for start in range(0, n, SEED_CHUNK):
        rng = range(start, min(n, start + SEED_CHUNK))
        async with engine.begin() as conn:
            await conn.execute(
                insert(t.payments),
                [
                    {
                        "id": f"pay_{tag}{i}", "owner": "bench", "account_id": account_id, "status": "captured",
                        "amount": _amount(i), "currency": "EUR", "capture_mode": "automatic",
                        "amount_captured": _amount(i), "amount_refunded": 0, "provider_reference": f"ch_{tag}{i}",
                        "payment_method": {}, "metadata": {}, "requires_review": False, "multicapture_open": False,
                        "amount_disputed": 0, "created_at": when, "updated_at": when,
                    }
                    for i in rng
                ],
            )  # fmt: skip
            await conn.execute(
                insert(le),
                [
                    {"seq": base + i, "id": f"je_{tag}{i}", "cause": f"bench:{tag}{i}", "kind": "capture",
                     "resource": f"pay_{tag}{i}", "created_at": when}
                    for i in rng
                ],
            )  # fmt: skip
            await conn.execute(
                insert(lp),
                [
                    {"entry_seq": base + i, "account": acct, "currency": "EUR", "amount": sign * _amount(i)}
                    for i in rng
                    for acct, sign in ((f"provider:{account_id}", 1), ("sales", -1))
                ],
            )
    if engine.dialect.name == "postgresql":  # planner statistics, as a live database has them
        async with engine.begin() as conn:
            await conn.execute(text("ANALYZE payments, ledger_entries, ledger_postings, ledger_balances"))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def measure(engine: AsyncEngine, n: int, *, page_size: int, traced: bool) -> dict[str, Any]:
    """One run of ``n`` lines; returns lines/s, the summary and memory figures."""
    from hub.jobs.inprocess import InProcessRunner
    from hub.providers import ProviderAccount, Providers
    from hub.reconciliation.runner import Runner
    from hub.reconciliation.service import ReconciliationService

    tag = f"b{secrets.token_hex(3)}x"
    account_id = f"bench-{tag}"
    day = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=3)
    when = day + dt.timedelta(hours=12)
    await seed(engine, account_id, n, tag, when)
    providers = Providers()
    account = Account(id=account_id, adapter="bench-lines", base_url="http://bench")
    client = httpx.AsyncClient(base_url="http://bench")
    adapter = LinesAdapter(account, client, n=n, tag=tag, when=when)
    providers._accounts[account_id] = ProviderAccount(account=account, adapter=adapter, client=client)
    service = ReconciliationService(engine, providers, InProcessRunner())
    runner = Runner(engine, providers, page_size=page_size)
    row = await service.create(owner="bench", account=account_id, start=day, end=day + dt.timedelta(days=1),
                               trigger="cli")  # fmt: skip
    rss0 = _rss_mb()
    if traced:
        tracemalloc.start()
    t0 = time.perf_counter()
    final = await runner.execute(row["id"])
    seconds = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if traced else None
    if traced:
        tracemalloc.stop()
    await client.aclose()
    return {
        "lines": n, "seconds": seconds, "lines_per_s": n / seconds, "status": final["status"],
        "reason": final["reason"], "summary": final["summary"], "traced_peak_mb": peak,
        "rss_growth_mb": _rss_mb() - rss0,
    }  # fmt: skip


async def bench(
    database_url: str | None, sizes: list[int], page_size: int, traced: bool = True
) -> list[dict[str, Any]]:
    from hub.store.db import create_engine, migrate

    tmp = Path(tempfile.mkdtemp(prefix="payhub-bench-recon-"))
    engine = create_engine(database_url or f"sqlite+aiosqlite:///{tmp / 'payhub.db'}")
    await migrate(engine)
    out = []
    try:
        backend = engine.dialect.name
        for n in sizes:
            fast = await measure(engine, n, page_size=page_size, traced=False)
            mem = await measure(engine, n, page_size=page_size, traced=True) if traced else fast
            fast["traced_peak_mb"] = mem["traced_peak_mb"]
            fast["rss_growth_mb"] = max(fast["rss_growth_mb"], mem["rss_growth_mb"])
            s = fast["summary"]
            print(
                f"reconciliation on {backend}, {n:,} lines (pages of {page_size}): {fast['lines_per_s']:,.0f} lines/s "
                f"({fast['seconds']:.1f} s, {fast['status']}; matched {s.get('matched')}, exceptions "
                f"{sum(v for k, v in s.items() if k not in ('matched', 'fee', 'settlement'))}); "
                f"traced peak {fast['traced_peak_mb'] or 0:.1f} MB, peak RSS growth {fast['rss_growth_mb']:.1f} MB"
            )
            out.append(fast)
    finally:
        await engine.dispose()
    return out


async def rounds(bench_: Any) -> None:
    """The ``make bench`` step: 10k and 100k lines on the stack's PostgreSQL."""
    sizes = [1_000, 5_000] if bench_.opts.quick else [10_000, 100_000]
    results = await bench(bench_.stack.database_url, sizes, page_size=500)
    for r in results:
        n = r["lines"]
        bench_.report.add(f"recon_{n}_lines_per_s", r["lines_per_s"], label=f"{n:,} lines: lines/s",
                          unit="lines/s", section=S_RECON)  # fmt: skip
        bench_.report.add(f"recon_{n}_peak_mb", r["traced_peak_mb"], label=f"{n:,} lines: traced peak",
                          unit="MB", section=S_RECON)  # fmt: skip
    small, large = results[0], results[-1]
    bench_.report.add("recon.lines_per_s.100k", large["lines_per_s"], label=f"{large['lines']:,} lines: lines/s (target)",
                      unit="lines/s", section=S_RECON)  # fmt: skip
    bench_.report.add("recon.peak_growth_mb", large["traced_peak_mb"] - small["traced_peak_mb"],
                      label="traced peak growth, largest vs smallest", unit="MB", section=S_RECON)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-trace", action="store_true", help="skip the tracemalloc runs")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    asyncio.run(bench(args.database_url, sizes, args.page_size, traced=not args.no_trace))


if __name__ == "__main__":
    main()
