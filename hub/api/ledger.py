"""/v1/ledger: the double-entry books (DESIGN §13). Read-only: entries are written only by the
state changes that cause them."""

from __future__ import annotations

import datetime as dt
import urllib.parse
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.params import Parameter

from hub.api.responses import json_response
from hub.services.api_keys import Permission
from hub.services.ledger_reads import LedgerReads


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _reads(request: Request[Any, Any, Any]) -> LedgerReads:
    return LedgerReads(request.app.state.hub.engine)


class LedgerController(Controller):
    path = "/v1/ledger"
    tags = ["ledger"]
    opt = {"permission": Permission.LEDGER_READ}

    @get("/accounts")
    async def accounts(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        return json_response(await _reads(request).accounts())

    @get("/accounts/{name:str}")
    async def account(self, request: Request[Any, Any, Any], name: str) -> Response[bytes]:
        return json_response(await _reads(request).account(urllib.parse.unquote(name)))

    @get("/entries")
    async def entries(
        self,
        request: Request[Any, Any, Any],
        account: str | None = None,
        resource: Annotated[str | None, Parameter(description="a pay_ / re_ / po_ / dp_ id")] = None,
        created_gte: Annotated[dt.datetime | None, Parameter(query="created[gte]")] = None,
        created_lt: Annotated[dt.datetime | None, Parameter(query="created[lt]")] = None,
        cursor: str | None = None,
        limit: Annotated[int, Parameter(ge=1, le=100)] = 20,
    ) -> Response[bytes]:
        page = await _reads(request).entries(
            account=account, resource=resource, created_gte=_aware(created_gte),
            created_lt=_aware(created_lt), cursor=cursor, limit=limit,
        )  # fmt: skip
        return json_response(page)
