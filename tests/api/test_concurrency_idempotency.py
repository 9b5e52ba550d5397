"""Concurrent operations on one payment, and Idempotency-Key semantics (DESIGN §5)."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import func, select, update

from adapters.simulator.app import sim_state
from hub.store import tables as t
from idempotency.tables import idempotency_keys

BODY = {
    "amount": 2500,
    "currency": "EUR",
    "capture": "manual",
    "payment_method": {
        "type": "card",
        "card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2032, "cvc": "999"},
    },
}


async def test_capture_racing_void_applies_exactly_one(harness) -> None:
    for _ in range(3):
        p = (await harness.post("/v1/payments", BODY)).json()
        cap, void = await asyncio.gather(
            harness.post(f"/v1/payments/{p['id']}/capture"), harness.post(f"/v1/payments/{p['id']}/void")
        )
        codes = sorted([cap.status_code, void.status_code])
        assert codes == [200, 409], (cap.text, void.text)
        final = (await harness.get(f"/v1/payments/{p['id']}")).json()["status"]
        assert final == ("captured" if cap.status_code == 200 else "voided")
        loser = cap if cap.status_code == 409 else void
        assert loser.json()["code"] in ("invalid_state", "operation_in_progress")


async def test_fifty_concurrent_identical_requests_make_one_payment(harness) -> None:
    sim = sim_state(harness.simulator)
    before = sim.count("authorize")
    responses = await asyncio.gather(
        *[harness.post("/v1/payments", BODY, **{"Idempotency-Key": "order-42-attempt"}) for _ in range(50)]
    )
    assert sim.count("authorize") - before == 1
    ok = [r for r in responses if r.status_code == 201]
    busy = [r for r in responses if r.status_code == 409]
    assert len(ok) + len(busy) == 50 and ok
    assert all(r.json()["code"] == "idempotency_key_in_use" and r.headers.get("retry-after") for r in busy)
    assert len({r.json()["id"] for r in ok}) == 1
    async with harness.hub.engine.connect() as conn:
        assert await conn.scalar(select(func.count()).select_from(t.payments)) == 1
    # once finished, a retry replays the stored response byte for byte
    again = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "order-42-attempt"})
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    first = next(r for r in ok if "idempotent-replayed" not in r.headers)
    assert again.content == first.content
    assert sim.count("authorize") - before == 1


async def test_same_key_different_request_is_422(harness) -> None:
    r1 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-1"})
    assert r1.status_code == 201
    r2 = await harness.post("/v1/payments", {**BODY, "amount": 2600}, **{"Idempotency-Key": "k-1"})
    assert r2.status_code == 422 and r2.json()["code"] == "idempotency_key_reused"
    r3 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-1"})
    assert r3.content == r1.content and r3.headers["idempotent-replayed"] == "true"


async def test_key_order_in_body_does_not_matter(harness) -> None:
    reordered = dict(reversed(list(BODY.items())))
    r1 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-order"})
    r2 = await harness.post("/v1/payments", reordered, **{"Idempotency-Key": "k-order"})
    assert r2.status_code == 201 and r2.content == r1.content


async def test_validation_failure_stores_nothing(harness) -> None:
    bad = await harness.post("/v1/payments", {**BODY, "currency": "EURO"}, **{"Idempotency-Key": "k-fix"})
    assert bad.status_code == 422
    good = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-fix"})
    assert good.status_code == 201 and "idempotent-replayed" not in good.headers


async def test_a_used_key_with_a_request_that_fails_before_its_claim_is_still_422_reused(harness) -> None:
    """The payment create path claims the key in its write-ahead statement instead of looking it
    up first; a request that fails before reaching the claim (an unknown account) must still
    get the key's answer, as a lookup first would have given."""
    r1 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-early"})
    assert r1.status_code == 201
    other = await harness.post("/v1/payments", {**BODY, "account": "no-such-account"}, **{"Idempotency-Key": "k-early"})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused", other.text
    fresh = await harness.post("/v1/payments", {**BODY, "account": "no-such-account"}, **{"Idempotency-Key": "k-new"})
    assert fresh.status_code in (404, 422) and fresh.json()["code"] != "idempotency_key_reused", fresh.text


async def test_a_replay_fails_nothing_and_writes_nothing(harness) -> None:
    """A replayed create reaches the write-ahead statement, which finds the key taken: nothing
    of the second attempt is stored (no payment, operation, event or card row)."""
    r1 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-twice"})
    assert r1.status_code == 201

    async def counts() -> list[int]:
        async with harness.hub.engine.connect() as conn:
            return [
                int(await conn.scalar(select(func.count()).select_from(table)) or 0)
                for table in (t.payments, t.operations, t.events, t.payment_methods)
            ]

    before = await counts()
    for _ in range(3):
        again = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-twice"})
        assert again.status_code == 201 and again.content == r1.content
    assert await counts() == before


async def test_an_expired_key_is_used_again_for_a_new_payment(harness) -> None:
    r1 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-expired"})
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    async with harness.hub.engine.begin() as conn:
        await conn.execute(update(idempotency_keys).values(expires_at=past))
    r2 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-expired"})
    assert r2.status_code == 201 and "idempotent-replayed" not in r2.headers
    assert r2.json()["id"] != r1.json()["id"]
    r3 = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "k-expired"})
    assert r3.headers["idempotent-replayed"] == "true" and r3.json()["id"] == r2.json()["id"]


async def test_invalid_keys_are_400(harness) -> None:
    for key in ["", "x" * 256, "has space", "tab\tkey"]:
        r = await harness.client.post(
            "/v1/payments", json=BODY, headers={**harness.headers(), "Idempotency-Key": key}
        )
        assert r.status_code == 400 and r.json()["code"] == "invalid_idempotency_key", key


async def test_keys_are_scoped_to_the_owner(harness) -> None:
    team_a = await harness.new_key("payments", owner="team-a")
    team_b = await harness.new_key("payments", owner="team-b")
    a = await harness.post("/v1/payments", BODY, key=team_a, **{"Idempotency-Key": "shared"})
    b = await harness.post(
        "/v1/payments", {**BODY, "amount": 700}, key=team_b, **{"Idempotency-Key": "shared"}
    )
    assert a.status_code == b.status_code == 201 and a.json()["id"] != b.json()["id"]
    # and each owner sees only its own payments
    assert (await harness.get(f"/v1/payments/{a.json()['id']}", key=team_b)).status_code == 404


async def test_capture_and_refund_are_idempotent(harness) -> None:
    p = (await harness.post("/v1/payments", BODY)).json()
    c1 = await harness.post(
        f"/v1/payments/{p['id']}/capture", {"amount": 1000}, **{"Idempotency-Key": "cap-1"}
    )
    c2 = await harness.post(
        f"/v1/payments/{p['id']}/capture", {"amount": 1000}, **{"Idempotency-Key": "cap-1"}
    )
    assert c2.content == c1.content and c2.headers["idempotent-replayed"] == "true"
    assert (await harness.get(f"/v1/payments/{p['id']}")).json()["amount_captured"] == 1000
    r1 = await harness.post(
        f"/v1/payments/{p['id']}/refunds", {"amount": 300}, **{"Idempotency-Key": "ref-1"}
    )
    r2 = await harness.post(
        f"/v1/payments/{p['id']}/refunds", {"amount": 300}, **{"Idempotency-Key": "ref-1"}
    )
    assert r1.json()["id"] == r2.json()["id"]
    assert (await harness.get(f"/v1/payments/{p['id']}")).json()["amount_refunded"] == 300
    assert sim_state(harness.simulator).count("refund") == 1


async def test_interrupted_first_attempt_returns_current_state(harness) -> None:
    r = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "died"})
    pay_id = r.json()["id"]
    # make it look as if the first attempt died after the write-ahead commit: key started, lease over
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    async with harness.hub.engine.begin() as conn:
        await conn.execute(
            update(idempotency_keys).values(status="started", response_body=None, locked_until=past)
        )
        await conn.execute(update(t.payments).values(status="processing"))
    calls = sim_state(harness.simulator).count("authorize")
    again = await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "died"})
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == pay_id and again.json()["status"] == "processing"
    assert sim_state(harness.simulator).count("authorize") == calls


async def test_reaper_removes_expired_keys_but_never_running_ones(harness) -> None:
    await harness.post("/v1/payments", BODY, **{"Idempotency-Key": "old-done"})
    store = harness.hub.idempotency
    now = dt.datetime.now(dt.UTC)
    async with harness.hub.engine.begin() as conn:
        await conn.execute(update(idempotency_keys).values(expires_at=now - dt.timedelta(hours=1)))
        await conn.execute(
            idempotency_keys.insert().values(
                owner="default",
                key="old-running",
                fingerprint="x",
                status="started",
                locked_until=now + dt.timedelta(minutes=5),
                created_at=now - dt.timedelta(days=2),
                expires_at=now - dt.timedelta(days=1),
            )
        )
    assert await store.reap() == 1
    async with harness.hub.engine.connect() as conn:
        left = (await conn.execute(select(idempotency_keys.c.key))).scalars().all()
    assert left == ["old-running"]


async def test_the_periodic_reaper_job_runs_on_its_own(db_url, tmp_path) -> None:
    """`[idempotency] reap_interval`: the job runner deletes expired keys without anyone asking;
    a key whose request still runs survives, and an expired key can be used again afresh."""
    from tests.conftest import SANDBOX_TOML, start_harness

    h = await start_harness(db_url, tmp_path, config_toml=SANDBOX_TOML + "\n[idempotency]\nreap_interval = 0.2\n")
    try:
        first = await h.post("/v1/payments", BODY, **{"Idempotency-Key": "expiring"})
        now = dt.datetime.now(dt.UTC)
        async with h.hub.engine.begin() as conn:
            await conn.execute(update(idempotency_keys).values(expires_at=now - dt.timedelta(minutes=1)))
            await conn.execute(
                idempotency_keys.insert().values(
                    owner="default",
                    key="still-running",
                    fingerprint="x",
                    status="started",
                    locked_until=now + dt.timedelta(minutes=5),
                    created_at=now - dt.timedelta(days=2),
                    expires_at=now - dt.timedelta(days=1),
                )
            )
        async with asyncio.timeout(10):
            while True:
                async with h.hub.engine.connect() as conn:
                    left = (await conn.execute(select(idempotency_keys.c.key))).scalars().all()
                if left == ["still-running"]:
                    break
                await asyncio.sleep(0.1)
        again = await h.post("/v1/payments", BODY, **{"Idempotency-Key": "expiring"})
        assert again.status_code == 201 and "idempotent-replayed" not in again.headers
        assert again.json()["id"] != first.json()["id"]
    finally:
        await h.client.aclose()
        await h.hub.stop()
