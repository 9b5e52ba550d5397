"""The system under test, as separate processes on loopback: a fresh PostgreSQL database, the
stand-in (``payhub simulator serve``), ONE ``payhub serve`` (uvicorn, one worker) on PostgreSQL +
Redis, and a ``payhub worker``. Everything is torn down (database dropped, Redis db flushed) on exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import aiohttp
import asyncpg

PG_ADMIN_DSN = os.environ.get("PAYHUB_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_BASE = os.environ.get("PAYHUB_BENCH_REDIS", "redis://127.0.0.1:6379")
HOST = "127.0.0.1"
POOL_SIZE = 30  # database_pool_size of every hub and worker the benchmark starts
MAIN_ACCOUNT = "sim"  # normal timeouts: the throughput figures
SHORT_ACCOUNT = "sim-short"  # 0.5 s timeouts: ambiguous -> resolved (the hang card)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def payhub_command(*args: str) -> list[str]:
    """``payhub ARGS`` from this interpreter's environment (the console script when installed)."""
    script = Path(sys.executable).with_name("payhub")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "hub.cli", *args]


def hub_toml(sim_url: str, webhook_secret: str | None) -> str:
    creds = f'\n[accounts.credentials]\nwebhook_secret = "{webhook_secret}"\n' if webhook_secret else ""
    return f"""
default_account = "{MAIN_ACCOUNT}"

[[accounts]]
id = "{MAIN_ACCOUNT}"
adapter = "simulator"
base_url = "{sim_url}"
{creds}
[accounts.timeouts]
connect = 2.0
read = 20.0

[[accounts]]
id = "{SHORT_ACCOUNT}"
adapter = "simulator"
base_url = "{sim_url}"
{creds}
[accounts.timeouts]
connect = 0.5
read = 0.5
"""


async def pick_redis_db(explicit: int | None, exclude: tuple[int, ...] = ()) -> int:
    """The first empty Redis database from 15 down (0 and the tests' 9 are never used)."""
    if explicit is not None:
        return explicit
    import redis.asyncio as redis

    for db in range(15, 0, -1):
        if db == 9 or db in exclude:
            continue
        client = redis.Redis.from_url(f"{REDIS_BASE}/{db}")
        try:
            if await client.dbsize() == 0:
                return db
        finally:
            await client.aclose()
    raise RuntimeError("no empty Redis database index: pass --redis-db")


async def flush_redis_db(db: int) -> None:
    import redis.asyncio as redis

    client = redis.Redis.from_url(f"{REDIS_BASE}/{db}")
    try:
        await client.flushdb()
    finally:
        await client.aclose()


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes]

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, n: int = 20) -> str:
        self.log_file.flush()
        lines = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])

    def stop(self, timeout: float = 10.0) -> None:
        """SIGINT, up to ``timeout`` seconds to exit, then SIGKILL — for the process's children
        too (``serve --workers``: a parent killed outright leaves its workers shutting down on
        their own, with their pools, for up to their ``shutdown_grace``)."""
        if self.alive():
            children = descendants(self.popen.pid)
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
            for pid in children:
                if running(pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        self.log_file.close()


def descendants(pid: int) -> list[int]:
    """The process's children and theirs (Linux /proc; empty elsewhere)."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in path.read_text().split()] if path.exists() else []
    return [k for kid in kids for k in (kid, *descendants(kid))]


def running(pid: int) -> bool:
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except FileNotFoundError:
        return False


@dataclass
class Stack:
    """``async with Stack(...) as stack:`` gives the URLs, the admin key and the database DSN."""

    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="payhub-bench-")))
    redis_db: int | None = None
    with_worker: bool = True
    hub_command: list[str] | None = None  # default: payhub serve (profile.py wraps it)
    worker_command: list[str] | None = None  # default: payhub worker (profile.py --worker wraps it)
    keep_logs: bool = False
    db_name: str = field(default_factory=lambda: f"payhub_bench_{os.getpid()}_{secrets.token_hex(3)}")
    admin_key: str = field(default_factory=lambda: "phk_bench_" + secrets.token_urlsafe(24))
    sim_url: str = ""
    hub_url: str = ""
    webhook_secret: str | None = None
    processes: dict[str, Process] = field(default_factory=dict)
    _db_created: bool = False

    @property
    def dsn(self) -> str:
        """asyncpg DSN of the run's database."""
        return PG_ADMIN_DSN.rsplit("/", 1)[0] + "/" + self.db_name

    @property
    def database_url(self) -> str:
        return self.dsn.replace("postgresql://", "postgresql+asyncpg://", 1)

    @property
    def redis_url(self) -> str:
        return f"{REDIS_BASE}/{self.redis_db}"

    @property
    def hub_pid(self) -> int:
        return self.processes["hub"].popen.pid

    # ------------------------------------------------------------------ lifecycle
    async def __aenter__(self) -> Stack:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        self.redis_db = await pick_redis_db(self.redis_db)
        await flush_redis_db(self.redis_db)
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(f'CREATE DATABASE "{self.db_name}"')
            self._db_created = True
        finally:
            await conn.close()

        sim_port = free_port()
        self.sim_url = f"http://{HOST}:{sim_port}"
        sim = self._spawn(
            "simulator", payhub_command("simulator", "serve", "--host", HOST, "--port", str(sim_port))
        )
        await self._wait_http(sim, f"{self.sim_url}/_sim/stats")
        self.webhook_secret = _webhook_secret(sim)

        config = self.workdir / "payhub.toml"
        config.write_text(hub_toml(self.sim_url, self.webhook_secret))
        hub_port = free_port()
        self.hub_url = f"http://{HOST}:{hub_port}"
        env = self.hub_env(config, hub_port)
        hub = self._spawn("hub", self.hub_command or payhub_command("serve"), env)
        await self._wait_http(hub, f"{self.hub_url}/ready", within=90)
        if self.with_worker:  # after the hub: it has migrated the fresh database
            worker = self._spawn("worker", self.worker_command or payhub_command("worker"), env)
            await asyncio.sleep(1.0)
            if not worker.alive():
                raise RuntimeError(f"payhub worker exited:\n{worker.tail()}")

    def hub_env(self, config: Path, port: int) -> dict[str, str]:
        return {
            **os.environ,
            "PAYHUB_CONFIG": str(config),
            "PAYHUB_DATABASE_URL": self.database_url,
            "PAYHUB_REDIS_URL": self.redis_url,
            "PAYHUB_BOOTSTRAP_API_KEY": self.admin_key,
            "PAYHUB_MASTER_KEY_FILE": str(self.workdir / "payhub.key"),
            "PAYHUB_HOST": HOST,
            "PAYHUB_PORT": str(port),
            "PAYHUB_LOG_LEVEL": "WARNING",
            # two hubs at once (ledger on/off, the --workers set) and the worker must fit
            # PostgreSQL's default max_connections of 100: 3 x 30, not 3 x 40
            "PAYHUB_DATABASE_POOL_SIZE": str(POOL_SIZE),
        }

    async def stop(self) -> None:
        for name in ("worker", "hub", "simulator"):
            proc = self.processes.pop(name, None)
            if proc is not None:
                await asyncio.to_thread(proc.stop)
        if self._db_created:
            conn = await asyncpg.connect(PG_ADMIN_DSN)
            try:
                await conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
                self._db_created = False
            finally:
                await conn.close()
        if self.redis_db is not None:
            with contextlib.suppress(Exception):
                await flush_redis_db(self.redis_db)
        if not self.keep_logs:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ------------------------------------------------------------------ helpers
    def _spawn(self, name: str, cmd: list[str], env: dict[str, str] | None = None) -> Process:
        log_path = self.workdir / f"{name}.log"
        log_file = log_path.open("wb")
        popen = subprocess.Popen(
            cmd, stdout=log_file, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL
        )
        proc = self.processes[name] = Process(name, popen, log_path, log_file)
        return proc

    async def _wait_http(self, proc: Process, url: str, within: float = 30.0) -> None:
        deadline = time.monotonic() + within
        async with aiohttp.ClientSession() as session:
            while time.monotonic() < deadline:
                if not proc.alive():
                    raise RuntimeError(f"{proc.name} exited (code {proc.popen.returncode}):\n{proc.tail()}")
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    async with session.get(url) as resp:
                        if resp.status == 200:
                            return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"{proc.name} not ready at {url} after {within:.0f}s:\n{proc.tail()}")

    def describe(self) -> dict[str, Any]:
        return {
            "database": self.db_name,
            "redis_db": self.redis_db,
            "simulator": self.sim_url,
            "hub": self.hub_url,
            "worker": self.with_worker,
            "logs": str(self.workdir),
        }


def _webhook_secret(sim: Process) -> str | None:
    """``payhub simulator serve`` prints its generated webhook secret at start."""
    match = re.search(r"simulator webhook secret: (\S+)", sim.tail(50))
    return match.group(1) if match else None
