"""``charge.refunded`` names its refunds: from the Charge's own ``refunds`` list when the event
carries it (no call), else from ``GET /v1/refunds``; a list that cannot be read adds nothing."""

from __future__ import annotations

import json
from collections.abc import Iterable

import httpx

from adapters.base import OperationKind, Outcome, OutcomeStatus, ProviderEvent
from adapters.stripe import refund_news


def _refund(rid: str, amount: int, **md: str) -> dict[str, object]:
    return {"id": rid, "object": "refund", "amount": amount, "currency": "eur", "status": "succeeded",
            "payment_intent": "pi_1", "charge": "ch_1", "metadata": md}  # fmt: skip


def _body(refunds: list[dict[str, object]] | None) -> bytes:
    charge: dict[str, object] = {"id": "ch_1", "object": "charge", "payment_intent": "pi_1",
                                 "amount_refunded": 300, "metadata": {"payhub_payment_id": "pay_1"}}  # fmt: skip
    if refunds is not None:
        charge["refunds"] = {"object": "list", "data": refunds, "has_more": False}
    return json.dumps({"id": "evt_1", "type": "charge.refunded", "data": {"object": charge}}).encode()


ORIGINAL = ProviderEvent(
    event_id="evt_1", type="charge.refunded", kind=OperationKind.REFUND, provider_reference="pi_1"
)


async def test_the_charge_s_own_refund_list_needs_no_call() -> None:
    async def get(path: str, query: Iterable[tuple[str, str]]) -> httpx.Response | Outcome:
        raise AssertionError("no call expected")

    body = _body([_refund("re_dash", 300), _refund("re_hub", 100, payhub_refund_id="re_01hub")])
    original, dash, hub = await refund_news.expand(body, [ORIGINAL], get)
    assert original is ORIGINAL
    assert (dash.event_id, dash.operation_reference, dash.refund_id, dash.payment_id) == (
        "evt_1:re_dash", "re_dash", None, "pay_1",
    )  # fmt: skip
    assert dash.outcome is not None and dash.outcome.status is OutcomeStatus.SUCCEEDED
    assert (dash.outcome.amount, dash.outcome.currency) == (300, "EUR")
    assert hub.refund_id == "re_01hub"


async def test_without_the_list_one_get_names_the_refunds_and_a_failed_get_adds_nothing() -> None:
    calls: list[tuple[str, list[tuple[str, str]]]] = []

    async def get(path: str, query: Iterable[tuple[str, str]]) -> httpx.Response | Outcome:
        calls.append((path, list(query)))
        return httpx.Response(
            200, json={"object": "list", "data": [_refund("re_dash", 300)], "has_more": False}
        )

    events = await refund_news.expand(_body(None), [ORIGINAL], get)
    assert [e.event_id for e in events] == ["evt_1", "evt_1:re_dash"]
    assert calls == [("/v1/refunds", [("payment_intent", "pi_1"), ("limit", "100")])]

    async def down(path: str, query: Iterable[tuple[str, str]]) -> httpx.Response | Outcome:
        return httpx.Response(500, json={"error": {"message": "down", "type": "api_error"}})

    assert await refund_news.expand(_body(None), [ORIGINAL], down) == [ORIGINAL]
