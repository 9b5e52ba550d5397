"""Inbound webhook acknowledgements: events/s stored and answered, and the ack latency.

Signed Standard Webhooks events (the simulator account's scheme), each with a new event id, are
POSTed to ``/v1/webhooks/{account}`` of a hub served by uvicorn on PostgreSQL + Redis (with a
``payhub worker`` applying them). The event is a real ``charge.authorized`` the simulator
recorded for a payment made through the hub, so every job finds its operation (already
certain: nothing to apply). Afterwards the inbox is counted: every acknowledged event must be
stored. Goals (issue 5): >= 2,000 events/s stored, ack p99 <= 20 ms. Prints figures; asserts
nothing.

``python -m benchmarks.run`` calls :func:`bench` on its stack; standalone it starts its own:

    .venv/bin/python -m benchmarks.webhooks [--duration 5] [--warmup 1] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
from typing import Any

import aiohttp
import asyncpg

from benchmarks.loadgen import Send, aiohttp_session, proc_cpu_seconds, run_load
from webhooks.standard import sign_headers


async def _event_template(hub_url: str, sim_url: str, admin_key: str, account_id: str) -> tuple[str, str]:
    """A real simulator event (body, its id) about a payment made through the hub."""
    auth = {"Authorization": f"Bearer {admin_key}"}
    payment = {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "account": account_id,
        "payment_method": {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        },
    }
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{hub_url}/v1/payments", json=payment, headers=auth) as resp:
            created = await resp.json()
            if created.get("status") != "authorized":
                raise RuntimeError(f"could not create the benchmark payment: {resp.status} {created}")
        async with session.get(f"{sim_url}/_sim/events") as resp:
            events = (await resp.json())["data"]
    for event in reversed(events):
        body = str(event["body"])
        if event["type"] == "charge.authorized" and created["id"] in body:
            return body, str(event["id"])
    raise RuntimeError("the simulator recorded no charge.authorized event for the benchmark payment")


async def _stored(dsn: str, account_id: str, prefix: str) -> tuple[int, int]:
    """The benchmark's events stored, and how many of them the worker has applied so far."""
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT count(*) AS stored, count(*) FILTER (WHERE status <> 'received') AS applied"
            " FROM webhook_inbox WHERE account_id = $1 AND provider_event_id LIKE $2",
            account_id,
            prefix + "%",
        )
    finally:
        await conn.close()
    return int(row["stored"]), int(row["applied"])


async def webhook_sender(
    session: aiohttp.ClientSession, hub_url: str, sim_url: str, admin_key: str, account_id: str, secret: str
) -> tuple[Send, str]:
    """``send(i)``: POST the i-th signed event (a new event id each); and the ids' prefix."""
    template, template_id = await _event_template(hub_url, sim_url, admin_key, account_id)
    prefix = f"evt_bench_{secrets.token_hex(4)}_"
    url = f"{hub_url}/v1/webhooks/{account_id}"

    async def send(i: int) -> bool:
        msg_id = f"{prefix}{i}"
        body = template.replace(template_id, msg_id).encode()
        headers = {"Content-Type": "application/json", **sign_headers(secret, msg_id, body)}
        async with session.post(url, data=body, headers=headers) as resp:
            data = await resp.read()
            if resp.status != 200:
                raise RuntimeError(f"HTTP {resp.status}: {data[:300]!r}")
        return True

    return send, prefix


async def bench(
    hub_url: str,
    sim_url: str,
    admin_key: str,
    account_id: str,
    webhook_secret: str | None,
    dsn: str | None = None,
    duration: float = 5.0,
    warmup: float = 1.0,
    concurrency: int = 16,
    stack: Any = None,
) -> dict[str, Any]:
    if not webhook_secret:
        raise RuntimeError("the simulator's webhook secret is needed to sign the events")
    async with aiohttp_session(concurrency) as session:
        send, prefix = await webhook_sender(session, hub_url, sim_url, admin_key, account_id, webhook_secret)
        pids = _pids(stack)
        if pids:
            pids["loadgen"] = os.getpid()  # the clients (signing, aiohttp): the same 2 cores
        cpu0 = {name: proc_cpu_seconds(pid) for name, pid in pids.items()}
        res = await run_load(send, concurrency=concurrency, duration=duration, warmup=warmup)
        cpu = {name: proc_cpu_seconds(pid) - cpu0[name] for name, pid in pids.items()}
        stored, applied = await _stored(dsn, account_id, prefix) if dsn else (0, 0)
    figures: dict[str, Any] = {
        "rate": round(res.rps, 1),
        "ack_p50": round(res.p50, 2),
        "ack_p99": round(res.p99, 2),
        "errors": res.errors,
    }
    for name, seconds in cpu.items():  # over warm-up + window: every completion (res.total)
        figures[f"{name}_cpu_ms_per_event"] = round(seconds * 1000 / max(1, res.total), 3)
    if dsn:
        figures["stored_all"] = stored >= res.total - res.errors  # every acknowledged event is in the inbox
        figures["applied_during_load"] = applied  # the worker lags: the rest is applied afterwards
        if "worker" in cpu and applied:
            figures["worker_cpu_ms_per_applied_event"] = round(cpu["worker"] * 1000 / applied, 3)
    if res.first_error:
        figures["first_error"] = res.first_error
    return figures


def _pids(stack: Any) -> dict[str, int]:
    """The hub's (and the worker's) pid when the stack is known: CPU per event is measured (the
    worker applies the events while they arrive, on the same cores)."""
    if stack is None:
        return {}
    procs = getattr(stack, "processes", {})
    return {name: procs[name].popen.pid for name in ("hub", "worker") if name in procs}


async def _standalone(args: argparse.Namespace) -> dict[str, Any]:
    from benchmarks.stack import MAIN_ACCOUNT, Stack

    async with Stack() as stack:
        return await bench(
            stack.hub_url,
            stack.sim_url,
            stack.admin_key,
            MAIN_ACCOUNT,
            stack.webhook_secret,
            dsn=stack.dsn,
            duration=args.duration,
            warmup=args.warmup,
            concurrency=args.concurrency,
            stack=stack,
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="inbound webhook acknowledgements per second and ack p99")
    ap.add_argument("--duration", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--concurrency", type=int, default=16)
    figures = asyncio.run(_standalone(ap.parse_args(argv)))
    print(json.dumps(figures, indent=2))
    print(
        f"inbound webhooks: {figures['rate']:.0f} events/s acknowledged and stored "
        f"(goal >= 2000), ack p50 {figures['ack_p50']:.1f} ms, p99 {figures['ack_p99']:.1f} ms (goal <= 20)"
    )
    if "hub_cpu_ms_per_event" in figures:
        print(
            f"CPU per event: hub {figures['hub_cpu_ms_per_event']:.3f} ms, "
            f"worker {figures.get('worker_cpu_ms_per_event', float('nan')):.3f} ms, "
            f"load generator {figures.get('loadgen_cpu_ms_per_event', float('nan')):.3f} ms (while the load ran); "
            f"the worker applied {figures.get('applied_during_load', 0)} of them meanwhile: "
            f"{figures.get('worker_cpu_ms_per_applied_event', float('nan')):.3f} ms per applied event"
        )


if __name__ == "__main__":
    main()
