"""A closed-loop load generator: N concurrent clients, each sending its next request when the last
one answered, for a fixed duration after a discarded warm-up.

The request itself is a ``Send`` callable (``send(i) -> ok``), so the same loop drives the hub,
the stand-in alone, the floor and the transport comparison. ``aiohttp_sender`` builds the usual
one: pre-encoded JSON bodies over one keep-alive aiohttp session.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from benchmarks.stats import percentile

Send = Callable[[int], Awaitable[bool]]


@dataclass
class LoadResult:
    concurrency: int
    window: float  # seconds measured (after the warm-up)
    latencies_ms: list[float] = field(default_factory=list)  # completed OK inside the window
    errors: int = 0  # answered wrongly or raised, inside the window
    total: int = 0  # every completion, warm-up included (for per-request counters)
    first_error: str | None = None
    cpu_ms: float | None = None  # CPU of the process under test per completion, when measured

    @property
    def count(self) -> int:
        return len(self.latencies_ms)

    @property
    def rps(self) -> float:
        return self.count / self.window if self.window > 0 else 0.0

    @property
    def p50(self) -> float:
        return percentile(self.latencies_ms, 50) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return percentile(self.latencies_ms, 99) if self.latencies_ms else float("nan")

    def summary(self) -> dict[str, Any]:
        return {
            "concurrency": self.concurrency,
            "window": self.window,
            "count": self.count,
            "errors": self.errors,
            "total": self.total,
            "rps": self.rps,
            "p50": self.p50,
            "p99": self.p99,
            "first_error": self.first_error,
            "cpu_ms": self.cpu_ms,
        }


async def run_load(send: Send, *, concurrency: int, duration: float, warmup: float) -> LoadResult:
    """Drive ``send`` from ``concurrency`` clients; keep what completes in [warm-up end, end]."""
    if concurrency < 1 or duration <= 0 or warmup < 0:
        raise ValueError("need concurrency >= 1, duration > 0, warmup >= 0")
    result = LoadResult(concurrency=concurrency, window=duration)
    counter = itertools.count()
    start = time.perf_counter()
    measure_from = start + warmup
    end = measure_from + duration

    async def client() -> None:
        now = time.perf_counter
        while True:
            t0 = now()
            if t0 >= end:
                return
            try:
                ok = await send(next(counter))
            except Exception as exc:
                ok = False
                if result.first_error is None:
                    result.first_error = repr(exc)
            t1 = now()
            result.total += 1
            if measure_from <= t0 and t1 <= end:
                if ok:
                    result.latencies_ms.append((t1 - t0) * 1000)
                else:
                    result.errors += 1

    await asyncio.gather(*(client() for _ in range(concurrency)))
    return result


def clients(n: int) -> str:
    return f"{n} client" if n == 1 else f"{n} clients"


def proc_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def aiohttp_session(concurrency: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=max(concurrency, 1) * 2, limit_per_host=0, force_close=False)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))


def aiohttp_sender(
    session: aiohttp.ClientSession,
    url: str,
    body: bytes,
    *,
    headers: Mapping[str, str],
    ok_status: tuple[int, ...] = (200, 201),
    idempotency_prefix: str | None = None,
    expect: bytes | None = None,
    expect_header: tuple[str, str] | None = None,
) -> Send:
    """POST ``body`` to ``url``; a fresh ``Idempotency-Key`` per request when ``idempotency_prefix``.

    ``ok`` means: the status is one of ``ok_status``, the body contains ``expect`` (a cheap byte
    search, no JSON parse on the generator's CPU) and ``expect_header`` is present.
    """
    base = {"Content-Type": "application/json", **headers}

    async def send(i: int) -> bool:
        h = base if idempotency_prefix is None else {**base, "Idempotency-Key": f"{idempotency_prefix}-{i}"}
        async with session.post(url, data=body, headers=h) as resp:
            data = await resp.read()
            if resp.status not in ok_status:
                raise RuntimeError(f"HTTP {resp.status}: {data[:300]!r}")
            if expect is not None and expect not in data:
                raise RuntimeError(f"unexpected body: {data[:300]!r}")
            if expect_header is not None and resp.headers.get(expect_header[0]) != expect_header[1]:
                raise RuntimeError(f"missing header {expect_header[0]}: {expect_header[1]}")
            return True

    return send
