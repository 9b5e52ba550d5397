"""Capture racing void, with the overlap forced: the first call is held open at the provider
(its request has reached the fake, its reply is withheld) while the second is made. The row
lock and the in-flight operation serialise them: the second answers 409, never reaches the
provider, and the first one's outcome is the only one applied."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from adapters.base import OperationKind
from contract_tests.fakes.stripe import Fake
from tests.resolution.stripe_hub import StripeHub, card_payment, stripe_hub


class HoldTransport(httpx.AsyncBaseTransport):
    """Holds requests whose path matches ``hold`` until ``release`` is set; ``entered`` is set
    once such a request has been handed to the provider (it processes it; the reply waits)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.hold: re.Pattern[str] | None = None
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.hold is None or not self.hold.search(request.url.path):
            return await self.inner.handle_async_request(request)
        response = await self.inner.handle_async_request(request)  # the provider acted
        self.entered.set()
        await self.release.wait()  # the reply is on its way: still in flight for the hub
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture
async def held(db_url: str, tmp_path: Path) -> AsyncIterator[tuple[StripeHub, HoldTransport]]:
    holder: list[HoldTransport] = []

    def inner_for(fake: Fake) -> HoldTransport:
        holder.append(HoldTransport(httpx.ASGITransport(app=fake.app)))
        return holder[0]

    s = await stripe_hub(db_url, tmp_path, inner=inner_for)
    try:
        yield s, holder[0]
    finally:
        holder[0].release.set()
        await s.close()


@pytest.mark.parametrize(("first", "second"), [("capture", "void"), ("void", "capture")])
async def test_the_second_of_capture_and_void_waits_for_the_first(
    held: tuple[StripeHub, HoldTransport], first: str, second: str
) -> None:
    sh, hold = held
    p = (await sh.h.post("/v1/payments", card_payment())).json()
    assert p["status"] == "authorized", p
    hold.hold = re.compile(r"/(capture|cancel)$")
    first_call = asyncio.create_task(sh.h.post(f"/v1/payments/{p['id']}/{first}"))
    async with asyncio.timeout(10):
        await hold.entered.wait()  # the first call is at the provider, its reply held
    assert not first_call.done()
    loser = await sh.h.post(f"/v1/payments/{p['id']}/{second}")
    assert loser.status_code == 409, loser.text
    assert loser.json()["code"] == "operation_in_progress"
    hold.release.set()
    winner = await first_call
    assert winner.status_code == 200, winner.text
    final = (await sh.h.get(f"/v1/payments/{p['id']}")).json()
    assert final["status"] == ("captured" if first == "capture" else "voided")
    performed = {k: sh.fake.count(k) for k in (OperationKind.CAPTURE, OperationKind.VOID)}
    assert performed == {
        OperationKind.CAPTURE: int(first == "capture"),
        OperationKind.VOID: int(first == "void"),
    }
