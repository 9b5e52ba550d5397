"""``payhub serve --workers N``, with real processes: N API processes share one port, each
answers; SIGTERM on the parent stops them all gracefully (exit 0); a worker that dies on its
own takes the set down with exit 1 (so the orchestrator restarts it whole)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.ops.procs import PAYHUB, free_port, fresh_database, hub_env, wait_http

pytestmark = pytest.mark.slow

POOL = 4  # database_pool_size of the set: the two workers share it

PAYMENT = {
    "amount": 1000,
    "currency": "EUR",
    "payment_method": {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031}},
}


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def workers_of(pid: int) -> list[int]:
    """The serve workers under the parent (multiprocessing may add a resource tracker)."""
    return [c for c in children(pid) if "spawn_main" in _cmdline(c) and "resource_tracker" not in _cmdline(c)]


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


@pytest.fixture
def serve_set(db_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    fresh_database(db_url)
    port = free_port()
    env = hub_env(tmp_path, PAYHUB_DATABASE_URL=db_url, PAYHUB_BOOTSTRAP_API_KEY=ADMIN_KEY,
                  PAYHUB_SHUTDOWN_GRACE="5", PAYHUB_DATABASE_POOL_SIZE=str(POOL))  # fmt: skip
    log = tmp_path / "serve.log"
    proc = subprocess.Popen([PAYHUB, "serve", "--workers", "2", "--port", str(port)], env=env, cwd=tmp_path,
                            stdout=log.open("wb"), stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{url}/health", proc, timeout=60)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (
            len(workers_of(proc.pid)) < 2 or log.read_text().count("Application startup complete") < 2
        ):
            time.sleep(0.1)
        yield proc, url, log
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in workers_of(proc.pid):
            os.kill(pid, signal.SIGKILL)


def test_two_workers_serve_one_port_and_stop_together_on_sigterm(
    serve_set: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    proc, url, log = serve_set
    workers = workers_of(proc.pid)
    assert len(workers) == 2, log.read_text()
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    ids = set()
    for _ in range(12):  # a new connection each time: the kernel spreads them over the workers
        r = httpx.post(f"{url}/v1/payments", json=PAYMENT, headers=headers, timeout=20)
        assert r.status_code == 201, r.text
        ids.add(r.json()["id"])
    assert len(ids) == 12
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0, log.read_text()
    text = log.read_text()
    assert text.count("payhub serve stopped") == 2, text
    assert all(not Path(f"/proc/{pid}").exists() or "zombie" in _status(pid) for pid in workers)
    assert text.count("admin API key was created") <= 1  # the banner comes once, from the parent


def test_the_workers_share_the_database_pool_size_under_load(
    serve_set: tuple[subprocess.Popen[bytes], str, Path], db_url: str
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("counting connections needs PostgreSQL (SQLite has no server)")
    import asyncio

    import asyncpg

    _proc, url, log = serve_set
    dsn = db_url.replace("postgresql+asyncpg", "postgresql")
    database = dsn.rsplit("/", 1)[1]

    async def load_and_count() -> tuple[list[int], int]:
        watcher = await asyncpg.connect(dsn)
        counts: list[int] = []
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        try:
            async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:

                async def pay() -> int:
                    return (await client.post(f"{url}/v1/payments", json=PAYMENT, headers=headers)).status_code

                async def watch() -> None:
                    while True:
                        counts.append(int(await watcher.fetchval(
                            "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                            database,
                        )))  # fmt: skip
                        await asyncio.sleep(0.01)

                watching = asyncio.create_task(watch())
                statuses = await asyncio.gather(*(pay() for _ in range(24)))
                watching.cancel()
        finally:
            await watcher.close()
        return counts, sum(1 for s in statuses if s == 201)

    counts, created = asyncio.run(load_and_count())
    assert created == 24, log.read_text()
    # each worker keeps at most its share (2 + 2); before, each kept the whole pool
    assert counts and max(counts) <= POOL, (max(counts), log.read_text())


def test_a_worker_that_dies_takes_the_set_down_with_exit_1(
    serve_set: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    proc, _url, log = serve_set
    workers = workers_of(proc.pid)
    assert len(workers) == 2, log.read_text()
    os.kill(workers[0], signal.SIGKILL)
    assert proc.wait(timeout=20) == 1, log.read_text()
    assert "exited with -9; stopping the others" in log.read_text()


def _status(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return "zombie"


def test_workers_stop_when_the_parent_is_killed_outright(
    serve_set: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    proc, _url, log = serve_set
    workers = workers_of(proc.pid)
    assert len(workers) == 2, log.read_text()
    proc.kill()  # SIGKILL: the parent cannot forward anything
    proc.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(Path(f"/proc/{pid}").exists() and "zombie" not in _status(pid)
                                              for pid in workers):  # fmt: skip
        time.sleep(0.2)
    assert all(not Path(f"/proc/{pid}").exists() or "zombie" in _status(pid) for pid in workers), log.read_text()
    assert log.read_text().count("the parent process is gone") == 2
