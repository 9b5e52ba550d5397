"""Issue 13, gap 6: the SEPA replay is the same file. A bank that refuses a MsgId reused in
any other file (the fake compares the whole file) answers the replay with the original
submission, so the payout settles once, and is never ``failed`` while the transfer runs."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.base import OperationKind
from contract_tests.fakes import sepa as bank
from contract_tests.faults import Fault
from tests.payouts.conftest import PayoutWorld, close_world, open_world


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[PayoutWorld]:
    w = await open_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


async def test_the_file_replayed_seconds_later_is_the_same_file(world: PayoutWorld) -> None:
    world.faults.timeout_after_processing(method="POST")
    # the bank is unavailable for the first replays: the one that gets through goes out
    # seconds after the first file was built (a regenerated CreDtTm would differ)
    world.faults.arm(Fault.UNAVAILABLE, method="POST", times=5)
    r = await world.pay_out(bank.SUCCEED_IBAN, account="bank")
    assert r.status_code == 201, r.text
    payout = r.json()
    seen = {payout["status"]}
    for _ in range(60):
        body = (await world.h.get(f"/v1/payouts/{payout['id']}")).json()
        seen.add(body["status"])
        if body["provider_reference"]:  # the replay got through: the bank's answer is known
            break
        await asyncio.sleep(0.2)
    assert "failed" not in seen, seen
    forwarded = [x for x in world.faults.requests if x.method == "POST" and x.forwarded]
    assert len(forwarded) >= 2, world.faults.requests  # the first file and the replay that got through
    assert len(world.bank.submissions) == 1
    sub = next(iter(world.bank.submissions.values()))
    assert sub.posts >= 1  # the replay was recognised as the same file
    done = await world.settle_bank(payout["id"], "succeeded")
    assert done["status"] == "succeeded"
    assert world.bank.count(OperationKind.PAYOUT) == 1
