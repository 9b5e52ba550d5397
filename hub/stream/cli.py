"""``payhub events replay --from EVENT_ID``: publish a range of events to Kafka again, for a
consumer that lost its own state. The events from that one on (in the order written) are
marked unpublished; the running relay publishes them again, with their original
``event-id`` headers, after whatever is still queued."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from hub.config import Settings


def replay(args: argparse.Namespace, settings: Settings) -> int:
    from hub.store.db import create_engine, migrate
    from hub.stream.outbox import replay_from

    async def main() -> int:
        engine = create_engine(settings.database_url)
        try:
            await migrate(engine)
            n = await replay_from(engine, args.from_id)
        finally:
            await engine.dispose()
        if n is None:
            print(f"payhub: no event {args.from_id!r}")
            return 1
        where = settings.events.kafka.topic
        note = "" if settings.events.kafka.enabled else " (events.kafka.bootstrap_servers is not set here)"
        print(f"{n} event(s) queued to be published again to {where}{note}")
        return 0

    return asyncio.run(main())


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    settings_of: Callable[[argparse.Namespace], Settings],
) -> None:
    ev = sub.add_parser("events", help="the Kafka event stream")
    cmds = ev.add_subparsers(dest="sub", required=True)
    p = cmds.add_parser("replay", help="publish this event and every later one to Kafka again")
    p.add_argument("--from", dest="from_id", required=True, metavar="EVENT_ID", help="an event id (evt_...)")
    p.set_defaults(func=lambda a: replay(a, settings_of(a)))
