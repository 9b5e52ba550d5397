"""The floor: the same durable work per payment as the hub, with no framework.

Per payment: one transaction INSERTing the payment and its operation (commit), the provider call
to the stand-in (aiohttp, keep-alive, the operation id as Idempotency-Key), one transaction
UPDATEing both with the outcome (commit). asyncpg with a pool as large as the hub's (40
connections); PostgreSQL commits are durable (synchronous_commit as the server has it: on).

    python -m benchmarks.floor --dsn postgresql://... --sim-url http://127.0.0.1:PORT \
        --concurrency 1,16,64 --duration 4 --warmup 1      # prints one JSON list
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import secrets
import sys
import time
from typing import Any

import aiohttp
import asyncpg
import msgspec

from benchmarks.loadgen import LoadResult, Send, aiohttp_session, run_load

POOL_MAX = 30  # as the hubs the benchmark starts (benchmarks.stack.POOL_SIZE), no overflow

SCHEMA = """
CREATE TABLE IF NOT EXISTS floor_payments (
    id text PRIMARY KEY, owner text NOT NULL, account_id text NOT NULL, status text NOT NULL,
    amount bigint NOT NULL, currency text NOT NULL, provider_reference text,
    payment_method jsonb NOT NULL, metadata jsonb NOT NULL,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS floor_operations (
    id text PRIMARY KEY, payment_id text NOT NULL, kind text NOT NULL, status text NOT NULL,
    amount bigint NOT NULL, currency text NOT NULL, provider_idempotency_key text NOT NULL,
    provider_reference text, response jsonb,
    created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS floor_operations_payment ON floor_operations (payment_id);
"""

INSERT_PAYMENT = """INSERT INTO floor_payments (id, owner, account_id, status, amount, currency,
    payment_method, metadata, created_at, updated_at) VALUES ($1, 'default', 'sim', 'processing', $2, 'EUR',
    $3, '{}', $4, $4)"""
INSERT_OPERATION = """INSERT INTO floor_operations (id, payment_id, kind, status, amount, currency,
    provider_idempotency_key, created_at, updated_at) VALUES ($1, $2, 'authorize', 'pending', $3, 'EUR', $4, $5, $5)"""
UPDATE_PAYMENT = (
    "UPDATE floor_payments SET status = $2, provider_reference = $3, updated_at = $4 WHERE id = $1"
)
UPDATE_OPERATION = """UPDATE floor_operations SET status = $2, provider_reference = $3, response = $4,
    updated_at = $5 WHERE id = $1"""

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
MASKED = json.dumps({"type": "card", "brand": "visa", "last4": "4242"})


class Charge(msgspec.Struct):
    id: str
    status: str


def floor_sender(pool: asyncpg.Pool, session: aiohttp.ClientSession, sim_url: str) -> Send:
    url = f"{sim_url}/v1/charges"
    decode = msgspec.json.Decoder(Charge).decode
    encode = msgspec.json.encode

    async def send(i: int) -> bool:
        pay_id = "pay_" + secrets.token_hex(13)
        op_id = "op_" + secrets.token_hex(13)
        now = dt.datetime.now(dt.UTC)
        amount = 1000 + i % 1000
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(INSERT_PAYMENT, pay_id, amount, MASKED, now)
            await conn.execute(INSERT_OPERATION, op_id, pay_id, amount, f"payhub-{op_id}", now)
        body = encode(
            {"amount": amount, "currency": "EUR", "card": CARD, "capture": False, "reference": pay_id}
        )
        headers = {"Content-Type": "application/json", "Idempotency-Key": f"payhub-{op_id}"}
        async with session.post(url, data=body, headers=headers) as resp:
            raw = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"stand-in answered {resp.status}: {raw[:200]!r}")
        charge = decode(raw)
        status = "authorized" if charge.status == "authorized" else "failed"
        now = dt.datetime.now(dt.UTC)
        async with pool.acquire() as conn, conn.transaction():
            await conn.execute(UPDATE_PAYMENT, pay_id, status, charge.id, now)
            await conn.execute(
                UPDATE_OPERATION,
                op_id,
                "succeeded",
                charge.id,
                encode({"status": charge.status}).decode(),
                now,
            )
        return status == "authorized"

    return send


async def run_floor(
    dsn: str, sim_url: str, concurrencies: list[int], *, duration: float, warmup: float
) -> list[LoadResult]:
    setup = await asyncpg.connect(dsn)
    try:
        await setup.execute(SCHEMA)
    finally:
        await setup.close()
    results = []
    top = max(concurrencies)
    async with asyncpg.create_pool(dsn, min_size=1, max_size=min(top, POOL_MAX)) as pool:
        async with aiohttp_session(top) as session:
            send = floor_sender(pool, session, sim_url)
            for c in concurrencies:
                cpu0 = time.process_time()
                res = await run_load(send, concurrency=c, duration=duration, warmup=warmup)
                res.cpu_ms = (time.process_time() - cpu0) * 1000 / max(1, res.total)
                results.append(res)
    return results


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn", required=True)
    ap.add_argument("--sim-url", required=True)
    ap.add_argument("--concurrency", default="1,16,64")
    ap.add_argument("--duration", type=float, default=4.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    args = ap.parse_args(argv)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    results = asyncio.run(
        run_floor(args.dsn, args.sim_url, concurrencies, duration=args.duration, warmup=args.warmup)
    )
    out: list[dict[str, Any]] = [r.summary() for r in results]
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
