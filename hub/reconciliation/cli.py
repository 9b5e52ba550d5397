"""``payhub reconcile ACCOUNT --from --to``: one run from the command line (DESIGN §14).

The run is recorded like any other (``GET /v1/reconciliations/{id}`` shows it) and executed in
this process. On a terminal a progress line counts the lines read; at the end the summary is
printed (count per item kind, then the exceptions). Exit 0 when the run completed (exceptions
included: they are findings, not errors), 1 when it failed, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
from collections.abc import Callable
from typing import Any, TextIO

from hub.config import Settings
from hub.domain.errors import ProblemError
from hub.reconciliation.kinds import EXCEPTIONS, ItemKind


def parse_time(value: str) -> dt.datetime:
    """An ISO 8601 time (``Z`` allowed) or a date (midnight UTC)."""
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time or date: {value!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Progress:
    """``\\r  reconciling stripe-eu: 12,300 lines`` on a TTY; silent otherwise."""

    def __init__(self, account: str, out: TextIO) -> None:
        self.account = account
        self.out = out
        self.tty = out.isatty()
        self.shown = False

    def __call__(self, lines: int) -> None:
        if self.tty:
            self.out.write(f"\r  reconciling {self.account}: {lines:,} lines read")
            self.out.flush()
            self.shown = True

    def done(self) -> None:
        if self.shown:
            self.out.write("\n")


def format_run(run: dict[str, Any]) -> str:
    lines = [
        f"reconciliation {run['id']} of {run['account']} [{run['from']} .. {run['to']}): {run['status']}",
        f"  lines read: {run.get('lines', 0)}",
    ]
    if run["status"] == "failed":
        lines.append(f"  reason: {run['reason']}")
        return "\n".join(lines)
    summary = run["summary"]
    width = max(len(k.value) for k in ItemKind)
    lines += [f"  {k.value:<{width}}  {summary.get(k.value, 0)}" for k in ItemKind]
    n = sum(summary.get(k.value, 0) for k in EXCEPTIONS)
    lines.append(
        f"  exceptions: {n}" + ("" if not n else f"  (GET /v1/reconciliations/{run['id']}/items?kind=...)")
    )
    return "\n".join(lines)


def reconcile(args: argparse.Namespace, settings: Settings) -> int:
    from hub.runtime import Hub

    async def main() -> int:
        hub = Hub(settings)
        await hub.start()
        try:
            try:
                hub.reconciliation.check(args.account, args.start, args.end)
            except ProblemError as exc:
                print(f"payhub reconcile: {exc.code}: {exc.detail}", file=sys.stderr)
                return 2
            row = await hub.reconciliation.create(
                owner="default", account=args.account, start=args.start, end=args.end, trigger="cli"
            )
            progress = Progress(args.account, sys.stdout)
            run = await hub.reconciliation.run_now(row["id"], progress)
            progress.done()
            print(format_run(run))
            return 0 if run["status"] == "completed" else 1
        finally:
            await hub.stop()

    return asyncio.run(main())


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    p = sub.add_parser("reconcile", help="reconcile an account's settlement records for a window")
    p.add_argument("account")
    p.add_argument("--from", dest="start", type=parse_time, required=True, help="start (ISO 8601, inclusive)")
    p.add_argument("--to", dest="end", type=parse_time, required=True, help="end (ISO 8601, exclusive)")
    p.set_defaults(func=lambda a: reconcile(a, settings_of(a)))
