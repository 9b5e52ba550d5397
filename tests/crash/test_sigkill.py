"""A hub process SIGKILLed while the provider call is in flight loses nothing and charges once.

Real processes, real ports: the simulated PSP runs in its own process (so it remembers
what it was asked), the hub is ``payhub serve`` on SQLite or PostgreSQL. The test card
records the charge and then hangs; the hub is killed while it waits for the reply. After
a restart:

* the client's retry with the same ``Idempotency-Key`` is told 409 ``idempotency_key_in_use``
  (with ``Retry-After``) until the dead request's key lease runs out, then gets the payment
  the first attempt created (never a second provider call);
* the sweeper finds the operation ``pending`` past its lease, resolution looks it up and
  the payment ends ``authorized``;
* the simulator performed exactly one authorization.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_KEY, IN_CI, _has_schema, flush_test_redis, pg_url, redis_test_url, reset_pg

pytestmark = pytest.mark.slow

HANG_CARD = "4000000000000259"
PAYHUB = str(Path(sys.executable).parent / "payhub")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args!r} exited with {proc.returncode}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.simulator.app", "--port", str(port), "--hang-seconds", "4"],
        stdout=(tmp_path / "sim.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/_sim/stats", proc)
        yield url
    finally:
        proc.kill()
        proc.wait()


def hub_config(tmp_path: Path, simulator_url: str) -> Path:
    path = tmp_path / "payhub.toml"
    path.write_text(
        f"""
[[accounts]]
id = "sandbox"
adapter = "simulator"
base_url = "{simulator_url}"
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


class HubProcess:
    def __init__(self, db_url: str, config: Path, tmp_path: Path, redis_url: str | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PAYHUB_DATABASE_URL": db_url,
            "PAYHUB_MASTER_KEY_FILE": str(tmp_path / "payhub.key"),
            "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
            "PAYHUB_CONFIG": str(config),
            "PAYHUB_LOG_FORMAT": "text",
        }
        self.env.pop("PAYHUB_REDIS_URL", None)
        if redis_url:
            self.env["PAYHUB_REDIS_URL"] = redis_url
        self.log = tmp_path / "hub.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def start_worker(self) -> None:
        """``payhub worker``: with Redis, jobs (resolution, the sweeper) run here, not in serve."""
        self.worker = subprocess.Popen(
            [PAYHUB, "worker"], env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [PAYHUB, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_http(f"{self.url}/health", self.proc)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        for proc in (self.proc, self.worker):
            if proc is not None and proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def sim_authorizations(simulator_url: str) -> int:
    stats: dict[str, Any] = httpx.get(f"{simulator_url}/_sim/stats").json()
    return int(stats["operations"].get("authorize", 0))


async def test_sigkill_during_provider_call_then_restart(db_url: str, tmp_path: Path, simulator: str) -> None:
    """Embedded job runner (SQLite and PostgreSQL): the restarted process sweeps and resolves."""
    if db_url.startswith("postgresql") and await _has_schema(db_url):
        await reset_pg(db_url)
    await kill_and_retry(HubProcess(db_url, hub_config(tmp_path, simulator), tmp_path), simulator)


async def test_sigkill_api_and_worker_with_redis(pg_database: str, tmp_path: Path, simulator: str) -> None:
    """PostgreSQL + Redis: the API process and the worker are both killed; Redis is flushed
    too (every queued job lost); a new worker's sweeper recovers the operation from the database."""
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
    hub = HubProcess(db_url, hub_config(tmp_path, simulator), tmp_path, redis_url=redis_url)
    await kill_and_retry(hub, simulator, redis_url=redis_url)


async def kill_and_retry(hub: HubProcess, simulator: str, *, redis_url: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}", "Idempotency-Key": "order-1001-attempt"}
    body = {
        "amount": 2599,
        "currency": "EUR",
        "capture": "manual",
        "reference": "order-1001",
        "payment_method": {
            "type": "card",
            "card": {"number": HANG_CARD, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
        },
    }
    hub.start()
    if redis_url:
        hub.start_worker()
    try:
        async with httpx.AsyncClient(base_url=hub.url, timeout=30.0) as client:
            first = asyncio.create_task(client.post("/v1/payments", json=body, headers=headers))
            deadline = time.monotonic() + 15
            while sim_authorizations(simulator) < 1:  # the provider has charged; the reply hangs
                assert time.monotonic() < deadline, "the simulator never saw the authorization"
                await asyncio.sleep(0.05)
            hub.kill()
            with pytest.raises(httpx.HTTPError):
                await first  # the client saw the connection die
        if redis_url:
            assert hub.worker is not None
            hub.worker.send_signal(signal.SIGKILL)
            hub.worker.wait()
            flush_test_redis()  # every queued job is gone

        hub.start()
        if redis_url:
            hub.start_worker()
        async with httpx.AsyncClient(base_url=hub.url, timeout=30.0) as client:
            retry = await client.post("/v1/payments", json=body, headers=headers)
            deadline = time.monotonic() + 30
            while retry.status_code == 409:  # the dead request's key lease has not run out yet
                assert retry.json()["code"] == "idempotency_key_in_use"
                assert time.monotonic() < deadline
                await asyncio.sleep(float(retry.headers["Retry-After"]))
                retry = await client.post("/v1/payments", json=body, headers=headers)
            assert retry.status_code in (200, 201), retry.text
            payment = retry.json()
            assert payment["status"] in ("processing", "authorized")
            assert payment["reference"] == "order-1001"

            deadline = time.monotonic() + 30
            while payment["status"] != "authorized":
                assert time.monotonic() < deadline, f"never resolved: {payment}"
                await asyncio.sleep(0.25)
                got = await client.get(f"/v1/payments/{payment['id']}", headers=headers)
                payment = got.json()
            assert payment["amount"] == 2599

            listed = await client.get("/v1/payments", params={"reference": "order-1001"}, headers=headers)
            assert [p["id"] for p in listed.json()["data"]] == [payment["id"]]  # one payment, not two

            again = await client.post("/v1/payments", json=body, headers=headers)
            assert again.json()["id"] == payment["id"]
        assert sim_authorizations(simulator) == 1  # the provider charged exactly once
    finally:
        hub.stop()
