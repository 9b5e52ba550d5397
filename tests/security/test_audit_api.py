"""Every mutation through the API leaves one audit record; auditors read them; no one edits them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from hub.store import tables as t
from tests.conftest import ADMIN_KEY, start_harness

SLOW_RESOLUTION_TOML = """
[[accounts]]
id = "sandbox"
adapter = "simulator"
[accounts.timeouts]
connect = 1.0
read = 1.0

[resolution]
schedule = [3600.0]
sweep_interval = 3600.0
"""
SERVER_ERROR_CARD = "4000000000000341"  # the simulator answers 500 without charging


async def _key_id(harness: Any, key: str) -> str:
    info = await harness.hub.api_keys.authenticate(key)
    return str(info.id)


async def test_payment_flow_and_admin_actions_are_recorded(
    harness: Any, audit_records: Any, payment_body: Any
) -> None:
    payments_key = await harness.new_key("payments", owner="shop-1")
    refunds_key = await harness.new_key("refunds", owner="shop-1")
    payments_id = await _key_id(harness, payments_key)
    refunds_id = await _key_id(harness, refunds_key)

    created = await harness.post(
        "/v1/payments", payment_body(), key=payments_key, **{"X-Request-ID": "req-create"}
    )
    assert created.status_code == 201, created.text
    pay_id = created.json()["id"]
    captured = await harness.post(f"/v1/payments/{pay_id}/capture", {}, key=payments_key)
    assert captured.json()["status"] == "captured"
    refunded = await harness.post(f"/v1/payments/{pay_id}/refunds", {"amount": 500}, key=refunds_key)
    assert refunded.status_code == 201, refunded.text
    account = await harness.post(
        "/v1/admin/accounts",
        {"id": "sim-2", "adapter": "simulator", "credentials": {"api_key": "sim2-secret-value-0001"}},
    )
    assert account.status_code == 201, account.text

    engine = harness.hub.engine
    [create] = await audit_records(engine, action="payment.create")
    assert (create["actor_key_id"], create["actor_owner"]) == (payments_id, "shop-1")
    assert (create["resource_type"], create["resource_id"]) == ("payment", pay_id)
    assert create["before"] is None
    assert create["after"]["status"] == "authorized"
    assert create["request_id"] == "req-create"
    assert create["success"] is True and create["detail"] is None
    assert create["source_ip"] == "127.0.0.1"
    assert create["at"] is not None

    [capture] = await audit_records(engine, action="payment.capture")
    assert capture["resource_id"] == pay_id and capture["actor_key_id"] == payments_id
    assert capture["before"]["status"] == "authorized" and capture["before"]["amount_captured"] == 0
    assert capture["after"]["status"] == "captured" and capture["after"]["amount_captured"] == 1099
    assert capture["request_id"] and capture["request_id"] != create["request_id"]  # generated

    [refund] = await audit_records(engine, action="refund.create")
    assert refund["actor_key_id"] == refunds_id
    assert (refund["resource_type"], refund["resource_id"]) == ("payment", pay_id)
    assert refund["before"]["amount_refunded"] == 0
    assert refund["after"]["id"] == refunded.json()["id"] and refund["after"]["amount"] == 500

    [acct] = await audit_records(engine, action="account.create")
    assert (acct["resource_type"], acct["resource_id"]) == ("account", "sim-2")
    assert acct["actor_key_id"] == await _key_id(harness, ADMIN_KEY)
    assert "sim2-secret-value-0001" not in str(acct)
    assert acct["after"]["credentials"]["api_key"] != "sim2-secret-value-0001"

    assert (await harness.hub.audit.verify()).ok


async def test_new_api_key_secret_never_reaches_the_log(harness: Any, audit_records: Any) -> None:
    made = await harness.post("/v1/admin/api-keys", {"role": "read", "name": "ci"})
    assert made.status_code == 201
    secret = made.json()["key"]
    [rec] = await audit_records(harness.hub.engine, action="api_key.create")
    assert rec["resource_id"] == made.json()["id"]
    assert "key" not in rec["after"] and secret not in str(rec)
    revoked = await harness.client.delete(
        f"/v1/admin/api-keys/{made.json()['id']}", headers=harness.headers()
    )
    assert revoked.status_code == 200
    [rev] = await audit_records(harness.hub.engine, action="api_key.revoke")
    assert rev["before"]["revoked_at"] is None and rev["after"]["revoked_at"] is not None
    assert "hash" not in rev["before"]


async def test_failures_are_recorded_with_their_code(
    harness: Any, audit_records: Any, payment_body: Any
) -> None:
    payments_key = await harness.new_key("payments")
    read_key = await harness.new_key("read")
    bad = await harness.post("/v1/payments", {**payment_body(), "amount": "ten"}, key=payments_key)
    assert bad.status_code == 422
    anonymous = await harness.client.post("/v1/payments", json=payment_body())
    assert anonymous.status_code == 401
    forbidden = await harness.post("/v1/payments", payment_body(), key=read_key)
    assert forbidden.status_code == 403

    rows = await audit_records(harness.hub.engine, action="payment.create")
    assert [(r["success"], r["detail"]) for r in rows] == [
        (False, "validation_error"),
        (False, "unauthorized"),
        (False, "forbidden"),
    ]
    assert rows[0]["actor_key_id"] == await _key_id(harness, payments_key)
    assert rows[1]["actor_key_id"] is None and rows[2]["actor_key_id"] is None
    assert all(r["after"] is None for r in rows)


async def test_idempotent_replay_is_recorded_as_such(
    harness: Any, audit_records: Any, payment_body: Any
) -> None:
    first = await harness.post("/v1/payments", payment_body(), **{"Idempotency-Key": "order-77"})
    again = await harness.post("/v1/payments", payment_body(), **{"Idempotency-Key": "order-77"})
    assert again.headers.get("idempotent-replayed") == "true"
    rows = await audit_records(harness.hub.engine, action="payment.create")
    assert [r["detail"] for r in rows] == [None, "idempotent_replay"]
    assert rows[0]["resource_id"] == rows[1]["resource_id"] == first.json()["id"]


async def test_auditor_reads_the_log_and_nobody_can_change_it(harness: Any, payment_body: Any) -> None:
    auditor = await harness.new_key("auditor")
    payments_key = await harness.new_key("payments")
    pay = (await harness.post("/v1/payments", payment_body(), key=payments_key)).json()
    await harness.post(f"/v1/payments/{pay['id']}/void", {}, key=payments_key)
    await harness.post("/v1/payments", {"amount": 1}, key=payments_key)  # 422

    page = await harness.get("/v1/admin/audit", key=auditor)
    assert page.status_code == 200, page.text
    data = page.json()["data"]
    assert [r["action"] for r in data] == ["payment.create", "payment.void", "payment.create"]
    assert data[0]["success"] is False and data[-1]["resource_id"] == pay["id"]
    assert data[1]["actor"]["key_id"] == await _key_id(harness, payments_key)
    assert {"before", "after", "request_id", "source_ip", "at", "hash", "prev_hash"} <= set(data[0])

    only_void = (await harness.get("/v1/admin/audit", key=auditor, action="payment.void")).json()["data"]
    assert [r["action"] for r in only_void] == ["payment.void"]
    failed = (await harness.get("/v1/admin/audit", key=auditor, success="false")).json()["data"]
    assert [r["detail"] for r in failed] == ["validation_error"]
    by_resource = (await harness.get("/v1/admin/audit", key=auditor, resource_id=pay["id"])).json()["data"]
    assert len(by_resource) == 2
    wildcard = (await harness.get("/v1/admin/audit", key=auditor, action="payment.*")).json()["data"]
    assert len(wildcard) == 3
    first = (await harness.get("/v1/admin/audit", key=auditor, limit=2)).json()
    assert first["has_more"] and len(first["data"]) == 2
    rest = (await harness.get("/v1/admin/audit", key=auditor, limit=2, cursor=first["next_cursor"])).json()
    assert [r["seq"] for r in rest["data"]] == [data[2]["seq"]] and not rest["has_more"]

    assert (await harness.get("/v1/admin/audit", key=payments_key)).status_code == 403
    assert (await harness.get("/v1/admin/audit", key=ADMIN_KEY)).status_code == 200
    assert (await harness.client.get("/v1/admin/audit")).status_code == 401

    record_id = data[0]["id"]
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in ("/v1/admin/audit", f"/v1/admin/audit/{record_id}"):
            r = await harness.client.request(method, path, headers=harness.headers(ADMIN_KEY), json={})
            assert r.status_code in (404, 405), (method, path, r.status_code)
    async with harness.hub.engine.connect() as conn:
        still = (await conn.execute(select(t.audit_log.c.id))).scalars().all()
    assert record_id in still
    assert (await harness.hub.audit.verify()).ok


async def test_settle_is_audited_once_inside_its_transaction(
    db_url: str, tmp_path: Path, audit_records: Any, payment_body: Any
) -> None:
    h = await start_harness(db_url, tmp_path, config_toml=SLOW_RESOLUTION_TOML)
    try:
        pay = await h.post("/v1/payments", payment_body(SERVER_ERROR_CARD))
        assert pay.json()["status"] == "processing", pay.text
        ops = (await h.get(f"/v1/payments/{pay.json()['id']}/operations")).json()["data"]
        op_id = ops[0]["id"]
        settle = {"outcome": "failed", "reason": "checked with the PSP: not charged"}
        done = await h.post(f"/v1/admin/operations/{op_id}/settle", settle, **{"X-Request-ID": "req-settle"})
        assert done.status_code == 200, done.text
        again = await h.post(f"/v1/admin/operations/{op_id}/settle", settle)
        assert again.status_code == 409

        rows = await audit_records(h.hub.engine, action="operation.settle")
        assert [(r["success"], r["detail"]) for r in rows] == [
            (True, "failed: checked with the PSP: not charged"),
            (False, "operation_resolved"),
        ]
        ok = rows[0]
        assert ok["resource_id"] == op_id and ok["request_id"] == "req-settle"
        assert ok["actor_key_id"] == await _key_id(h, ADMIN_KEY)
        assert ok["before"]["status"] == "unknown" and ok["after"]["status"] == "failed"
        assert (await h.hub.audit.verify()).ok
    finally:
        await h.client.aclose()
        await h.hub.stop()
