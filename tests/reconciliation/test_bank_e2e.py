"""Reconciliation of the SEPA bank account end to end (DESIGN §14): the bank fake's camt.053
statements against the hub. The hub's own credit transfers are matched (one left out of the
statement is reported ``missing_at_provider``); the provider's payout to the merchant's bank,
already posted as a ``settlement`` when the provider's books were reconciled, matches the bank's
credit and is never posted a second time; a credit from elsewhere is ``missing_in_hub``.
On SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.sepa.mapping import end_to_end_id_for
from adapters.simulator.app import sim_state
from adapters.simulator.books import TxnIn
from tests.payouts.conftest import PayoutWorld, close_world, open_world
from tests.reconciliation.conftest import entries, items, reconcile_polled, verify


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[PayoutWorld]:
    w = await open_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


async def reconcile(w: PayoutWorld, account: str) -> dict[str, Any]:
    return await reconcile_polled(w.h, account)


async def _paid_out(w: PayoutWorld, amount: int) -> dict[str, Any]:
    r = await w.pay_out("DE89370400440532013000", account="bank", amount=amount)
    assert r.status_code in (201, 202), r.text
    return await w.settle_bank(r.json()["id"], "succeeded")


async def test_bank_statements_against_the_hub_and_the_provider_payout(world: PayoutWorld) -> None:
    w = world
    first = await _paid_out(w, 2500)
    second = await _paid_out(w, 1200)
    w.bank.statements.omitted.add(end_to_end_id_for(second["id"]))  # the statement lacks this debit

    # the simulator PSP paid its balance out to our bank: reconciled there, it is a settlement
    books = sim_state(w.h.simulator).books
    books.inject(TxnIn(type="payout", amount=-4200, source="po_sim_settle_1", description="SIM PAYOUT"))
    psp_run = await reconcile(w, "sandbox")
    assert psp_run["status"] == "completed", psp_run
    assert psp_run["summary"]["settlement"] == 1, psp_run["summary"]
    assert len(await entries(w.h, "settlement")) == 1

    w.bank.add_credit(4200, debtor_name="Simulated PSP", remittance="SIM PAYOUT po_sim_settle_1")
    w.bank.add_credit(999, debtor_name="Somebody Else", remittance="a credit from elsewhere")
    run = await reconcile(w, "bank")
    assert run["status"] == "completed", run
    s = run["summary"]
    assert (s["matched"], s["missing_at_provider"], s["missing_in_hub"]) == (2, 1, 1), s
    found = await items(w.h, run["id"])
    matched = {i["type"]: i for i in found if i["kind"] == "matched"}
    assert matched["bank_payout"]["resource"] == first["id"]
    assert matched["bank_payout"]["provider_amount"] == -2500
    assert matched["deposit"]["provider_amount"] == 4200
    [lacking] = [i for i in found if i["kind"] == "missing_at_provider"]
    assert lacking["resource"] == second["id"]
    [stranger] = [i for i in found if i["kind"] == "missing_in_hub"]
    assert stranger["provider_amount"] == 999
    assert len(await entries(w.h, "settlement")) == 1  # the bank's credit is never posted again
    await verify(w.h)

    again = await reconcile(w, "bank")
    assert again["summary"] == run["summary"]
    assert len(await entries(w.h, "settlement")) == 1
    await verify(w.h)
