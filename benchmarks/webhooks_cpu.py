"""The hub's own CPU per inbound webhook, in process: robust where events/s is not (a shared machine).

One hub (``hub.runtime.Hub`` + the Litestar app, middleware included, no HTTP server) on a fresh
PostgreSQL database and a Redis database of its own (arq: the jobs are really enqueued; no worker
runs them). N concurrent clients call the ASGI app directly with signed simulator events (a new
event id each, as ``benchmarks.webhooks`` sends them), and the process's CPU time
(``time.process_time``) is divided by the events acknowledged. What it leaves out: uvicorn (HTTP
parsing and writing: about 0.1 ms per request), the load generator's and PostgreSQL's CPU; the
clients' signing runs in this process and is measured apart and subtracted. ``--apply`` then
applies the stored events one by one in process (``Inbox.process``, what a worker's job does,
arq's own cost aside) and prints the CPU per event of that too.

    .venv/bin/python -m benchmarks.webhooks_cpu [--events 4000] [--concurrency 16] [--apply]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks.stack import PG_ADMIN_DSN, REDIS_BASE, flush_redis_db, pick_redis_db
from webhooks.standard import sign_headers

SECRET = "whsec_" + "cGF5aHViLXdlYmhvb2stY3B1LWJlbmNoLWtleQ=="
ADMIN = "phk_cpubench_" + secrets.token_urlsafe(16)
TOML = f"""
default_account = "sim"
[[accounts]]
id = "sim"
adapter = "simulator"
[accounts.credentials]
webhook_secret = "{SECRET}"
"""


async def _call(app: Any, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {},
    }  # fmt: skip
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, chunks = 0, []

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def measure(events: int, concurrency: int, apply: bool = False) -> dict[str, Any]:
    from hub.api.app import create_app
    from hub.config import load_settings
    from hub.runtime import Hub

    db = f"payhub_cpubench_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{db}"')
    redis_db = await pick_redis_db(None)
    tmp = Path(tempfile.mkdtemp(prefix="payhub-cpubench-"))
    (tmp / "payhub.toml").write_text(TOML)
    env = {
        "PAYHUB_DATABASE_URL": PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        + "/" + db,
        "PAYHUB_REDIS_URL": f"{REDIS_BASE}/{redis_db}",
        "PAYHUB_MASTER_KEY_FILE": str(tmp / "payhub.key"),
        "PAYHUB_BOOTSTRAP_API_KEY": ADMIN,
        "PAYHUB_LOG_LEVEL": "WARNING",
    }  # fmt: skip
    hub = Hub(load_settings(tmp / "payhub.toml", environ=env))
    try:
        await hub.start()
        await hub.bootstrap_keys()
        app: Any = create_app(hub, manage_lifecycle=False)
        payment = json.dumps({
            "amount": 1099, "currency": "EUR", "capture": "manual", "account": "sim",
            "payment_method": {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                        "exp_year": 2031, "cvc": "123"}},
        }).encode()  # fmt: skip
        auth = {"authorization": f"Bearer {ADMIN}", "content-type": "application/json"}
        status, created = await _call(app, "POST", "/v1/payments", payment, auth)
        if status not in (200, 201):
            raise RuntimeError(f"payment: {status} {created[:200]!r}")
        from adapters.simulator.app import sim_state

        sim = sim_state(hub.providers.get("sim").in_process_app)
        template, template_id = next(
            (e.body, e.id) for e in reversed(sim.signed_events()) if e.type == "charge.authorized"
        )
        prefix = f"evt_cpu_{secrets.token_hex(3)}_"
        counter = iter(range(events))

        async def client() -> None:
            for i in counter:
                msg_id = f"{prefix}{i}"
                body = template.replace(template_id, msg_id).encode()
                headers = {"content-type": "application/json", **sign_headers(SECRET, msg_id, body)}
                status, data = await _call(app, "POST", "/v1/webhooks/sim", body, headers)
                if status != 200:
                    raise RuntimeError(f"webhook: {status} {data[:200]!r}")

        sign_cpu = time.process_time()  # the clients' signing is this process's too: measured apart
        for i in range(500):
            sign_headers(SECRET, f"x{i}", template.encode())
        sign_cpu = (time.process_time() - sign_cpu) / 500
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        dispatcher = getattr(hub.inbox, "dispatcher", None)  # the jobs are enqueued after the answers
        if dispatcher is not None:
            await dispatcher.join()
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        figures: dict[str, Any] = {
            "events": events,
            "concurrency": concurrency,
            "cpu_ms_per_event": round((cpu / events - sign_cpu) * 1000, 3),
            "events_per_s_wall": round(events / wall, 1),
        }
        if apply:  # what the worker does with each (its jobs' arq overhead aside)
            ids = [r["id"] for r in await hub.inbox.rows(status="received", limit=events)]
            cpu0 = time.process_time()
            for inbox_id in ids:
                await hub.inbox.process(inbox_id)
            figures["apply_cpu_ms_per_event"] = round((time.process_time() - cpu0) * 1000 / max(1, len(ids)), 3)
        return figures
    finally:
        await hub.stop()
        await admin.execute(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        await admin.close()
        await flush_redis_db(redis_db)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="the hub's CPU per inbound webhook, in process")
    ap.add_argument("--events", type=int, default=4000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--apply", action="store_true", help="then apply the stored events one by one, in process")
    args = ap.parse_args(argv)
    print(json.dumps(asyncio.run(measure(args.events, args.concurrency, args.apply)), indent=2))


if __name__ == "__main__":
    main()
