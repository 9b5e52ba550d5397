"""Engine creation and migrations for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

log = logging.getLogger("payhub.store")
MIGRATIONS = Path(__file__).parent / "migrations"


def create_engine(url: str, *, pool_size: int = 40, echo: bool = False) -> AsyncEngine:
    """SQLite: every transaction is BEGIN IMMEDIATE (one writer at a time: the row-lock
    equivalent) with a generous busy timeout. PostgreSQL: a sized pool."""
    json_options: dict[str, Any] = {"json_serializer": _json_dumps, "json_deserializer": msgspec.json.decode}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **json_options)

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    from hub.store.gather import guard  # imports hub.store.fast, which needs nothing from here

    # No overflow: SQLAlchemy closes an overflow connection when it is checked in, so a load above
    # pool_size opened a new PostgreSQL connection (a backend fork and authentication) for
    # nearly every checkout; at 64 clients that halved throughput (docs/benchmarks.md). The same
    # ceiling (40) as before, every connection kept.
    engine = create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=0, pool_pre_ping=False, **json_options
    )
    guard(engine.sync_engine)  # no Core statement may overtake writes gathered for one statement
    return engine


def _json_dumps(value: Any) -> str:
    """JSON columns through msgspec (several times faster than the json module)."""
    return msgspec.json.encode(value).decode()


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision (idempotent)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)
    log.info("database schema is up to date")
