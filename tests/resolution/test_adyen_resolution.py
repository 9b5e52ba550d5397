"""Issue 13 on the Adyen fake (which refuses a key reused with another body, as Adyen does):

* gap 1: an authorization sent with a CVC is never replayed (the CVC is not kept, so the
  replay would be another body): it waits for the AUTHORISATION webhook, never ``failed``;
* gap 2: a refund whose reply was lost, replayed after the webhook grace into a connection
  refused, stays ``pending`` with its amount reserved (no second refund possible), and the
  REFUND webhook settles it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.resolution.conftest import op_by_id, set_op
from tests.webhooks_inbound.conftest import World, adyen_signed, close_world, make_world

JSON = {"content-type": "application/json"}


@pytest.fixture
async def world(db_url: str, tmp_path: Path) -> AsyncIterator[World]:
    w = await make_world(db_url, tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


async def check(world: World, op_id: str, times: int) -> dict[str, Any]:
    """Run ``times`` resolution checks now (the schedule of this world is an hour)."""
    for _ in range(times):
        await set_op(world.hub, op_id, next_check_at=None, lease_until=None)
        await world.hub.resolver.resolve_operation(op_id)
    return await op_by_id(world.hub, op_id)


async def test_an_authorization_sent_with_a_cvc_is_not_replayed(world: World) -> None:
    world.faults["adyen-eu"].timeout_after_processing(method="POST", path=r"/payments$")
    p = await world.pay("adyen-eu", payment_method=world.adyen_card())
    assert p["status"] == "processing"
    [op] = await world.operations(p["id"])
    op = await check(world, op["id"], 5)  # past the webhook grace: replay is next, and refused
    assert op["status"] == "unknown"
    assert (await world.payment(p["id"]))["status"] == "processing"
    posts = [r for r in world.faults["adyen-eu"].requests if r.method == "POST"]
    assert len(posts) == 1, posts  # the authorization was sent once, never resent without its CVC
    [auth] = world.adyen_notes("AUTHORISATION")
    r = await world.webhook("adyen-eu", adyen_signed(auth, world.adyen.world.hmac_key), JSON)
    assert r.status_code == 200
    await world.settle()
    assert (await world.payment(p["id"]))["status"] == "authorized"


async def test_a_refund_replay_that_never_arrived_proves_nothing(world: World) -> None:
    p = await world.pay("adyen-eu", capture="automatic", payment_method=world.adyen_card())
    assert p["status"] == "captured", p
    faults = world.faults["adyen-eu"]
    faults.timeout_after_processing(method="POST", path=r"/refunds$")
    faults.connect_error(method="POST", path=r"/refunds$", times=None)  # every replay: refused
    r = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 1099})
    assert r.status_code == 201, r.text
    refund = r.json()
    assert refund["status"] == "pending"
    [op] = [o for o in await world.operations(p["id"]) if o["kind"] == "refund"]
    op = await check(world, op["id"], 5)
    replays = [x for x in faults.requests if x.method == "POST" and x.path.endswith("/refunds")]
    assert len(replays) >= 2 and all(not x.forwarded for x in replays[1:])  # the replays never arrived
    assert op["status"] == "unknown", op
    [listed] = (await world.h.get(f"/v1/payments/{p['id']}/refunds")).json()["data"]
    assert listed["status"] == "pending"
    again = await world.h.post(f"/v1/payments/{p['id']}/refunds", {"amount": 1099})
    assert again.status_code in (409, 422), again.text  # the amount is still reserved
    faults.disarm()
    await world.adyen.advance(0)
    [note] = world.adyen_notes("REFUND")
    r = await world.webhook("adyen-eu", adyen_signed(note, world.adyen.world.hmac_key), JSON)
    assert r.status_code == 200
    await world.settle()
    [done] = (await world.h.get(f"/v1/payments/{p['id']}/refunds")).json()["data"]
    assert done["status"] == "succeeded"
    assert (await world.payment(p["id"]))["amount_refunded"] == 1099
