"""The upgrade path and the command line: a database with payments, refunds and payouts but no
entries (as before the ledger) is red under `payhub ledger verify`; `payhub ledger backfill`
posts the opening entries once, and verify goes green."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from contract_tests.fakes import sepa as bank
from hub.cli import main
from hub.services import postings
from tests.ledger.conftest import balances, pay
from tests.payouts.conftest import PayoutWorld


async def _history_without_ledger(world: PayoutWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postings, "ENABLED", False)
    h = world.h
    p = (await h.post("/v1/payments", pay(amount=1500, capture="automatic"))).json()
    assert (await h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 500})).status_code == 201
    q = (await h.post("/v1/payments", pay(amount=800))).json()
    assert (await h.post(f"/v1/payments/{q['id']}/capture", {"amount": 300})).status_code == 200
    po = (await world.pay_out(bank.SUCCEED_IBAN, account="bank", amount=700)).json()
    await world.settle_bank(po["id"], "succeeded")
    monkeypatch.setattr(postings, "ENABLED", True)


def _cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], db_url: str, *argv: str
) -> tuple[int, str]:
    monkeypatch.setenv("PAYHUB_DATABASE_URL", db_url)
    capsys.readouterr()
    code = main(["ledger", *argv])
    return code, capsys.readouterr().out


async def test_backfill_posts_opening_entries_once(
    world: PayoutWorld, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    await _history_without_ledger(world, monkeypatch)
    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "verify")
    assert code == 1 and out.startswith("DISCREPANCY: payment ") and "backfill" in out, out

    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "backfill")
    assert code == 0 and "2 capture" in out and "1 refund" in out and "1 payout" in out, out
    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "backfill")
    assert code == 0 and out.startswith("nothing to backfill"), out

    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "verify")
    assert code == 0 and out.startswith("OK") and len(out.strip().splitlines()) == 1, out
    books = await balances(world)
    assert books["sales"] == {"EUR": -1800} and books["refunds"] == {"EUR": 500}
    assert books["provider:sandbox"] == {"EUR": 1300}
    assert books["payouts"] == {"EUR": 700} and books["provider:bank"] == {"EUR": -700}

    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "balances")
    assert code == 0 and "provider:sandbox" in out and "1300" in out


async def test_verify_goes_red_on_a_tampered_posting(
    world: PayoutWorld, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = (await world.h.post("/v1/payments", pay(amount=1500, capture="automatic"))).json()
    assert (await _in_thread(_cli, monkeypatch, capsys, db_url, "verify"))[0] == 0
    async with world.hub.engine.begin() as conn:  # behind the triggers' back, both sides: balanced
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SET LOCAL session_replication_role = replica"))
        else:
            await conn.execute(text("DROP TRIGGER ledger_postings_no_update"))
        await conn.execute(text("UPDATE ledger_postings SET amount = amount / 3"))
        await conn.execute(text("UPDATE ledger_balances SET debits = debits / 3, credits = credits / 3"))
    code, out = await _in_thread(_cli, monkeypatch, capsys, db_url, "verify")
    assert code == 1 and out.startswith("DISCREPANCY:") and p["id"] in out, out


async def _in_thread(fn, *args):
    """The CLI runs its own event loop (asyncio.run): run it off this test's loop."""
    import asyncio

    return await asyncio.to_thread(fn, *args)
