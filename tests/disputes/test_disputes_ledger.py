"""A dispute's money movements are ledger entries: a lost dispute leaves its amount on
``disputes`` and off ``provider:{a}``, `payhub ledger verify` agrees, and a dispute whose
recorded withdrawal disagrees with its entries turns it red."""

from __future__ import annotations

import httpx
from sqlalchemy import update

import ledger
from hub.services.ledger_verify import verify
from hub.store.dispute_tables import disputes
from tests.disputes.conftest import only_dispute
from tests.disputes.test_disputes_simulator import _poll
from tests.webhooks_inbound.conftest import World


async def _balance(w: World, account: str) -> int:
    async with w.hub.engine.connect() as conn:
        return sum(b.balance for b in await ledger.account_balances(conn, account) if b.currency == "EUR")


async def test_lost_dispute_is_booked_once_and_verified(dw: World) -> None:
    p = await dw.pay(capture="automatic")
    provider = f"provider:{p['account']}"
    before = await _balance(dw, provider)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dw.h.simulator), base_url="http://sim") as c:
        opened = await c.post("/_sim/disputes", json={"charge": p["provider_reference"], "amount": 500, "reason": "fraudulent"})
        assert opened.status_code == 200, opened.text
        await _poll(dw)
        await _poll(dw)  # the same news again posts nothing more
        closed = await c.post(f"/_sim/disputes/{opened.json()['id']}/close", json={"outcome": "lost"})
        assert closed.status_code == 200, closed.text
    await _poll(dw)
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("lost", 500)
    assert await _balance(dw, "disputes") == 500
    assert await _balance(dw, provider) == before - 500
    verdict = await verify(dw.hub.engine)
    assert verdict.ok, verdict.message

    async with dw.hub.engine.begin() as conn:  # the dispute row now disagrees with its entries
        await conn.execute(update(disputes).where(disputes.c.id == d["id"]).values(amount_withdrawn=0))
    verdict = await verify(dw.hub.engine)
    assert not verdict.ok and d["id"] in verdict.message
