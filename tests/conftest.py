"""Shared fixtures: every database-backed test runs on SQLite AND on PostgreSQL.

PostgreSQL tests use a database created for this test run (payhub_test_<pid>_<rand>);
in CI (CI=true) an unreachable PostgreSQL or Redis is a failure, never a skip.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PG_ADMIN_URL = os.environ.get("PAYHUB_TEST_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
ADMIN_KEY = "phk_test_admin_key_0123456789abcdef"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
BACKENDS = [
    b.strip() for b in os.environ.get("PAYHUB_TEST_DATABASES", "sqlite,postgres").split(",") if b.strip()
]

_pg_db_name: str | None = None
_REDIS_BASE = os.environ.get("PAYHUB_TEST_REDIS_BASE", "redis://127.0.0.1:6379")
_REDIS_LOCK = "payhub:test-run"
_redis_url: str | None = None


def redis_test_url() -> str:
    """A Redis db index of this test run's own (1-15, claimed with a lock key and flushed),
    so concurrent test runs on one Redis never see each other's jobs.
    PAYHUB_TEST_REDIS_URL pins one instead."""
    global _redis_url
    if _redis_url is not None:
        return _redis_url
    pinned = os.environ.get("PAYHUB_TEST_REDIS_URL")
    if pinned:
        _redis_url = pinned
        return pinned
    import atexit

    import redis

    _redis_url = f"{_REDIS_BASE}/15"  # unreachable Redis: tests report it (fail in CI)
    for index in range(1, 16):
        url = f"{_REDIS_BASE}/{index}"
        try:
            r = redis.Redis.from_url(url, socket_connect_timeout=1)
            if not r.set(_REDIS_LOCK, str(os.getpid()), nx=True, ex=6 * 3600):
                continue
            r.flushdb()
            r.set(_REDIS_LOCK, str(os.getpid()), ex=6 * 3600)
        except redis.RedisError:
            break
        _redis_url = url

        def _release(client: redis.Redis = r) -> None:
            try:
                client.flushdb()
            except redis.RedisError:
                pass

        atexit.register(_release)
        break
    return _redis_url


def flush_test_redis() -> None:
    """Lose every queued job (a Redis flush), keeping this run's claim on its db index."""
    import redis

    r = redis.Redis.from_url(redis_test_url())
    r.flushdb()
    r.set(_REDIS_LOCK, str(os.getpid()), ex=6 * 3600)



async def _create_pg_db() -> str:
    name = f"payhub_test_{os.getpid()}_{secrets.token_hex(3)}"
    eng = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with eng.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        await eng.dispose()
    return name


async def _drop_pg_db(name: str) -> None:
    eng = create_async_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        async with eng.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await eng.dispose()


def pg_url(name: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    try:
        name = asyncio.run(_create_pg_db())
    except Exception as exc:  # pragma: no cover - environment
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI and is unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    os.environ.setdefault("PAYHUB_TEST_PG_DB", name)
    yield name
    asyncio.run(_drop_pg_db(name))


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'payhub.db'}"
    name = request.getfixturevalue("pg_database")
    return pg_url(name)


async def reset_pg(url: str) -> None:
    """Empty every table (schema kept) so each test starts clean on the shared PG database."""
    eng = create_async_engine(url)
    try:
        async with eng.begin() as conn:
            names = (
                (
                    await conn.execute(
                        text(
                            "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                        )
                    )
                )
                .scalars()
                .all()
            )
            if names:
                await conn.execute(
                    text("TRUNCATE " + ", ".join(f'"{n}"' for n in names) + " RESTART IDENTITY")
                )
    finally:
        await eng.dispose()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[Any]:
    """A migrated engine of its own on the test's database (emptied first on PostgreSQL), for
    tests of the store and ledger layers without a hub."""
    from hub.store.db import create_engine, migrate

    eng = create_engine(db_url)
    await migrate(eng)
    if db_url.startswith("postgresql"):
        await reset_pg(db_url)
    try:
        yield eng
    finally:
        await eng.dispose()


def make_settings(db_url: str, tmp_path: Path, **overrides: Any):
    from hub.config import load_settings

    env = {
        "PAYHUB_DATABASE_URL": db_url,
        "PAYHUB_MASTER_KEY_FILE": str(tmp_path / "payhub.key"),
        "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
        "PAYHUB_LOG_FORMAT": "text",
    }
    cfg = overrides.pop("config_toml", None)
    path = None
    if cfg:
        path = tmp_path / "payhub.toml"
        path.write_text(cfg)
    env.update(overrides.pop("env", {}))
    return load_settings(path, environ=env)


SANDBOX_TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 1.0
read = 1.0
"""


class HubHarness:
    def __init__(self, hub: Any, client: httpx.AsyncClient) -> None:
        self.hub = hub
        self.client = client

    def headers(self, key: str = ADMIN_KEY, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", **extra}

    async def post(self, path: str, json: Any = None, key: str = ADMIN_KEY, **headers: str) -> httpx.Response:
        return await self.client.post(path, json=json, headers=self.headers(key, **headers))

    async def get(self, path: str, key: str = ADMIN_KEY, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params or None, headers=self.headers(key))

    async def new_key(self, role: str, owner: str = "default") -> str:
        key, _ = await self.hub.api_keys.create(role=role, name=f"test-{role}", owner=owner)
        return str(key)

    @property
    def simulator(self) -> Any:
        return self.hub.providers.get("sandbox").in_process_app


async def start_harness(
    db_url: str,
    tmp_path: Path,
    *,
    config_toml: str = SANDBOX_TOML,
    simulator_options: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    transport: str = "aiohttp",
) -> HubHarness:
    from hub.api.app import create_app
    from hub.runtime import Hub

    if db_url.startswith("postgresql"):
        await reset_pg(db_url) if await _has_schema(db_url) else None
    settings = make_settings(db_url, tmp_path, config_toml=config_toml, env=env or {})
    hub = Hub(settings, simulator_options=simulator_options or {"hang_seconds": 5.0}, transport=transport)
    await hub.start()
    await hub.bootstrap_keys()
    app = create_app(hub, manage_lifecycle=False)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://hub")
    return HubHarness(hub, client)


async def _has_schema(url: str) -> bool:
    eng = create_async_engine(url)
    try:
        async with eng.connect() as conn:
            return bool(await conn.scalar(text("SELECT to_regclass('public.alembic_version') IS NOT NULL")))
    finally:
        await eng.dispose()


@pytest.fixture
async def harness(db_url: str, tmp_path: Path) -> AsyncIterator[HubHarness]:
    h = await start_harness(db_url, tmp_path)
    try:
        yield h
    finally:
        await h.client.aclose()
        await h.hub.stop()
