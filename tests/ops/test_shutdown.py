"""SIGTERM, with real processes: ``payhub serve`` refuses new connections, lets the request in
flight (a slow provider call) answer, and exits within ``shutdown_grace``; ``payhub worker``
finishes the job it holds, or hands it back to the queue when the grace runs out."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ADMIN_KEY, flush_test_redis, redis_test_url
from tests.ops.procs import PAYHUB, free_port, fresh_database, hub_env, wait_http

pytestmark = pytest.mark.slow

HANG_CARD = "4000000000000259"  # the simulator answers it after --hang-seconds


@pytest.fixture
def slow_simulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "adapters.simulator.app", "--port", str(port), "--hang-seconds", "4"],
        stdout=(tmp_path / "sim.log").open("wb"), stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/_sim/stats", proc)
        yield url
    finally:
        proc.kill()
        proc.wait()


class Serve:
    def __init__(self, tmp_path: Path, db_url: str, simulator_url: str, grace: float) -> None:
        config = tmp_path / "payhub.toml"
        config.write_text(
            f'shutdown_grace = {grace}\n\n[[accounts]]\nid = "sandbox"\nadapter = "simulator"\n'
            f'base_url = "{simulator_url}"\n[accounts.timeouts]\nconnect = 1.0\nread = 10.0\n'
        )
        fresh_database(db_url)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = hub_env(tmp_path, PAYHUB_DATABASE_URL=db_url, PAYHUB_CONFIG=str(config),
                      PAYHUB_BOOTSTRAP_API_KEY=ADMIN_KEY)
        self.log = tmp_path / "serve.log"
        self.proc = subprocess.Popen([PAYHUB, "serve", "--port", str(self.port)], env=env, cwd=tmp_path,
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)
        wait_http(f"{self.url}/health", self.proc)

    def pay_in_background(self, key: str) -> dict[str, Any]:
        """POST a payment with the slow card on a thread; the dict gets 'response' or 'error'."""
        out: dict[str, Any] = {}

        def go() -> None:
            try:
                out["response"] = httpx.post(
                    f"{self.url}/v1/payments",
                    headers={"Authorization": f"Bearer {ADMIN_KEY}", "Idempotency-Key": key},
                    json={"amount": 1099, "currency": "EUR", "capture": "manual",
                          "payment_method": {"type": "card", "card": {
                              "number": HANG_CARD, "exp_month": 12, "exp_year": 2030, "cvc": "123"}}},
                    timeout=30,
                )
            except httpx.HTTPError as exc:
                out["error"] = exc

        out["thread"] = thread = threading.Thread(target=go)
        thread.start()
        return out

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_sigterm_during_a_slow_provider_call_lets_it_answer(
    tmp_path: Path, db_url: str, slow_simulator: str
) -> None:
    serve = Serve(tmp_path, db_url, slow_simulator, grace=15)
    try:
        call = serve.pay_in_background(f"ops-sigterm-{time.time_ns()}")
        time.sleep(1.0)  # the provider call is in flight (it answers after 4 s)
        sent = time.monotonic()
        serve.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        with pytest.raises(httpx.ConnectError):  # no new connection is taken
            httpx.get(f"{serve.url}/health", timeout=2)
        call["thread"].join(timeout=20)
        assert "error" not in call, call.get("error")
        response = call["response"]
        assert 200 <= response.status_code < 300, response.text
        assert response.json()["status"] == "authorized"
        assert serve.proc.wait(timeout=20) == 0
        assert time.monotonic() - sent < 15  # well inside the grace: it waited for the call only
    finally:
        serve.stop()
    log = serve.log.read_text()
    assert "SIGTERM received" in log and "payhub serve stopped" in log
    assert "Traceback" not in log


def test_sigterm_with_a_short_grace_exits_within_it(tmp_path: Path, slow_simulator: str) -> None:
    serve = Serve(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}", slow_simulator, grace=1)
    try:
        call = serve.pay_in_background(f"ops-grace-{time.time_ns()}")
        time.sleep(1.0)
        sent = time.monotonic()
        serve.proc.send_signal(signal.SIGTERM)
        assert serve.proc.wait(timeout=15) == 0
        assert time.monotonic() - sent < 1 + 2.5  # the grace, plus closing pools
        call["thread"].join(timeout=10)
        assert "response" not in call or call["response"].status_code >= 500  # cut off, not answered 2xx
    finally:
        serve.stop()


class Worker:
    def __init__(self, tmp_path: Path, seconds: float, grace: float) -> None:
        self.marks = tmp_path / "marks"
        self.marks.mkdir(exist_ok=True)
        flush_test_redis()
        self.redis_url = redis_test_url()
        env = hub_env(tmp_path, PAYHUB_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}",
                      PAYHUB_REDIS_URL=self.redis_url, PAYHUB_SHUTDOWN_GRACE=str(grace))
        self.log = tmp_path / "worker.log"
        script = Path(__file__).with_name("slow_worker.py")
        self.proc = subprocess.Popen([sys.executable, str(script), str(self.marks), str(seconds)],
                                     env=env, cwd=Path(__file__).parents[2],
                                     stdout=self.log.open("wb"), stderr=subprocess.STDOUT)

    def enqueue(self, n: int) -> str:
        from hub.jobs.arq_runner import ArqRunner

        async def go() -> None:
            runner = ArqRunner(self.redis_url)
            runner.register("ops_slow", lambda **_: asyncio.sleep(0))
            await runner.enqueue("ops_slow", job_id=f"ops-slow-{n}", n=n)
            await runner.stop()

        asyncio.run(go())
        return f"ops-slow-{n}"

    def wait_started(self, n: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not (self.marks / f"started-{n}").exists():
            assert self.proc.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def queued(self, job_id: str) -> bool:
        import redis

        from hub.jobs.arq_runner import QUEUE_NAME

        return redis.Redis.from_url(self.redis_url).zscore(QUEUE_NAME, job_id) is not None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def test_worker_sigterm_finishes_the_job_it_holds(tmp_path: Path) -> None:
    worker = Worker(tmp_path, seconds=2.0, grace=15)
    try:
        job = worker.enqueue(1)
        worker.wait_started(1)
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=20) == 0
        assert (worker.marks / "finished-1").exists()
        assert not worker.queued(job)  # done: not handed back
    finally:
        worker.stop()
    assert re.search(r"\d+ jobs complete, 0 failed", worker.log.read_text())  # its own and any periodic sweep


def test_worker_sigterm_hands_a_long_job_back_after_the_grace(tmp_path: Path) -> None:
    worker = Worker(tmp_path, seconds=60.0, grace=1)
    try:
        job = worker.enqueue(2)
        worker.wait_started(2)
        sent = time.monotonic()
        worker.proc.send_signal(signal.SIGTERM)
        assert worker.proc.wait(timeout=20) == 0
        assert time.monotonic() - sent < 1 + 5
        assert not (worker.marks / "finished-2").exists()
        assert worker.queued(job)  # back on the queue for the next worker
    finally:
        worker.stop()
    assert "1 handed back" in worker.log.read_text()
