"""The provider's idempotency and consistency rules, as the fakes must honour them (so the
hub's resolution is tested against what providers really do, not a lenient stand-in):

* a key reused with other parameters is refused, and the refusal proves nothing (never a
  success or a failure of the operation) — the provider performed it once;
* a key is forgotten after the provider's ``idempotency_window``, on the provider's clock:
  the same request later executes anew (why the hub never replays past the window);
* a lookup right after the operation may not find it yet (eventually consistent search):
  "not found yet" is never a failure, and the operation is found once the provider caught up;
* (Stripe) unknown parameters are refused on every route, GETs included, and ``limit`` > 100.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from adapters.base import Capability, OperationKind, OutcomeStatus, Strategy
from contract_tests.harness import Harness, Target, describe, expect
from contract_tests.scenarios.test_ambiguity import primary

NOTHING_PROVEN = (OutcomeStatus.UNKNOWN, OutcomeStatus.PENDING, OutcomeStatus.RETRY)


def _other_amount(request: Any) -> Any:
    return msgspec.structs.replace(request, amount=request.amount + 100)


async def test_key_reused_with_other_parameters_is_refused(h: Harness, target: Target) -> None:
    fake = h.require_fake("counts what the provider performed")
    op = primary(h)
    first = await op.call()
    expect(first, (OutcomeStatus.SUCCEEDED, OutcomeStatus.PENDING), f"first {op.kind.value}")
    other = _other_amount(op.request)
    call = h.adapter.authorize if op.kind is OperationKind.AUTHORIZE else h.adapter.payout
    refused = await call(other)
    assert refused.status in NOTHING_PROVEN, (
        f"the same key with another amount must be refused and prove nothing: {describe(refused)}"
    )
    assert fake.count(op.kind) == 1, f"the provider performed the {op.kind.value} {fake.count(op.kind)} times"


async def test_keys_are_pruned_after_the_window_on_the_provider_clock(h: Harness, target: Target) -> None:
    fake = h.require_fake("moves the provider's clock")
    window = h.caps.idempotency_window
    if window is None:
        pytest.skip(f"{target.adapter} declares no idempotency window (keys are not pruned)")
    op = primary(h)
    await op.call()
    await fake.advance(window / 2)
    await op.call()
    assert fake.count(op.kind) == 1, "a key inside the window must answer the saved result"
    await fake.advance(window / 2 + 60)
    await op.call()
    assert fake.count(op.kind) == 2, (
        "past the window the provider forgets the key and executes the request anew; "
        "the fake must too, or the hub's no-replay-after-the-window rule is never tested"
    )


async def test_not_found_yet_is_not_a_failure(h: Harness, target: Target) -> None:
    fake = h.require_fake("lets provider time pass")
    h.require(Capability.LOOKUP)
    op = primary(h)
    if Strategy.LOOKUP not in h.strategies(op.kind):
        pytest.skip(f"{target.adapter} does not look up {op.kind.value}")
    await op.call()
    early = await h.lookup(op.kind, op.request, None)  # by the hub's reference only
    assert early.status is not OutcomeStatus.FAILED, f"not found yet is not a failure: {describe(early)}"
    await fake.advance(120)
    late = await h.lookup(op.kind, op.request, None)
    if late.summary.get("needs") == Strategy.REPLAY.value:
        pytest.skip(f"{target.adapter} cannot look up by the hub's reference (it resolves by replay)")
    expect(late, (OutcomeStatus.SUCCEEDED, OutcomeStatus.PENDING), "the lookup once the provider caught up")


def _stripe(h: Harness, target: Target) -> Any:
    fake = h.require_fake("probes the Stripe fake's HTTP rules")
    if target.adapter != "stripe":
        pytest.skip("Stripe's parameter rules")
    return fake


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/v1/payment_intents/search", {"query": "metadata['a']:'b'", "bogus": "1"}),
        ("/v1/refunds", {"payment_intent": "pi_x", "colour": "red"}),
        ("/v1/payouts", {"created[after]": "1"}),
        ("/v1/events", {"limit": "5", "nope": "x"}),
        ("/v1/balance_transactions", {"created[gte]": "1", "order": "asc"}),
        ("/v1/payment_intents/pi_unknown", {"foo": "bar"}),
    ],
)
async def test_stripe_refuses_unknown_parameters_on_every_route(
    h: Harness, target: Target, path: str, params: dict[str, str]
) -> None:
    fake = _stripe(h, target)
    r = await h.client.get(path, params=params, headers={"Authorization": f"Bearer {fake.world.secret_key}"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "parameter_unknown"


@pytest.mark.parametrize(
    "path", ["/v1/refunds", "/v1/payouts", "/v1/events", "/v1/payment_intents/search", "/v1/balance_transactions"]
)
async def test_stripe_refuses_limit_over_100(h: Harness, target: Target, path: str) -> None:
    fake = _stripe(h, target)
    params = {"limit": "101", **({"query": "metadata['a']:'b'"} if "search" in path else {})}
    r = await h.client.get(path, params=params, headers={"Authorization": f"Bearer {fake.world.secret_key}"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["param"] == "limit"


async def test_stripe_takes_no_raw_card_in_a_payment_intent(h: Harness, target: Target) -> None:
    fake = _stripe(h, target)
    form = {
        "amount": "1000", "currency": "eur", "confirm": "true",
        "payment_method_data[type]": "card", "payment_method_data[card][number]": "4242424242424242",
    }  # fmt: skip
    r = await h.client.post(
        "/v1/payment_intents", data=form, headers={"Authorization": f"Bearer {fake.world.secret_key}"}
    )
    assert r.status_code == 400 and r.json()["error"]["code"] == "parameter_unknown", r.text
