"""Bank deposits against provider payouts, a report failing mid-way, remembered cursors, a run
left behind by a crash, and the schedule — with a scripted settlement source."""

from __future__ import annotations

import asyncio
import datetime as dt

import msgspec
from sqlalchemy import update

from adapters.settlement import LineType, ReportError, ReportErrorCode
from hub.store.reconciliation_tables import reconciliation_runs
from tests.conftest import HubHarness
from tests.reconciliation.conftest import entries, items, reconcile, verify
from tests.reconciliation.fakes import install, line

DAY = {"from": "2026-03-01T00:00:00Z", "to": "2026-03-02T00:00:00Z"}
WHEN = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


async def test_a_bank_deposit_matches_the_provider_payout_posted_once(harness: HubHarness) -> None:
    h = harness
    psp, bank = install(h.hub, "psp"), install(h.hub, "mybank")
    psp.pages = [[line("txn_po1", LineType.PAYOUT, -4200, when=WHEN, provider_reference="po_psp_1")]]
    run = await reconcile(h, "psp", **DAY)
    assert run["summary"]["settlement"] == 1, run
    assert len(await entries(h, "settlement")) == 1

    bank.pages = [[
        line("acct-ref-1", LineType.DEPOSIT, 4200, when=WHEN, description="PSP PAYOUT po_psp_1"),
        line("acct-ref-2", LineType.DEPOSIT, 4200, when=WHEN, description="a credit from elsewhere"),
    ]]  # fmt: skip
    run = await reconcile(h, "mybank", **DAY)
    found = {i["line_id"]: i for i in await items(h, run["id"])}
    assert found["acct-ref-1"]["kind"] == "matched" and found["acct-ref-1"]["matched_line"] == "txn_po1"
    assert found["acct-ref-2"]["kind"] == "missing_in_hub"  # the one payout is claimed already
    assert len(await entries(h, "settlement")) == 1  # the deposit is never posted again

    again = await reconcile(h, "mybank", **DAY)  # a re-run: the same deposit reclaims the same payout
    assert {i["line_id"]: i["kind"] for i in await items(h, again["id"])} == {
        "acct-ref-1": "matched",
        "acct-ref-2": "missing_in_hub",
    }
    await verify(h)


async def test_a_report_failing_midway_fails_the_run_and_a_rerun_posts_once(harness: HubHarness) -> None:
    h = harness
    psp = install(h.hub, "psp")
    first = [line("txn_f1", LineType.FEE, -300, when=WHEN)]
    psp.pages = [first, ReportError(ReportErrorCode.UNAVAILABLE, "HTTP 503 on page 2")]
    run = await reconcile(h, "psp", **DAY)
    assert run["status"] == "failed" and run["reason"] == "report_unavailable: HTTP 503 on page 2", run
    assert await items(h, run["id"]) == []
    psp.pages = [first, [line("txn_f2", LineType.FEE, -200, when=WHEN)]]
    run = await reconcile(h, "psp", **DAY)
    assert run["status"] == "completed" and run["summary"]["fee"] == 2, run
    fees = sorted(
        -p["amount"] for e in await entries(h, "fee") for p in e["postings"] if p["account"] != "fees"
    )
    assert fees == [200, 300]  # the first page's fee, posted before the failure, is not posted again
    await verify(h)


async def test_the_next_cursor_is_remembered_and_a_rerun_starts_where_the_window_did(
    harness: HubHarness,
) -> None:
    h = harness
    psp = install(h.hub, "psp")
    psp.pages, psp.cursors = [[], []], ["2", "3"]
    await reconcile(h, "psp", **DAY)
    nxt = {"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z"}
    psp.cursors = ["4"]
    psp.pages = [[]]
    await reconcile(h, "psp", **nxt)
    await reconcile(h, "psp", **DAY)  # the first window again
    assert [r.cursor for r in psp.requests] == [None, "3", None]
    third = {"from": "2026-03-03T00:00:00Z", "to": "2026-03-04T00:00:00Z"}
    await reconcile(h, "psp", **third)
    assert psp.requests[-1].cursor == "4"  # the re-run did not move the account's cursor


async def test_a_run_left_running_by_a_crash_is_picked_up(harness: HubHarness) -> None:
    h = harness
    psp = install(h.hub, "psp")
    psp.pages = [[line("txn_f9", LineType.FEE, -100, when=WHEN)]]
    svc = h.hub.reconciliation
    start, end = dt.datetime(2026, 3, 1, tzinfo=dt.UTC), dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    row = await svc.create(
        owner="default", account="psp", start=start, end=end, trigger="api"
    )  # never enqueued
    assert await h.hub.reconciliation_schedule.sweep() == []  # fresh: its process may be alive
    async with h.hub.engine.begin() as conn:
        await conn.execute(
            update(reconciliation_runs)
            .where(reconciliation_runs.c.id == row["id"])
            .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
    assert await h.hub.reconciliation_schedule.sweep() == [row["id"]]
    async with asyncio.timeout(10):
        await h.hub.jobs.join()
    run = (await h.get(f"/v1/reconciliations/{row['id']}")).json()
    assert run["status"] == "completed" and run["summary"]["fee"] == 1, run


async def test_the_schedule_reconciles_the_previous_day_once(harness: HubHarness) -> None:
    h = harness
    psp = install(h.hub, "psp")
    started = await h.hub.reconciliation_schedule.tick()
    assert len(started) == 2  # sandbox (the simulator) and psp
    async with asyncio.timeout(10):
        await h.hub.jobs.join()
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    request = psp.requests[-1]
    assert (request.start, request.end) == (today - dt.timedelta(days=1), today)
    for run_id in started:
        run = (await h.get(f"/v1/reconciliations/{run_id}")).json()
        assert run["status"] == "completed", run
    assert await h.hub.reconciliation_schedule.tick() == []  # nothing due until tomorrow


async def test_a_failing_account_is_retried_once_per_interval(harness: HubHarness) -> None:
    h = harness
    psp = install(h.hub, "psp")
    psp.pages = [ReportError(ReportErrorCode.UNAUTHORIZED, "HTTP 401")]
    schedule = h.hub.reconciliation_schedule
    started = await schedule.tick()
    assert len(started) == 2
    async with asyncio.timeout(10):
        await h.hub.jobs.join()
    runs = {
        r["account"]: r["status"] for r in [(await h.get(f"/v1/reconciliations/{i}")).json() for i in started]
    }
    assert runs == {"sandbox": "completed", "psp": "failed"}
    assert await schedule.tick() == []  # the failed window waits for the next interval
    schedule.service.config = msgspec.structs.replace(schedule.service.config, interval=0.001)
    await asyncio.sleep(0.01)
    retried = await schedule.tick()
    assert len(retried) == 1  # psp's failed window again; sandbox's is done
    async with asyncio.timeout(10):
        await h.hub.jobs.join()
    run = (await h.get(f"/v1/reconciliations/{retried[0]}")).json()
    assert run["account"] == "psp" and run["status"] == "failed", run


async def test_a_payment_captured_in_parts_matches_a_line_per_capture(harness: HubHarness) -> None:
    from tests.reconciliation.conftest import pay

    h = harness
    p = (await h.post("/v1/payments", pay(amount=2000, capture="manual"))).json()
    assert (
        await h.post(f"/v1/payments/{p['id']}/capture", {"amount": 300, "final": False})
    ).status_code == 200
    assert (await h.post(f"/v1/payments/{p['id']}/capture", {"amount": 700})).status_code == 200
    psp = install(h.hub, "sandbox")  # the same account, read from a source that echoes no op ids
    psp.pages = [[
        line(f"txn_part{i}", LineType.CHARGE, amount, when=WHEN, resource_id=p["id"]) for i, amount in ((1, 300), (2, 700))
    ] + [line("txn_part3", LineType.CHARGE, 300, when=WHEN, resource_id=p["id"])]]  # fmt: skip
    run = await reconcile(h, "sandbox", **DAY)
    kinds = {i["line_id"]: (i["kind"], i["hub_amount"]) for i in await items(h, run["id"])}
    assert kinds == {
        "txn_part1": ("matched", 300), "txn_part2": ("matched", 700), "txn_part3": ("amount_mismatch", 1000)
    }  # fmt: skip
