"""``payhub webhooks replay`` and ``payhub webhooks list``: the inbound inbox from the command line."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
from collections.abc import Callable

from hub.config import Settings


def _when(value: str | None, flag: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise SystemExit(f"payhub: {flag} must be an ISO 8601 time, e.g. 2025-01-31T12:00:00Z") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


def replay(args: argparse.Namespace, settings: Settings) -> int:
    """Re-apply stored events by inbox id, or by account and received time range."""
    from hub.runtime import Hub

    ids: list[str] = list(args.id or [])
    if not ids and not args.account:
        print("payhub: webhooks replay needs --id (repeatable) or --account [--since] [--until]")
        return 2
    since, until = _when(args.since, "--since"), _when(args.until, "--until")

    async def main() -> int:
        hub = Hub(settings)
        await hub.start()
        try:
            results = await hub.inbox.replay(ids=ids, account_id=args.account, since=since, until=until)
        finally:
            await hub.stop()
        for r in results:
            op = f" {r.operation_id}" if r.operation_id else ""
            note = f": {r.note}" if r.note else ""
            print(f"{r.inbox_id} {r.account_id} {r.event_type} {r.before} -> {r.after}{op}{note}")
        print(f"{len(results)} event(s) replayed")
        return 1 if any(r.after == "missing" for r in results) else 0

    return asyncio.run(main())


def list_rows(args: argparse.Namespace, settings: Settings) -> int:
    """Inbox rows, newest first (``--status failed`` shows what needs a look)."""
    from hub.runtime import Hub

    async def main() -> int:
        hub = Hub(settings)
        try:
            rows = await hub.inbox.rows(status=args.status, account_id=args.account, limit=args.limit)
        finally:
            await hub.engine.dispose()
        if not rows:
            print("no inbox rows match")
        for row in rows:
            received = row["received_at"].isoformat() if row["received_at"] else "-"
            error = f"  {row['error']}" if row["error"] else ""
            print(
                f"{row['id']} {received} {row['account_id']} {row['event_type']} "
                f"{row['provider_event_id']} {row['status']} attempts={row['attempts']}{error}"
            )
        return 0

    return asyncio.run(main())


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    """``webhooks replay`` / ``webhooks list`` under the ``payhub`` parser."""
    wh = sub.add_parser("webhooks", help="inbound provider webhooks (the inbox)")
    cmds = wh.add_subparsers(dest="sub", required=True)
    p = cmds.add_parser("replay", help="re-apply stored provider events (safe: nothing moves backwards)")
    p.add_argument("--id", action="append", metavar="INBOX_ID", help="an inbox id (whin_...); repeatable")
    p.add_argument("--account", help="all events of this provider account ...")
    p.add_argument("--since", help="... received at or after this ISO 8601 time")
    p.add_argument("--until", help="... received before this ISO 8601 time")
    p.set_defaults(func=lambda a: replay(a, settings_of(a)))
    p = cmds.add_parser("list", help="list inbox rows, newest first")
    p.add_argument("--status", choices=["received", "processed", "ignored", "retry", "failed"])
    p.add_argument("--account")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=lambda a: list_rows(a, settings_of(a)))
