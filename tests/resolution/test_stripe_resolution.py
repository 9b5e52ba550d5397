"""Issue 13, gaps 1 and 2, on a Stripe fake as strict as Stripe (keys refused when reused with
other parameters, pruned after 24 h, Search lagging), through the hub as ``payhub serve``
wires it: an authorization whose reply was lost is ``authorized`` with exactly one charge,
and is never ``failed`` on the way, whatever the replay path answers meanwhile."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from adapters.base import OperationKind
from contract_tests.faults import Fault
from tests.resolution.conftest import op_by_id, op_of, set_op
from tests.resolution.stripe_hub import StripeHub, card_payment, stripe_hub, watch

PI_CREATE = r"^/v1/payment_intents$"


@pytest.fixture
async def sh(db_url: str, tmp_path: Path) -> AsyncIterator[StripeHub]:
    s = await stripe_hub(db_url, tmp_path)
    try:
        yield s
    finally:
        await s.close()


async def test_lost_reply_is_authorized_with_one_charge_through_unreachable_429_and_503(sh: StripeHub) -> None:
    sh.faults.timeout_after_processing(method="POST", path=PI_CREATE)
    sh.faults.connect_error(method="POST", path=PI_CREATE, times=2)
    sh.faults.arm(Fault.RATE_LIMITED, method="POST", path=PI_CREATE, times=2)
    sh.faults.arm(Fault.UNAVAILABLE, method="POST", path=PI_CREATE, times=2)
    started = time.monotonic()
    r = await sh.h.post("/v1/payments", card_payment())
    assert r.status_code == 201, r.text
    p = r.json()
    assert p["status"] == "processing"
    seen = await watch(sh, p["id"], "authorized", timeout=40)
    assert seen[-1] == "authorized" and "failed" not in seen, seen
    assert time.monotonic() - started < 40
    assert sh.fake.count(OperationKind.AUTHORIZE) == 1
    assert len(sh.fake.world.payment_intents) == 1
    # every replay went out after the faults: none of them was taken for proof
    replays = [x for x in sh.faults.requests if x.method == "POST" and x.path == "/v1/payment_intents"]
    assert [x.fault for x in replays[:7]] == [
        Fault.TIMEOUT_AFTER_PROCESSING, Fault.CONNECT_ERROR, Fault.CONNECT_ERROR,
        Fault.RATE_LIMITED, Fault.RATE_LIMITED, Fault.UNAVAILABLE, Fault.UNAVAILABLE,
    ]  # fmt: skip
    op = await op_of(sh.hub, p["id"])
    assert op["status"] == "succeeded"


async def test_the_replay_is_the_same_request_and_carries_no_card(sh: StripeHub) -> None:
    """Gap 1: the card became a PaymentMethod (its own key) before the PaymentIntent; the
    replay resends the identical PaymentIntent, which Stripe answers from the saved result."""
    seen_bodies: list[bytes] = []
    sh.faults.timeout_after_processing(
        method="POST", path=PI_CREATE, match=lambda rq: seen_bodies.append(rq.content) is None
    )
    sh.faults.arm(Fault.RATE_LIMITED, method="POST", path=PI_CREATE, times=50,
                  match=lambda rq: seen_bodies.append(rq.content) is None)  # fmt: skip
    p = (await sh.h.post("/v1/payments", card_payment())).json()
    op = await op_of(sh.hub, p["id"])
    pm_posts = [m for m, path, _ in sh.fake.requests if m == "POST" and path == "/v1/payment_methods"]
    assert len(pm_posts) == 1
    keys = [hd.get("idempotency-key") for m, path, hd in sh.fake.requests if m == "POST"]
    assert keys == [f"{op['provider_idempotency_key']}-pm", op["provider_idempotency_key"]]
    assert op["request"]["provider_payment_method"].startswith("pm_")
    def values(x: object) -> list[object]:
        if isinstance(x, dict):
            return [v for k, val in x.items() for v in [k, *values(val)]]
        if isinstance(x, list):
            return [v for item in x for v in values(item)]
        return [x]

    kept = values(op["request"])  # no CVC kept: neither a cvc field nor its value (ids may hold "123")
    assert "cvc" not in kept and "123" not in kept and 123 not in kept
    sh.faults.disarm()
    await watch(sh, p["id"], "authorized", timeout=20)
    assert len(set(seen_bodies)) == 1  # the replays were byte for byte the first request
    form = dict(parse_qsl(seen_bodies[0].decode()))
    assert form["payment_method"] == op["request"]["provider_payment_method"]
    assert not [k for k in form if k.startswith(("payment_method_data", "card"))]
    assert form["metadata[payhub_payment_id]"] == p["id"] and form["metadata[payhub_operation_id]"] == op["id"]
    assert sh.fake.count(OperationKind.AUTHORIZE) == 1


async def test_a_refused_replay_hands_over_to_lookup(db_url: str, tmp_path: Path) -> None:
    """Gap 2: a replay refused as "same key, other parameters" (400 idempotency_error) proves
    nothing: the same check goes on to lookup, which finds the intent once Search catches up."""
    sh = await stripe_hub(db_url, tmp_path, search_lag=1.0)
    try:
        sh.faults.timeout_after_processing(method="POST", path=PI_CREATE)
        p = (await sh.h.post("/v1/payments", card_payment())).json()
        op = await op_of(sh.hub, p["id"])
        # a request that can no longer be rebuilt identically (as before the fix: no CVC)
        await set_op(sh.hub, op["id"], request={**op["request"], "description": "changed"})
        seen = await watch(sh, p["id"], "authorized", timeout=20)
        assert "failed" not in seen
        attempts = (await sh.h.get(f"/v1/admin/operations/{op['id']}")).json()["attempts"]
        assert any("different parameters" in str(a.get("detail")) for a in attempts), attempts
        assert ("lookup", "succeeded") in [(a["action"], a["outcome"]) for a in attempts]
        assert sh.fake.count(OperationKind.AUTHORIZE) == 1 and len(sh.fake.world.payment_intents) == 1
    finally:
        await sh.close()


async def test_no_replay_after_the_idempotency_window(sh: StripeHub) -> None:
    """After Stripe pruned the key a replay would create a second PaymentIntent (a second
    charge): past the window the resolver looks up instead."""
    sh.faults.timeout_after_processing(method="POST", path=PI_CREATE)
    sh.hub.payments.on_unknown = None  # resolve by hand below
    p = (await sh.h.post("/v1/payments", card_payment())).json()
    op = await op_of(sh.hub, p["id"])
    await sh.fake.advance(25 * 3600)  # Stripe's clock: the key is pruned, Search caught up
    old = dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
    await set_op(sh.hub, op["id"], created_at=old, next_check_at=None)
    await sh.hub.resolver.resolve_operation(op["id"])
    done = (await sh.h.get(f"/v1/payments/{p['id']}")).json()
    assert done["status"] == "authorized"
    assert len(sh.fake.world.payment_intents) == 1 and sh.fake.count(OperationKind.AUTHORIZE) == 1
    assert (await op_by_id(sh.hub, op["id"]))["status"] == "succeeded"
    assert not [x for x in sh.faults.requests[2:] if x.method == "POST"]  # nothing resent
