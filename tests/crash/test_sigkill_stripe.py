"""``payhub serve`` SIGKILLed mid-call against the strict Stripe fake (PostgreSQL + Redis +
``payhub worker``): the fake refuses a key reused with other parameters, prunes keys after
24 h and lags Search, like Stripe. The card becomes a PaymentMethod, the PaymentIntent is
created (the charge is made) and its reply hangs; the API process and the worker are killed
and Redis is flushed. After a restart the payment is ``authorized`` with exactly one
PaymentIntent, and it is never ``failed`` on the way."""

from __future__ import annotations

import asyncio
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_KEY, IN_CI, _has_schema, flush_test_redis, pg_url, redis_test_url, reset_pg
from tests.crash.test_sigkill import HubProcess, free_port, wait_http

pytestmark = pytest.mark.slow

SECRET_KEY = "sk_test_" + secrets.token_hex(12)
WEBHOOK_SECRET = "whsec_" + secrets.token_hex(12)


@pytest.fixture
def stripe_fake(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "contract_tests.fakes.stripe_server", "--port", str(port),
         "--secret-key", SECRET_KEY, "--webhook-secret", WEBHOOK_SECRET,
         "--hang-first-intent", "6", "--search-lag", "3"],
        stdout=(tmp_path / "stripe.log").open("wb"),
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/_fake/stats", proc)
        yield url
    finally:
        proc.kill()
        proc.wait()


def stats(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/_fake/stats").json()
    return body


def config(tmp_path: Path, stripe_url: str) -> Path:
    path = tmp_path / "payhub.toml"
    path.write_text(
        f"""
default_account = "stripe"

[[accounts]]
id = "stripe"
adapter = "stripe"
base_url = "{stripe_url}"
[accounts.credentials]
secret_key = "{SECRET_KEY}"
webhook_secret = "{WEBHOOK_SECRET}"
[accounts.timeouts]
connect = 1.0
read = 8.0

[idempotency]
lease_seconds = 3.0

[resolution]
schedule = [0.5, 1.0, 2.0]
lease_margin = 0.5
sweep_interval = 1.0
"""
    )
    return path


async def test_sigkill_mid_authorization_on_stripe_with_redis_and_worker(
    pg_database: str, tmp_path: Path, stripe_fake: str
) -> None:
    import redis

    db_url = pg_url(pg_database)
    if await _has_schema(db_url):
        await reset_pg(db_url)
    redis_url = redis_test_url()
    try:
        redis.Redis.from_url(redis_url).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis unreachable: {exc}")
    hub = HubProcess(db_url, config(tmp_path, stripe_fake), tmp_path, redis_url=redis_url)
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "Idempotency-Key": "order-2002-attempt"}
    body = {
        "amount": 4200,
        "currency": "EUR",
        "capture": "manual",
        "reference": "order-2002",
        "payment_method": {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        },
    }
    hub.start()
    hub.start_worker()
    try:
        async with httpx.AsyncClient(base_url=hub.url, timeout=30.0) as client:
            first = asyncio.create_task(client.post("/v1/payments", json=body, headers=headers))
            deadline = time.monotonic() + 15
            while stats(stripe_fake)["authorize"] < 1:  # charged; the reply hangs
                assert time.monotonic() < deadline, "the fake never saw the PaymentIntent"
                await asyncio.sleep(0.05)
            hub.kill()
            with pytest.raises(httpx.HTTPError):
                await first
        assert hub.worker is not None
        hub.worker.send_signal(signal.SIGKILL)
        hub.worker.wait()
        flush_test_redis()  # every queued job is gone
        killed_at = time.monotonic()

        hub.start()
        hub.start_worker()
        async with httpx.AsyncClient(base_url=hub.url, timeout=30.0) as client:
            retry = await client.post("/v1/payments", json=body, headers=headers)
            while retry.status_code == 409:  # the dead request's key lease has not run out yet
                assert time.monotonic() - killed_at < 40
                await asyncio.sleep(float(retry.headers["Retry-After"]))
                retry = await client.post("/v1/payments", json=body, headers=headers)
            assert retry.status_code in (200, 201), retry.text
            payment = retry.json()
            seen = [payment["status"]]
            while payment["status"] != "authorized":
                assert time.monotonic() - killed_at < 40, f"never resolved: {payment} (seen {seen})"
                await asyncio.sleep(0.25)
                payment = (await client.get(f"/v1/payments/{payment['id']}", headers=headers)).json()
                seen.append(payment["status"])
            assert "failed" not in seen, seen
            listed = await client.get("/v1/payments", params={"reference": "order-2002"}, headers=headers)
            assert [p["id"] for p in listed.json()["data"]] == [payment["id"]]
        assert stats(stripe_fake) == {"authorize": 1, "payment_intents": 1}  # one charge
    finally:
        hub.stop()
