"""The transport under the adapters: httpx's default pool vs hub.http's SafeAiohttpTransport (httpx
API, aiohttp I/O) vs raw aiohttp, at 1/16/64 concurrent requests against the stand-in.

    python -m benchmarks.transports --sim-url http://127.0.0.1:PORT [--duration 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import httpx
import msgspec

from benchmarks.loadgen import LoadResult, Send, aiohttp_sender, aiohttp_session, run_load
from hub.http import make_transport

CHARGE = msgspec.json.encode(
    {
        "amount": 1099,
        "currency": "EUR",
        "capture": False,
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
    }
)
HEADERS = {"Content-Type": "application/json"}


def _httpx_sender(client: httpx.AsyncClient, url: str) -> Send:
    async def send(i: int) -> bool:
        resp = await client.post(
            url, content=CHARGE, headers={**HEADERS, "Idempotency-Key": f"tr-{id(client)}-{i}"}
        )
        if resp.status_code != 200:
            raise RuntimeError(f"HTTP {resp.status_code}")
        return True

    return send


@contextlib.asynccontextmanager
async def httpx_default(url: str, concurrency: int) -> AsyncIterator[Send]:
    async with httpx.AsyncClient(timeout=60) as client:  # httpx's default pool (100 / 20 keep-alive)
        yield _httpx_sender(client, url)


@contextlib.asynccontextmanager
async def httpx_hub_transport(url: str, concurrency: int) -> AsyncIterator[Send]:
    async with httpx.AsyncClient(transport=make_transport("aiohttp"), timeout=60) as client:
        yield _httpx_sender(client, url)


@contextlib.asynccontextmanager
async def raw_aiohttp(url: str, concurrency: int) -> AsyncIterator[Send]:
    session: aiohttp.ClientSession = aiohttp_session(concurrency)
    async with session:
        yield aiohttp_sender(
            session, url, CHARGE, headers={}, ok_status=(200,), idempotency_prefix=f"tr-{id(session)}"
        )


CLIENTS: dict[str, Callable[[str, int], contextlib.AbstractAsyncContextManager[Send]]] = {
    "httpx default pool": httpx_default,
    "httpx + hub.http aiohttp transport": httpx_hub_transport,
    "raw aiohttp": raw_aiohttp,
}


async def compare(
    sim_url: str, concurrencies: list[int], *, duration: float, warmup: float
) -> dict[tuple[str, int], LoadResult]:
    url = f"{sim_url}/v1/charges"
    out: dict[tuple[str, int], LoadResult] = {}
    for name, make in CLIENTS.items():
        for c in concurrencies:
            async with make(url, c) as send:
                out[(name, c)] = await run_load(send, concurrency=c, duration=duration, warmup=warmup)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="httpx default pool vs hub.http transport vs raw aiohttp")
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--duration", type=float, default=2.0)
    ap.add_argument("--warmup", type=float, default=0.5)
    args = ap.parse_args(argv)
    results = asyncio.run(
        compare(
            args.sim_url,
            [int(c) for c in args.concurrency.split(",")],
            duration=args.duration,
            warmup=args.warmup,
        )
    )
    for (name, c), r in results.items():
        s: dict[str, Any] = r.summary()
        print(
            f"{name:36s} c={c:<3d} {s['rps']:8.0f} req/s  p50 {s['p50']:7.2f} ms  p99 {s['p99']:7.2f} ms  errors {s['errors']}"
        )


if __name__ == "__main__":
    main()
