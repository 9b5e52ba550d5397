"""Alembic environment: the hub's tables plus the idempotency package's."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from hub.store.tables import metadata as hub_metadata
from idempotency.tables import metadata as idempotency_metadata

config = context.config
target_metadata = [hub_metadata, idempotency_metadata]


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` command line: PAYHUB_DATABASE_URL or the embedded default
    asyncio.run(_run_async(os.environ.get("PAYHUB_DATABASE_URL", "sqlite+aiosqlite:///./payhub.db")))
