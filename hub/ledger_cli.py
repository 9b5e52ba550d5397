"""``payhub ledger verify | backfill | balances``: the books from the command line."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Settings


def _run(settings: Settings, job: Callable[[AsyncEngine], Awaitable[int]]) -> int:
    from hub.store.db import create_engine

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            return await job(engine)
        finally:
            await engine.dispose()

    # an unreachable database or a missing schema: one line and exit 2 from hub.lifecycle.guard
    return asyncio.run(main())


def verify(args: argparse.Namespace, settings: Settings) -> int:
    """Print the first discrepancy and exit 1, or one line OK and exit 0."""
    from hub.services.ledger_verify import verify as check

    async def job(engine: AsyncEngine) -> int:
        verdict = await check(engine)
        print(verdict.describe())
        return 0 if verdict.ok else 1

    return _run(settings, job)


def backfill(args: argparse.Namespace, settings: Settings) -> int:
    """Post opening entries for what the database held before the ledger (idempotent)."""
    from hub.services.ledger_backfill import backfill as fill
    from hub.store.db import migrate

    async def job(engine: AsyncEngine) -> int:
        await migrate(engine)
        result = await fill(engine, batch=args.batch_size)
        print(result.describe())
        return 1 if result.over else 0

    return _run(settings, job)


def balances(args: argparse.Namespace, settings: Settings) -> int:
    """Every ledger account's balance per currency (debits - credits)."""
    import ledger

    async def job(engine: AsyncEngine) -> int:
        async with engine.connect() as conn:
            books = await ledger.all_balances(conn)
        print(format_balances({name: [b.to_dict() for b in lines] for name, lines in books.items()}))
        return 0

    return _run(settings, job)


def format_balances(books: dict[str, list[dict[str, int | str]]]) -> str:
    """One line per account and currency (also used by ``payhub demo``)."""
    lines = [f"{'account':<24} {'currency':<8} {'debits':>12} {'credits':>12} {'balance':>12}"]
    for name in sorted(books):
        for b in books[name]:
            lines.append(
                f"{name:<24} {b['currency']!s:<8} {b['debits']:>12} {b['credits']:>12} {b['balance']:>12}"
            )
    if len(lines) == 1:
        lines.append("(no entries yet)")
    return "\n".join(lines)


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    led = sub.add_parser("ledger", help="the double-entry ledger").add_subparsers(dest="sub", required=True)
    p = led.add_parser("verify", help="check every entry and balance; print the first discrepancy (exit 1)")
    p.set_defaults(func=lambda a: verify(a, settings_of(a)))
    p = led.add_parser("backfill", help="post opening entries for payments, refunds, payouts held before")
    p.add_argument("--batch-size", type=int, default=500)
    p.set_defaults(func=lambda a: backfill(a, settings_of(a)))
    p = led.add_parser("balances", help="print every account's balance per currency")
    p.set_defaults(func=lambda a: balances(a, settings_of(a)))
