"""The embedded default's whole dispute lifecycle on the simulator: opened by a test card or an
admin call, answered with evidence, won / lost / accepted; money withdrawn and reinstated once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
from sqlalchemy import select

from hub.store import tables as t
from tests.disputes.conftest import Movements, dispute_rows, event_types, only_dispute
from tests.webhooks_inbound.conftest import World, sim_events, standard_signed

DISPUTE_CARD = "4000000000002685"
INQUIRY_CARD = "4000000000001976"


async def _purchase(w: World, number: str = DISPUTE_CARD) -> dict[str, Any]:
    card = {"number": number, "exp_month": 12, "exp_year": 2031, "cvc": "123"}
    return await w.pay(capture="automatic", payment_method={"type": "card", "card": card})


async def _poll(w: World) -> None:
    await w.hub.notifications.poll_all()  # the embedded default reads simulator news by polling
    await w.settle()


async def test_dispute_card_opened_then_won_with_evidence(dw: World, movements: Movements) -> None:
    p = await _purchase(dw)
    assert p["status"] == "captured" and p["amount_disputed"] == 0 and p["disputes"] == []
    await _poll(dw)
    d = await only_dispute(dw)
    assert (d["status"], d["payment"], d["amount"], d["currency"]) == ("needs_response", p["id"], 1099, "EUR")
    assert d["reason"] == "product_not_received" and d["id"].startswith("dp_")
    assert d["provider_reference"].startswith("dp_sim_") and d["evidence_due_by"]
    paid = await dw.payment(p["id"])
    assert (paid["amount_disputed"], paid["disputes"]) == (1099, [d["id"]])
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]

    staged = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "tracking 1Z999", "submit": False})
    assert staged.status_code == 200, staged.text
    assert staged.json()["status"] == "needs_response"
    assert staged.json()["evidence"]["text"] == "tracking 1Z999"

    won = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "winning_evidence", "submit": True})
    assert won.status_code == 200, won.text
    assert (won.json()["status"], won.json()["amount_withdrawn"]) == ("won", 0)
    assert (await dw.payment(p["id"]))["amount_disputed"] == 0
    assert movements == [(d["id"], "dispute_withdrawal", 1099), (d["id"], "dispute_reinstatement", 1099)]
    await _poll(dw)  # the simulator's own news of the same changes changes nothing more
    assert len(movements) == 2
    assert await event_types(dw, d["id"]) == ["dispute.opened", "dispute.updated", "dispute.won"]

    again = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "more", "submit": True})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


async def test_admin_opened_dispute_under_review_then_lost(dw: World, movements: Movements) -> None:
    p = await dw.pay(capture="automatic")
    charge = p["provider_reference"]
    sim = dw.h.simulator
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=sim), base_url="http://sim") as client:
        opened = await client.post("/_sim/disputes", json={"charge": charge, "amount": 500, "reason": "duplicate"})
        assert opened.status_code == 200, opened.text
        await _poll(dw)
        d = await only_dispute(dw)
        assert (d["status"], d["amount"], d["reason"]) == ("needs_response", 500, "duplicate")
        r = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "two different orders", "submit": True})
        assert r.json()["status"] == "under_review"
        closed = await client.post(f"/_sim/disputes/{opened.json()['id']}/close", json={"outcome": "lost"})
        assert closed.status_code == 200, closed.text
    await _poll(dw)
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("lost", 500)
    assert (await dw.payment(p["id"]))["amount_disputed"] == 500
    assert movements == [(d["id"], "dispute_withdrawal", 500)]
    assert (await event_types(dw, d["id"]))[-1] == "dispute.lost"


async def test_inquiry_withdraws_nothing_until_accepted(dw: World, movements: Movements) -> None:
    p = await _purchase(dw, INQUIRY_CARD)
    await _poll(dw)
    d = await only_dispute(dw)
    assert (d["status"], d["amount_withdrawn"]) == ("inquiry", 0)
    assert (await dw.payment(p["id"]))["amount_disputed"] == 0  # an inquiry takes no money
    assert movements == []
    read = await dw.h.new_key("read")
    assert (await dw.h.get(f"/v1/disputes/{d['id']}", key=read)).status_code == 200
    refused = await dw.h.post(f"/v1/disputes/{d['id']}/accept", key=read)
    assert refused.status_code == 403
    r = await dw.h.post(f"/v1/disputes/{d['id']}/accept")
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["amount_withdrawn"]) == ("accepted", 1099)
    assert movements == [(d["id"], "dispute_withdrawal", 1099)]
    assert (await event_types(dw, d["id"]))[-1] == "dispute.lost"


async def test_evidence_reminder_once_before_the_due_date(dw: World) -> None:
    p = await dw.pay(capture="automatic")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dw.h.simulator), base_url="http://sim") as c:
        r = await c.post("/simulator/disputes", json={"charge": p["provider_reference"], "due_in_seconds": 3600})
        assert r.status_code == 200
    await _poll(dw)
    d = await only_dispute(dw)
    far = dw.hub.disputes.clock() - dt.timedelta(days=3)
    dw.hub.disputes.clock = lambda: far  # three days earlier: not due soon yet
    assert await dw.hub.disputes.remind_due() == []
    dw.hub.disputes.clock = lambda: far + dt.timedelta(days=3)
    assert await dw.hub.disputes.remind_due() == [d["id"]]
    assert await dw.hub.disputes.remind_due() == []  # once per due date
    assert (await event_types(dw, d["id"])).count("dispute.evidence_due_soon") == 1
    [row] = await dispute_rows(dw)
    assert row["reminded_at"] is not None


async def test_list_filters_and_paging(dw: World) -> None:
    first = await _purchase(dw)
    second = await _purchase(dw, INQUIRY_CARD)
    await _poll(dw)
    page = (await dw.h.get("/v1/disputes", limit=1)).json()
    assert page["has_more"] is True and len(page["data"]) == 1 and page["next_cursor"]
    rest = (await dw.h.get("/v1/disputes", limit=1, cursor=page["next_cursor"])).json()
    assert rest["has_more"] is False and rest["data"][0]["id"] != page["data"][0]["id"]
    mine = (await dw.h.get("/v1/disputes", payment=first["id"])).json()["data"]
    assert [d["payment"] for d in mine] == [first["id"]]
    inquiries = (await dw.h.get("/v1/disputes", status="inquiry")).json()["data"]
    assert [d["payment"] for d in inquiries] == [second["id"]]
    assert (await dw.h.get("/v1/disputes", account="stripe-eu")).json()["data"] == []
    bad = await dw.h.get("/v1/disputes", status="open")
    assert bad.status_code == 400 or bad.status_code == 422
    assert (await dw.h.get("/v1/disputes/dp_nope")).status_code == 404


async def test_evidence_and_accept_are_audited(dw: World) -> None:
    await _purchase(dw)
    await _poll(dw)
    d = await only_dispute(dw)
    ok = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "tracking 1Z999", "submit": False})
    assert ok.status_code == 200
    refused = await dw.h.post(f"/v1/disputes/{d['id']}/evidence", {"text": "", "submit": True})
    assert refused.status_code in (400, 422)
    accepted = await dw.h.post(f"/v1/disputes/{d['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    async with dw.hub.engine.connect() as conn:
        stmt = select(t.audit_log).where(t.audit_log.c.resource_id == d["id"]).order_by(t.audit_log.c.seq)
        rows = (await conn.execute(stmt)).mappings().all()
    assert [(r["action"], r["success"]) for r in rows] == [
        ("dispute.evidence", True), ("dispute.evidence", False), ("dispute.accept", True),
    ]  # fmt: skip
    assert rows[0]["before"]["status"] == "needs_response" and rows[0]["after"]["evidence"]["submitted"] is False
    assert rows[2]["after"]["status"] == "accepted"
    assert (await dw.hub.audit.verify()).ok


async def test_simulator_dispute_webhooks_signed_tampered_and_duplicated(dw: World, movements: Movements) -> None:
    await _purchase(dw)
    [(body, msg_id)] = sim_events(dw, "dispute.created")
    tampered = body.replace(b'"amount":1099', b'"amount":1098', 1)
    assert tampered != body
    refused = await dw.webhook("sandbox", tampered, standard_signed(body, msg_id))
    assert refused.status_code == 401
    await dw.settle()
    assert await dispute_rows(dw) == []
    for _ in range(3):
        assert (await dw.webhook("sandbox", body, standard_signed(body, msg_id))).status_code == 200
    await dw.settle()
    await _poll(dw)  # and the same event read again by polling
    [row] = await dispute_rows(dw)
    assert movements == [(row["id"], "dispute_withdrawal", 1099)]
    assert await event_types(dw, row["id"]) == ["dispute.opened"]
