"""When PostgreSQL refuses a connection (``max_connections`` reached, starting up) or the pool has
none left, the caller gets a 503 it can retry, not a 500 that reads as a bug."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from hub.api.problems import database_unavailable, on_unexpected


def refusing_engine(error: Exception) -> Any:
    """An engine whose every connection attempt fails as asyncpg fails (SQLAlchemy wraps it)."""

    async def creator() -> Any:
        raise error

    return create_async_engine("postgresql+asyncpg://", async_creator=creator)


def app_over(engine: Any) -> Litestar:
    @get("/v1/things")
    async def things() -> dict[str, Any]:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return {}

    @get("/v1/bug")
    async def bug() -> dict[str, Any]:
        raise RuntimeError("a bug")

    return Litestar([things, bug], exception_handlers={Exception: on_unexpected})


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        ConnectionRefusedError(111, "Connect call failed"),
    ],
)
async def test_a_refused_connection_is_503_unavailable_with_retry_after(error: Exception) -> None:
    engine = refusing_engine(error)
    try:
        async with AsyncTestClient(app_over(engine)) as client:
            resp = await client.get("/v1/things")
    finally:
        await engine.dispose()
    assert resp.status_code == 503, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert resp.headers["retry-after"] == "1"
    assert resp.json()["code"] == "unavailable"


async def test_other_errors_stay_500_internal_error() -> None:
    engine = refusing_engine(ConnectionRefusedError())
    try:
        async with AsyncTestClient(app_over(engine)) as client:
            resp = await client.get("/v1/bug")
    finally:
        await engine.dispose()
    assert resp.status_code == 500
    assert resp.json()["code"] == "internal_error"


def test_a_pool_timeout_is_unavailable_and_a_query_error_is_not() -> None:
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit of size 40 overflow 0 reached"))
    refused = sa_exc.ProgrammingError("SELECT nope", {}, asyncpg.exceptions.UndefinedColumnError("nope"))
    assert not database_unavailable(refused)
