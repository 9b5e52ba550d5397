"""A settlement source under the test's control, installed as a provider account of a live hub."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx

from adapters.base import Account
from adapters.settlement import LineType, ReportError, SettlementLine, SettlementPage, SettlementRequest
from adapters.simulator.flows import SimulatorAdapter
from hub.providers import ProviderAccount


class ScriptedAdapter(SimulatorAdapter):
    """Yields ``pages`` (each a list of lines, or a ReportError to raise there), with cursors."""

    name = "scripted"

    def __init__(self, account: Account, client: httpx.AsyncClient) -> None:
        super().__init__(account, client)
        self.pages: list[list[SettlementLine] | ReportError] = []
        self.cursors: list[str | None] = []  # the cursor each page hands back
        self.requests: list[SettlementRequest] = []

    async def _lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        self.requests.append(request)
        for i, page in enumerate(self.pages):
            if isinstance(page, ReportError):
                raise page
            cursor = self.cursors[i] if i < len(self.cursors) else None
            yield SettlementPage(lines=page, cursor=cursor)

    def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        return self._lines(request)


def install(hub: Any, account_id: str) -> ScriptedAdapter:
    account = Account(id=account_id, adapter="scripted", base_url="http://scripted")
    client = httpx.AsyncClient(base_url="http://scripted")
    adapter = ScriptedAdapter(account, client)
    hub.providers._accounts[account_id] = ProviderAccount(account=account, adapter=adapter, client=client)
    return adapter


def line(
    line_id: str, type_: LineType, gross: int, *, fee: int = 0, when: dt.datetime, **kw: Any
) -> SettlementLine:
    return SettlementLine(
        line_id=line_id, type=type_, provider_type=type_.value, gross=gross, fee=fee, net=gross - fee,
        currency=kw.pop("currency", "EUR"), created_at=when, **kw,
    )  # fmt: skip
