"""A capture and a refund made in Adyen's Customer Area: CAPTURE / REFUND notifications whose
pspReferences the hub never created, each delivered five times, adopted once each."""

from __future__ import annotations

import json

import pytest

from contract_tests.fakes.dashboard import adyen_modification
from tests.adoption.conftest import (
    cli_verify,
    events_of,
    ledger_green,
    operations_of,
    refunds_of,
    send_adyen_times,
)
from tests.webhooks_inbound.conftest import World


async def _authorized(w: World) -> dict[str, object]:
    p = await w.pay("adyen-eu", payment_method=w.adyen_card())
    assert p["status"] == "authorized", p
    return p


async def _captured_by_hub(w: World, pid: str) -> None:
    r = await w.h.post(f"/v1/payments/{pid}/capture")
    assert r.status_code == 200, r.text  # Adyen answers "received": processing until the webhook
    await w.adyen.advance()
    [note] = w.adyen_notes("CAPTURE")
    await send_adyen_times(w, note, times=1)
    assert (await w.payment(pid))["status"] == "captured"


async def test_customer_area_capture_then_refund_five_times_each(
    aw: World, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    p = await _authorized(aw)
    pid, psp = str(p["id"]), str(p["provider_reference"])

    capture = adyen_modification(aw.adyen, psp, "captures")
    [note] = aw.adyen_notes("CAPTURE")
    await send_adyen_times(aw, note)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"]) == ("captured", 1099)
    assert len(await events_of(aw, "payment.captured", pid)) == 1

    refund = adyen_modification(aw.adyen, psp, "refunds", 250)
    [note] = aw.adyen_notes("REFUND")
    await send_adyen_times(aw, note)
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"], pay["amount_refunded"]) == ("captured", 1099, 250)
    [listed] = await refunds_of(aw, pid)
    assert (listed["provider_reference"], listed["amount"], listed["status"]) == (
        refund.psp,
        250,
        "succeeded",
    )
    assert len(await events_of(aw, "refund.succeeded", listed["id"])) == 1
    assert len(await events_of(aw, "payment.captured", pid)) == 1

    ops = await operations_of(aw, pid)
    assert [(o["kind"], o["origin"]) for o in ops] == [
        ("authorize", "hub"), ("capture", "provider"), ("refund", "provider"),
    ]  # fmt: skip
    assert ops[1]["provider_reference"] == psp and capture.psp != psp
    await ledger_green(aw)
    await cli_verify(db_url, monkeypatch, capsys)


async def test_a_second_customer_area_refund_is_its_own_refund(aw: World) -> None:
    p = await _authorized(aw)
    pid, psp = str(p["id"]), str(p["provider_reference"])
    await _captured_by_hub(aw, pid)
    first = adyen_modification(aw.adyen, psp, "refunds", 100)
    second = adyen_modification(aw.adyen, psp, "refunds", 100)
    for note in aw.adyen_notes("REFUND"):
        await send_adyen_times(aw, note, times=2)
    listed = await refunds_of(aw, pid)
    assert sorted(r["provider_reference"] for r in listed) == sorted([first.psp, second.psp])
    assert (await aw.payment(pid))["amount_refunded"] == 200
    await ledger_green(aw)


async def test_a_refund_in_another_currency_is_flagged_for_review(aw: World) -> None:
    p = await _authorized(aw)
    pid, psp = str(p["id"]), str(p["provider_reference"])
    await _captured_by_hub(aw, pid)
    adyen_modification(aw.adyen, psp, "refunds", 100)
    [note] = aw.adyen_notes("REFUND")
    doc = json.loads(note)
    doc["notificationItems"][0]["NotificationRequestItem"]["amount"]["currency"] = "USD"
    await send_adyen_times(aw, json.dumps(doc).encode(), times=3)
    pay = await aw.payment(pid)
    assert (pay["amount_refunded"], pay["requires_review"]) == (0, True)
    assert await refunds_of(aw, pid) == []
    flagged = [o for o in await operations_of(aw, pid) if o["origin"] == "provider"]
    assert [(o["kind"], o["requires_review"]) for o in flagged] == [("refund", True)]
    assert "USD" in (flagged[0]["reason"] or "")
    await ledger_green(aw)


async def test_customer_area_partial_captures_then_a_cancellation_that_comes_too_late(aw: World) -> None:
    p = await _authorized(aw)
    pid, psp = str(p["id"]), str(p["provider_reference"])
    adyen_modification(aw.adyen, psp, "captures", 600)
    [note] = aw.adyen_notes("CAPTURE")
    await send_adyen_times(aw, note)
    assert (await aw.payment(pid))["amount_captured"] == 600
    adyen_modification(aw.adyen, psp, "captures", 499)  # a second partial capture, its own psp
    second = [n for n in aw.adyen_notes("CAPTURE") if n != note]
    await send_adyen_times(aw, second[0])
    pay = await aw.payment(pid)
    assert (pay["status"], pay["amount_captured"]) == ("captured", 1099)
    assert len(await events_of(aw, "payment.captured", pid)) == 2
    # a cancellation reported after the captures would move the payment backwards: ignored
    [note] = aw.adyen_notes("CAPTURE")[:1]
    doc = json.loads(note)
    item = doc["notificationItems"][0]["NotificationRequestItem"]
    item.update(eventCode="CANCELLATION", pspReference="LATECANCEL000001")
    await send_adyen_times(aw, json.dumps(doc).encode(), times=2)
    assert (await aw.payment(pid))["status"] == "captured"
    [row] = [r for r in await aw.inbox() if r["event_type"] == "CANCELLATION"]
    assert row["status"] == "ignored" and "backwards" in (row["error"] or "")
    await ledger_green(aw)


async def test_a_flagged_refund_that_fits_later_is_applied_when_an_admin_settles_it(aw: World) -> None:
    p = await _authorized(aw)
    pid, psp = str(p["id"]), str(p["provider_reference"])
    adyen_modification(aw.adyen, psp, "captures", 600)
    [first] = aw.adyen_notes("CAPTURE")
    await send_adyen_times(aw, first, times=1)
    outside = adyen_modification(aw.adyen, psp, "refunds", 100)
    [note] = aw.adyen_notes("REFUND")
    doc = json.loads(note)
    doc["notificationItems"][0]["NotificationRequestItem"]["amount"]["value"] = 800  # more than captured
    await send_adyen_times(aw, json.dumps(doc).encode(), times=2)
    [flagged] = [o for o in await operations_of(aw, pid) if o["requires_review"]]
    assert (await aw.payment(pid))["amount_refunded"] == 0
    adyen_modification(aw.adyen, psp, "captures", 499)
    [second] = [n for n in aw.adyen_notes("CAPTURE") if n != first]
    await send_adyen_times(aw, second, times=1)
    assert (await aw.payment(pid))["amount_captured"] == 1099
    r = await aw.h.post(
        f"/v1/admin/operations/{flagged['id']}/settle", {"outcome": "succeeded", "reason": "seen in CA"}
    )
    assert r.status_code == 200, r.text
    pay = await aw.payment(pid)
    assert (pay["amount_refunded"], pay["requires_review"], pay["status"]) == (800, False, "captured")
    [refund] = await refunds_of(aw, pid)
    assert (refund["amount"], refund["status"], refund["provider_reference"]) == (
        800,
        "succeeded",
        outside.psp,
    )
    assert len(await events_of(aw, "refund.succeeded", refund["id"])) == 1
    await ledger_green(aw)
