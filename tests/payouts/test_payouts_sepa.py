"""Payouts on the sepa adapter against the stateful bank fake: pain.001 out, pain.002 status
reports read by resolution (lookup), camt.054 debits and returns read by the notification poller."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from contract_tests.fakes import sepa as bank
from hub.store import tables as t
from tests.payouts.conftest import PayoutWorld


async def test_payout_to_an_iban_succeeds_once_the_bank_settles_it(world: PayoutWorld) -> None:
    r = await world.pay_out(bank.SUCCEED_IBAN, account="bank", reference="withdrawal-1")
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["id"].startswith("po_")
    assert created["status"] == "processing"  # the bank accepted the file; not settled yet
    assert created["provider_reference"]  # the bank's submission id
    assert created["destination"]["iban"] == "DE89**************3000"
    assert bank.SUCCEED_IBAN not in r.text  # the full IBAN is never shown

    done = await world.settle_bank(created["id"], "succeeded")
    assert done["failure"] is None
    assert len(world.bank.submissions) == 1
    assert await world.event_types(created["id"]) == ["payout.processing", "payout.succeeded"]


async def test_a_rejected_payout_fails_with_a_unified_code(world: PayoutWorld) -> None:
    r = await world.pay_out(bank.CLOSED_IBAN, account="bank")
    assert r.status_code == 201, r.text
    payout = await world.settle_bank(r.json()["id"], "failed")
    assert payout["failure"]["code"] == "payout_rejected"
    assert payout["failure"]["decline_code"] == "invalid_account"
    assert payout["failure"]["provider_code"] == "AC04"
    assert await world.event_types(payout["id"]) == ["payout.processing", "payout.failed"]


async def test_a_bank_timeout_is_resolved_by_polling_without_a_second_transfer(world: PayoutWorld) -> None:
    # the bank takes the file, then the answer never arrives: the submission id is unknown
    world.faults.timeout_after_processing(method="POST")
    r = await world.pay_out(bank.SUCCEED_IBAN, account="bank")
    assert r.status_code == 201, r.text
    payout = r.json()
    assert payout["status"] == "processing"  # never failed while money may have moved
    assert payout["provider_reference"] is None

    # resolution: lookup cannot search by MsgId, so the same file is replayed (same MsgId):
    # the bank answers with the original submission, then the status reports are polled
    done = await world.settle_bank(payout["id"], "succeeded")
    assert done["provider_reference"] is not None
    assert len(world.bank.submissions) == 1  # one transfer, however often it was sent
    assert world.faults.count("POST") >= 2
    async with world.hub.engine.connect() as conn:
        op = (
            (await conn.execute(select(t.operations).where(t.operations.c.resource_id == payout["id"])))
            .mappings()
            .one()
        )
    assert op["status"] == "succeeded"
    assert op["resolved_at"] is not None


async def test_a_return_after_success_is_read_from_camt054(world: PayoutWorld) -> None:
    r = await world.pay_out(bank.RETURN_CLOSED_IBAN, account="bank")
    payout_id = r.json()["id"]
    await world.bank.advance()  # settled and booked
    await world.wait_status(payout_id, "succeeded")  # the status report, read by resolution
    # the booked debit is in the bank statement; reading it changes nothing more
    await world.hub.notifications.poll_all()
    await world.bank.advance()  # the beneficiary bank sends the money back
    assert (await world.hub.notifications.poll_all()).get("bank") == 1  # the return credit

    returned = await world.wait_status(payout_id, "returned")
    assert returned["failure"]["code"] == "payout_returned"
    assert returned["failure"]["provider_code"] == "AC04"
    assert returned["failure"]["decline_code"] == "invalid_account"
    types = await world.event_types(payout_id)
    assert types == ["payout.processing", "payout.succeeded", "payout.returned"]

    # the statement read again (a restart that lost the cursor): nothing moves, nothing repeats
    async with world.hub.engine.begin() as conn:
        await conn.execute(t.poll_cursors.delete())
    await world.hub.notifications.poll_all()
    await asyncio.sleep(0.3)
    assert (await world.h.get(f"/v1/payouts/{payout_id}")).json()["status"] == "returned"
    assert await world.event_types(payout_id) == types


async def test_a_camt054_debit_settles_a_payout_whose_status_report_is_not_read(world: PayoutWorld) -> None:
    r = await world.pay_out(bank.SUCCEED_IBAN, account="bank")
    payout_id = r.json()["id"]
    world.faults.server_error(method="GET", path=r"/status$", times=None)  # status reports unavailable
    await world.bank.advance()  # booked: a camt.054 debit
    await world.hub.notifications.poll_all()
    done = await world.wait_status(payout_id, "succeeded")
    assert done["failure"] is None


async def test_an_invalid_name_for_sepa_is_a_422_and_leaves_nothing_behind(world: PayoutWorld) -> None:
    r = await world.pay_out(
        bank.SUCCEED_IBAN,
        account="bank",
        key="cyrillic-1",
        destination={"type": "bank_account", "iban": bank.SUCCEED_IBAN, "name": "Дмитрий Иванов"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["field"] == "destination.name"
    assert world.bank.submissions == {}
    assert (await world.h.get("/v1/payouts")).json()["data"] == []
    # nothing was sent, so the key is free for a corrected request
    ok = await world.pay_out(bank.SUCCEED_IBAN, account="bank", key="cyrillic-1")
    assert ok.status_code == 201, ok.text


async def test_sepa_refuses_what_it_cannot_pay(world: PayoutWorld) -> None:
    pm = await world.h.post(
        "/v1/payment-methods",
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031}},
    )
    assert pm.status_code == 201, pm.text
    card = await world.pay_out("", account="bank", destination={"type": "card", "token": pm.json()["id"]})
    assert card.status_code == 422, card.text
    assert card.json()["code"] == "not_supported"

    usd = await world.pay_out(bank.SUCCEED_IBAN, account="bank", currency="USD")
    assert usd.status_code == 422, usd.text
    assert usd.json()["code"] == "not_supported"
    assert world.bank.submissions == {}


async def test_refresh_asks_the_bank_now(world: PayoutWorld) -> None:
    r = await world.pay_out(bank.SUCCEED_IBAN, account="bank")
    payout_id = r.json()["id"]
    await world.bank.advance()  # settled at the bank; the hub has not looked yet
    refreshed = await world.h.get(f"/v1/payouts/{payout_id}", refresh="true")
    assert refreshed.status_code == 200
    assert refreshed.json()["status"] == "succeeded"
