"""The notification poller: camt.054 read page by page into the inbox; the cursor moves only
after the inbox has the events; one account's trouble never loses anything."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from adapters.base import Capability, ProviderEvent
from contract_tests.fakes import sepa as bank
from hub.services.notifications import POLL_JOB
from tests.payouts.conftest import TOML, PayoutWorld, close_world, open_world


async def _booked_payout(world: PayoutWorld, iban: str = bank.SUCCEED_IBAN) -> str:
    r = await world.pay_out(iban, account="bank")
    assert r.status_code == 201, r.text
    await world.bank.advance()  # settled and booked: a camt.054 debit notification exists
    return str(r.json()["id"])


async def test_only_accounts_that_declare_notification_polling_are_polled(
    world: PayoutWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    poller = world.hub.notifications
    assert sorted(p.id for p in poller.polled_accounts()) == ["bank", "sandbox"]
    sandbox = world.hub.providers.get("sandbox").adapter
    caps = sandbox.capabilities
    without = msgspec.structs.replace(
        caps, features=caps.features - {Capability.NOTIFICATION_POLLING}
    )
    monkeypatch.setattr(sandbox, "capabilities", without)
    assert [p.id for p in poller.polled_accounts()] == ["bank"]


async def test_the_cursor_moves_only_after_the_inbox_has_the_events(world: PayoutWorld) -> None:
    payout_id = await _booked_payout(world)
    poller = world.hub.notifications
    real_ingest = poller.ingest

    async def broken_ingest(account_id: str, events: list[ProviderEvent]) -> list[str]:
        raise ConnectionError("database went away")

    poller.ingest = broken_ingest
    assert "bank" not in await poller.poll_all()  # the poll failed: reported, not raised
    assert await poller.cursor("bank") is None  # the debit will be read again

    seen: list[tuple[str, list[str]]] = []

    async def recording_ingest(account_id: str, events: list[ProviderEvent]) -> list[str]:
        seen.append((account_id, [e.payment_id or "" for e in events]))
        return await real_ingest(account_id, events)

    poller.ingest = recording_ingest
    assert (await poller.poll_all()).get("bank") == 1
    assert seen == [("bank", [payout_id])]
    cursor = await poller.cursor("bank")
    assert cursor is not None
    assert (await poller.poll_all()).get("bank") == 0  # nothing new after the cursor
    assert await poller.cursor("bank") == cursor
    await world.wait_status(payout_id, "succeeded")


async def test_an_unreachable_bank_leaves_the_cursor_and_is_retried(world: PayoutWorld) -> None:
    payout_id = await _booked_payout(world)
    world.faults.server_error(method="GET", path=r"/notifications$", times=None)
    assert "bank" not in await world.hub.notifications.poll_all()
    assert "bank" not in await world.hub.notifications.poll_all()
    assert await world.hub.notifications.cursor("bank") is None
    world.faults.disarm()
    assert (await world.hub.notifications.poll_all()).get("bank") == 1
    await world.wait_status(payout_id, "succeeded")


async def test_without_an_inbox_nothing_is_read_and_the_cursor_stays(world: PayoutWorld) -> None:
    await _booked_payout(world)
    world.hub.notifications.ingest = None
    assert "bank" not in await world.hub.notifications.poll_all()
    assert await world.hub.notifications.cursor("bank") is None
    assert world.faults.count("GET", r"/notifications") == 0


async def test_the_periodic_job_keeps_reading_until_a_late_return_arrives(
    db_url: str, tmp_path: Path
) -> None:
    fast = TOML.replace("poll_interval = 3600.0", "poll_interval = 0.2")
    w = await open_world(db_url, tmp_path, toml=fast)
    try:
        assert POLL_JOB in w.hub.jobs._registry
        r = await w.pay_out(bank.RETURN_DECEASED_IBAN, account="bank")
        payout_id = r.json()["id"]
        await w.bank.advance()  # settled and booked
        await w.wait_status(payout_id, "succeeded")
        await w.bank.advance()  # returned days later: only the statement says so
        returned = await w.wait_status(payout_id, "returned")
        assert returned["failure"]["provider_code"] == "MD07"
    finally:
        await close_world(w)
