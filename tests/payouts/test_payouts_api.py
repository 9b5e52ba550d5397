"""POST/GET /v1/payouts on the embedded default (the simulator): lifecycle, validation,
roles, idempotency, lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from adapters.simulator.app import sim_state
from tests.payouts.conftest import SIM_PAID, SIM_REJECTED_AC04, PayoutWorld, close_world, open_world


async def test_payout_on_the_simulator_goes_from_request_to_succeeded(world: PayoutWorld) -> None:
    r = await world.pay_out(SIM_PAID, reference="withdrawal-7", metadata={"user": "u-1"})
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["object"] == "payout"
    assert created["status"] == "processing"  # the simulator's bank settles later
    assert created["account"] == "sandbox"
    assert (created["amount"], created["currency"]) == (2500, "EUR")
    assert created["reference"] == "withdrawal-7"
    assert created["metadata"] == {"user": "u-1"}
    assert created["destination"] == {
        "type": "bank_account",
        "iban": "DE89**************3000",
        "last4": "3000",
        "bic": None,
        "name": "Zoë Müller",
        "country": "DE",
    }
    done = await world.wait_status(created["id"], "succeeded")
    assert done["failure"] is None
    assert await world.event_types(created["id"]) == ["payout.processing", "payout.succeeded"]


async def test_a_rejected_payout_on_the_simulator_fails_with_a_unified_code(world: PayoutWorld) -> None:
    r = await world.pay_out(SIM_REJECTED_AC04)
    assert r.status_code == 201, r.text
    failed = await world.wait_status(r.json()["id"], "failed")
    assert failed["failure"]["code"] == "payout_rejected"
    assert failed["failure"]["decline_code"] == "invalid_account"
    assert failed["failure"]["provider_code"] == "AC04"


async def test_push_to_card_with_a_vaulted_card(world: PayoutWorld) -> None:
    pm = await world.h.post(
        "/v1/payment-methods",
        {"type": "card", "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031}},
    )
    r = await world.pay_out("", destination={"type": "card", "token": pm.json()["id"]})
    assert r.status_code == 201, r.text
    dest = r.json()["destination"]
    assert dest["type"] == "card" and dest["token"] == pm.json()["id"] and dest["last4"] == "4242"
    assert "4242424242424242" not in r.text
    await world.wait_status(r.json()["id"], "succeeded")

    unknown = await world.pay_out("", destination={"type": "card", "token": "pm_00000000000000000000000000"})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "destination.token"


@pytest.mark.parametrize(
    ("destination", "field", "reason"),
    [
        ({"iban": "DE89370400440532013001"}, "destination.iban", "invalid_iban"),  # mod-97
        ({"iban": "DE8937040044053201300"}, "destination.iban", "invalid_iban"),  # DE length
        ({"iban": "XX89370400440532013000"}, "destination.iban", "invalid_iban"),  # no such country
        ({"iban": None}, "destination.iban", "invalid_iban"),
        ({"bic": "COBA-DEFF"}, "destination.bic", "invalid_bic"),
        ({"bic": "COBAXXFF"}, "destination.bic", "invalid_bic"),
        ({"country": "FR"}, "destination.country", "invalid_country"),
        ({"country": "ZZ"}, "destination.country", "invalid_country"),
        ({"name": "  "}, "destination.name", "invalid_name"),
    ],
)
async def test_bad_bank_details_are_a_clear_422(
    world: PayoutWorld, destination: dict[str, Any], field: str, reason: str
) -> None:
    dest = {"type": "bank_account", "iban": SIM_PAID, "bic": "COBADEFFXXX", "name": "Ada", "country": "DE"}
    dest.update(destination)
    r = await world.pay_out("", destination=dest)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert (problem["code"], problem["field"], problem["reason"]) == ("validation_error", field, reason)
    assert (await world.h.get("/v1/payouts")).json()["data"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": -5}, "amount"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"destination": {"type": "cheque"}}, "destination.type"),
    ],
)
async def test_bad_amount_currency_or_type_is_a_422_naming_the_field(
    world: PayoutWorld, change: dict[str, Any], field: str
) -> None:
    r = await world.pay_out(SIM_PAID, **change)
    assert r.status_code == 422, r.text
    assert (r.json()["code"], r.json()["field"]) == ("validation_error", field)


async def test_the_payouts_role_is_required_to_pay_out(world: PayoutWorld) -> None:
    payments_key = await world.h.new_key("payments")
    refused = await world.h.post(
        "/v1/payouts",
        {
            "amount": 100,
            "currency": "EUR",
            "destination": {"type": "bank_account", "iban": SIM_PAID, "name": "A"},
        },
        key=payments_key,
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"

    payouts_key = await world.h.new_key("payouts")
    body = {
        "amount": 100,
        "currency": "EUR",
        "destination": {"type": "bank_account", "iban": SIM_PAID, "name": "A"},
    }
    ok = await world.h.post("/v1/payouts", body, key=payouts_key)
    assert ok.status_code == 201, ok.text
    read_key = await world.h.new_key("read")
    assert (await world.h.get(f"/v1/payouts/{ok.json()['id']}", key=read_key)).status_code == 200
    assert (await world.h.post("/v1/payouts", body, key=read_key)).status_code == 403


async def test_duplicate_submission_is_prevented_by_idempotency(world: PayoutWorld) -> None:
    first = await world.pay_out(SIM_PAID, key="payout-42")
    second = await world.pay_out(SIM_PAID, key="payout-42")
    assert first.status_code == 201, first.text
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert len((await world.h.get("/v1/payouts")).json()["data"]) == 1
    # exactly one transfer reached the provider
    payouts = await world.h.hub.providers.get("sandbox").client.get("/v1/payouts", params={"limit": 100})
    assert len(payouts.json()["data"]) == 1

    reused = await world.pay_out(SIM_PAID, key="payout-42", amount=9999)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


async def test_a_sepa_duplicate_submission_sends_one_file(world: PayoutWorld) -> None:
    first = await world.pay_out(SIM_PAID, account="bank", key="bank-7")
    second = await world.pay_out(SIM_PAID, account="bank", key="bank-7")
    assert second.json()["id"] == first.json()["id"]
    assert len(world.bank.submissions) == 1


async def test_idempotency_key_can_be_required(db_url: str, tmp_path: Path) -> None:
    w = await open_world(db_url, tmp_path, env={"PAYHUB_IDEMPOTENCY_REQUIRED": "true"})
    try:
        without = await w.pay_out(SIM_PAID)
        assert without.status_code in (400, 428), without.text
        assert (await w.h.get("/v1/payouts")).json()["data"] == []
        assert (await w.pay_out(SIM_PAID, key="k-1")).status_code == 201
    finally:
        await close_world(w)


async def test_list_filters_and_cursor_paging(world: PayoutWorld) -> None:
    ids = []
    for i in range(5):
        r = await world.pay_out(SIM_PAID, reference=f"batch-{i % 2}")
        ids.append(r.json()["id"])
    bank_payout = (await world.pay_out(SIM_PAID, account="bank")).json()["id"]

    page1 = (await world.h.get("/v1/payouts", limit=4)).json()
    assert [p["id"] for p in page1["data"]] == [bank_payout, *ids[::-1][:3]]
    assert page1["has_more"] is True
    page2 = (await world.h.get("/v1/payouts", limit=4, cursor=page1["next_cursor"])).json()
    assert [p["id"] for p in page2["data"]] == ids[1::-1]
    assert page2["has_more"] is False and page2["next_cursor"] is None

    by_ref = (await world.h.get("/v1/payouts", reference="batch-1")).json()["data"]
    assert [p["id"] for p in by_ref] == [ids[3], ids[1]]
    by_account = (await world.h.get("/v1/payouts", account="bank")).json()["data"]
    assert [p["id"] for p in by_account] == [bank_payout]
    processing = (await world.h.get("/v1/payouts", status="processing", account="bank")).json()["data"]
    assert [p["id"] for p in processing] == [bank_payout]
    assert (await world.h.get("/v1/payouts", status="returned")).json()["data"] == []
    assert (await world.h.get("/v1/payouts", status="sideways")).status_code in (400, 422)


async def test_payouts_are_scoped_to_their_owner(world: PayoutWorld) -> None:
    mine = (await world.pay_out(SIM_PAID)).json()["id"]
    other = await world.h.new_key("read", owner="someone-else")
    assert (await world.h.get(f"/v1/payouts/{mine}", key=other)).status_code == 404
    assert (await world.h.get("/v1/payouts", key=other)).json()["data"] == []
    assert (await world.h.get("/v1/payouts/po_00000000000000000000000000")).json()["code"] == "not_found"


async def test_a_return_after_success_on_the_simulator_reaches_the_hub_by_polling(
    db_url: str, tmp_path: Path
) -> None:
    """The embedded default: the in-process simulator cannot POST webhooks to the hub, so the
    notification poller reads its events feed; a payout paid and later returned by the
    beneficiary bank ends `returned` with the bank's reason, and emits payout.returned."""
    from tests.payouts.conftest import TOML

    toml = TOML.replace("poll_interval = 3600.0", "poll_interval = 0.2")
    w = await open_world(db_url, tmp_path, toml=toml)
    try:
        r = await w.pay_out("DE61370400440000000999")
        assert r.status_code == 201, r.text
        payout_id = r.json()["id"]
        await w.wait_status(payout_id, "succeeded")
        await sim_state(w.hub.providers.get("sandbox").in_process_app).advance(5.0)  # the return comes later
        returned = await w.wait_status(payout_id, "returned")
        assert returned["failure"]["provider_code"] == "AC04"
        assert await w.event_types(payout_id) == ["payout.processing", "payout.succeeded", "payout.returned"]
    finally:
        await close_world(w)
