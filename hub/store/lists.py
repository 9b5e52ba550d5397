"""Cursor paging, newest first: the cursor is the last id of the previous page (ids sort by time)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.domain.errors import ValidationFailed

_CURSOR = re.compile(r"^[a-z]+_[0-9a-z]{26}$")


async def list_page(
    engine: AsyncEngine,
    table: Any,
    owner: str | None,
    filters: Sequence[ColumnElement[bool]],
    cursor: str | None,
    limit: int,
    render: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    order: str = "id",
) -> dict[str, Any]:
    """Newest first by ``order`` (``id``, time-ordered; or ``seq`` where a table has one)."""
    if not 1 <= limit <= 100:
        raise ValidationFailed("limit must be between 1 and 100", field="limit")
    stmt = select(table)
    if owner is not None:
        stmt = stmt.where(table.c.owner == owner)
    for f in filters:
        stmt = stmt.where(f)
    if cursor:
        if not _CURSOR.match(cursor):
            raise ValidationFailed("cursor is not valid", field="cursor")
        if order == "id":
            stmt = stmt.where(table.c.id < cursor)
        else:
            anchor = select(table.c[order]).where(table.c.id == cursor).scalar_subquery()
            stmt = stmt.where(table.c[order] < anchor)
    stmt = stmt.order_by(table.c[order].desc()).limit(limit + 1)
    async with engine.connect() as conn:
        rows = [dict(r) for r in (await conn.execute(stmt)).mappings().all()]
    has_more = len(rows) > limit
    rows = rows[:limit]
    return {
        "object": "list",
        "data": [render(r) for r in rows],
        "has_more": has_more,
        "next_cursor": rows[-1]["id"] if has_more else None,
    }
