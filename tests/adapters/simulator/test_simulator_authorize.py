"""Authorize / authenticate through the adapter against the in-process simulator."""

from __future__ import annotations

import asyncio
import re
from urllib.parse import parse_qsl, urljoin, urlsplit

import httpx
import msgspec
import pytest

from adapters.base import (
    DeclineCode,
    FailureCode,
    InvalidRequest,
    OperationKind,
    OutcomeStatus,
    PaymentMethod,
    ThreeDS,
)
from adapters.simulator import SimulatorAdapter
from adapters.simulator.app import SimulatorState
from adapters.simulator.testing import Build

DECLINES = [
    ("4000000000000002", DeclineCode.DO_NOT_HONOR, "do_not_honor"),
    ("4000000000009995", DeclineCode.INSUFFICIENT_FUNDS, "insufficient_funds"),
    ("4000000000000069", DeclineCode.EXPIRED_CARD, "expired_card"),
    ("4000000000000127", DeclineCode.INCORRECT_CVC, "incorrect_cvc"),
    ("4000000000009987", DeclineCode.LOST_OR_STOLEN, "lost_card"),
    ("4100000000000019", DeclineCode.FRAUD_SUSPECTED, "fraudulent"),
    ("4000000000000119", DeclineCode.PROCESSING_ERROR, "processing_error"),
]


async def test_approve_authorizes_without_capture(
    adapter: SimulatorAdapter, build: Build, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    req = build.authorize(amount=1099)
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.captured is False
    assert out.amount == 1099
    assert out.provider_reference and out.provider_reference.startswith("ch_sim_")
    charge = (await client.get(f"/v1/charges/{out.provider_reference}", headers=auth_headers)).json()
    assert charge["status"] == "authorized"
    assert charge["reference"] == req.payment_id  # the hub's id travels as reference
    assert charge["metadata"]["merchant_reference"] == "order-1001"


async def test_purchase_captures_at_once(adapter: SimulatorAdapter, build: Build) -> None:
    out = await adapter.authorize(build.authorize(amount=500, capture=True))
    assert out.status is OutcomeStatus.SUCCEEDED
    assert out.captured is True
    assert out.amount == 500


async def test_any_other_luhn_valid_card_approves(adapter: SimulatorAdapter, build: Build) -> None:
    out = await adapter.authorize(build.authorize("5555555555554444"))
    assert out.status is OutcomeStatus.SUCCEEDED


@pytest.mark.parametrize(("number", "unified", "provider_code"), DECLINES)
async def test_each_decline_card(
    adapter: SimulatorAdapter,
    build: Build,
    sim: SimulatorState,
    number: str,
    unified: DeclineCode,
    provider_code: str,
) -> None:
    out = await adapter.authorize(build.authorize(number))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.code == FailureCode.CARD_DECLINED
    assert out.failure.decline_code == unified
    assert out.failure.provider_code == provider_code
    assert out.failure.message
    assert out.provider_reference and out.provider_reference.startswith("ch_sim_")  # declined charge recorded
    assert sim.charges[out.provider_reference].out.status == "declined"


async def test_non_luhn_number_is_incorrect_number_and_records_nothing(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    out = await adapter.authorize(build.authorize("4242424242424241"))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None
    assert out.failure.decline_code == DeclineCode.INCORRECT_NUMBER
    assert out.failure.provider_code == "invalid_number"
    assert sim.charges == {}


async def test_provider_token_approves(adapter: SimulatorAdapter, build: Build) -> None:
    pm = PaymentMethod(type="provider_token", token="tok_4242424242424242")
    out = await adapter.authorize(build.authorize(payment_method=pm))
    assert out.status is OutcomeStatus.SUCCEEDED
    declined = await adapter.authorize(
        build.authorize(payment_method=PaymentMethod(type="provider_token", token="tok_4000000000009995"))
    )
    assert declined.failure is not None and declined.failure.decline_code == DeclineCode.INSUFFICIENT_FUNDS


async def test_token_created_through_api(
    adapter: SimulatorAdapter, build: Build, client: httpx.AsyncClient, auth_headers: dict[str, str]
) -> None:
    r = await client.post(
        "/v1/tokens",
        headers=auth_headers,
        json={"card": {"number": "4242424242424242", "exp_month": 1, "exp_year": 2031}},
    )
    assert r.status_code == 200
    token = r.json()["id"]
    out = await adapter.authorize(
        build.authorize(payment_method=PaymentMethod(type="provider_token", token=token))
    )
    assert out.status is OutcomeStatus.SUCCEEDED


async def test_card_method_without_card_is_rejected_before_sending(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    with pytest.raises(InvalidRequest):
        await adapter.authorize(build.authorize(payment_method=PaymentMethod(type="card", token="pm_x")))
    assert sim.requests == 0


async def test_invalid_parameters_are_failed_invalid_request(adapter: SimulatorAdapter, build: Build) -> None:
    out = await adapter.authorize(build.authorize(currency="eur"))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.INVALID_REQUEST


# --------------------------------------------------------------------------- 3DS


async def _browser(client: httpx.AsyncClient, url: str, button: str) -> dict[str, str]:
    """Act as the shopper: load the challenge page, submit the chosen form, follow to return_url."""
    page = await client.get(url)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    forms = re.findall(
        r"<form method='post' action='([^']+)'><input type='hidden' name='result' value='(\w+)'>", page.text
    )
    assert {v for _, v in forms} == {"success", "failure"}
    action = next(a for a, v in forms if v == button)
    submitted = await client.post(urljoin(url, action), data={"result": button})  # as a browser resolves it
    assert submitted.status_code == 303
    location = submitted.headers["location"]
    assert location.startswith("https://shop.example/return?")
    return dict(parse_qsl(urlsplit(location).query))


async def test_three_ds_challenge_then_success(
    adapter: SimulatorAdapter, build: Build, client: httpx.AsyncClient, sim: SimulatorState
) -> None:
    req = build.authorize(
        "4000000000003220", three_ds=ThreeDS(return_url="https://shop.example/return?order=1001")
    )
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.REQUIRES_ACTION
    assert out.next_action is not None and out.next_action.type == "redirect"
    assert out.next_action.url == f"http://sim/3ds/{out.provider_reference}"

    # before the shopper acts, authenticate changes nothing
    early = await adapter.authenticate(build.authenticate(req, out.provider_reference, {}))
    assert early.status is OutcomeStatus.REQUIRES_ACTION

    params = await _browser(client, out.next_action.url, "success")
    assert params == {"order": "1001", "sim_charge": out.provider_reference, "sim_result": "success"}

    done = await adapter.authenticate(build.authenticate(req, None, params))
    assert done.status is OutcomeStatus.SUCCEEDED
    assert done.provider_reference == out.provider_reference
    assert done.captured is False
    assert sim.count("authenticate") == 1
    assert sim.count("authorize") == 1


async def test_three_ds_challenge_with_capture(
    adapter: SimulatorAdapter, build: Build, client: httpx.AsyncClient
) -> None:
    req = build.authorize(
        "4000000000003220", capture=True, three_ds=ThreeDS(return_url="https://shop.example/r")
    )
    out = await adapter.authorize(req)
    assert out.next_action is not None and out.next_action.url
    page = await client.post(out.next_action.url, data={"result": "success"})
    params = dict(parse_qsl(urlsplit(page.headers["location"]).query))
    done = await adapter.authenticate(build.authenticate(req, out.provider_reference, params, capture=True))
    assert done.status is OutcomeStatus.SUCCEEDED and done.captured is True and done.amount == req.amount


async def test_three_ds_challenge_failed(
    adapter: SimulatorAdapter, build: Build, client: httpx.AsyncClient
) -> None:
    req = build.authorize(
        "4000000000003220", three_ds=ThreeDS(return_url="https://shop.example/return?order=1001")
    )
    out = await adapter.authorize(req)
    assert out.next_action is not None and out.next_action.url
    params = await _browser(client, out.next_action.url, "failure")
    assert params["sim_result"] == "failure"
    done = await adapter.authenticate(build.authenticate(req, out.provider_reference, params))
    assert done.status is OutcomeStatus.FAILED
    assert done.failure is not None
    assert done.failure.code == FailureCode.AUTHENTICATION_FAILED
    assert done.failure.decline_code == DeclineCode.AUTHENTICATION_REQUIRED
    assert done.failure.provider_code == "authentication_failed"


async def test_forged_browser_params_do_not_authenticate(adapter: SimulatorAdapter, build: Build) -> None:
    """sim_result comes from the browser; the simulator's own record decides."""
    req = build.authorize("4000000000003220", three_ds=ThreeDS(return_url="https://shop.example/r"))
    out = await adapter.authorize(req)
    forged = {"sim_charge": out.provider_reference or "", "sim_result": "success"}
    done = await adapter.authenticate(build.authenticate(req, out.provider_reference, forged))
    assert done.status is OutcomeStatus.REQUIRES_ACTION


async def test_three_ds_always_challenges_any_card_and_never_declines_3ds_card(
    adapter: SimulatorAdapter, build: Build
) -> None:
    always = await adapter.authorize(
        build.authorize(three_ds=ThreeDS(mode="always", return_url="https://s/r"))
    )
    assert always.status is OutcomeStatus.REQUIRES_ACTION
    never = await adapter.authorize(build.authorize("4000000000003220", three_ds=ThreeDS(mode="never")))
    assert never.status is OutcomeStatus.FAILED
    assert never.failure is not None and never.failure.decline_code == DeclineCode.AUTHENTICATION_REQUIRED


async def test_three_ds_card_without_return_url_is_invalid(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    out = await adapter.authorize(build.authorize("4000000000003220"))
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.INVALID_REQUEST
    assert sim.charges == {}


# --------------------------------------------------------------------------- idempotency


async def test_same_key_twice_is_one_charge(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize()
    first = await adapter.authorize(req)
    second = await adapter.authorize(req)
    assert first.status is second.status is OutcomeStatus.SUCCEEDED
    assert first.provider_reference == second.provider_reference
    assert sim.count("authorize") == 1
    assert sim.replays == 1
    assert sim.requests == 2


async def test_same_key_different_parameters_is_400_and_unknown(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize(amount=1000)
    await adapter.authorize(req)
    changed = msgspec.structs.replace(req, amount=2000)
    out = await adapter.authorize(changed)
    assert out.status is OutcomeStatus.UNKNOWN  # this request did nothing, but the key's first use did
    assert out.summary["http_status"] == 400
    assert out.summary["provider_code"] == "idempotency_key_reused"
    assert sim.count("authorize") == 1


# --------------------------------------------------------------------------- ambiguity


async def test_500_card_is_unknown_then_lookup_proves_failed(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize("4000000000000341")
    out = await adapter.authorize(req)
    assert out.status is OutcomeStatus.UNKNOWN
    assert out.summary["http_status"] == 500
    assert sim.count("authorize") == 0 and sim.charges == {}

    looked = await adapter.lookup(build.lookup(req, OperationKind.AUTHORIZE))
    assert looked.status is OutcomeStatus.FAILED
    assert looked.failure is not None
    assert looked.failure.code == FailureCode.PROVIDER_ERROR
    assert "no record at provider" in looked.failure.message


async def test_hang_card_times_out_but_charged_lookup_by_reference_succeeds(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize("4000000000000259")
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.05):
            await adapter.authorize(req)
    assert sim.count("authorize") == 1  # the charge exists although no answer came back

    looked = await adapter.lookup(build.lookup(req, OperationKind.AUTHORIZE))  # no provider reference known
    assert looked.status is OutcomeStatus.SUCCEEDED
    assert looked.captured is False
    charge_id = next(iter(sim.charges))
    assert looked.provider_reference == charge_id
    assert looked.summary["lookup"] == "reference"

    # resending with the same key replays the saved answer: still one charge
    again = await adapter.authorize(req)
    assert again.status is OutcomeStatus.SUCCEEDED and again.provider_reference == charge_id
    assert sim.count("authorize") == 1


async def test_hang_card_answers_after_hang_seconds(adapter: SimulatorAdapter, build: Build) -> None:
    out = await adapter.authorize(build.authorize("4000000000000259"))  # hang_seconds=0.3 in the fixture
    assert out.status is OutcomeStatus.SUCCEEDED


async def test_same_key_while_first_in_flight_is_409_unknown(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize("4000000000000259")
    first = asyncio.create_task(adapter.authorize(req))
    await asyncio.sleep(0.05)
    second = await adapter.authorize(req)
    assert second.status is OutcomeStatus.UNKNOWN
    assert second.summary == {"http_status": 409, "provider_code": "idempotency_key_in_use"}
    assert (await first).status is OutcomeStatus.SUCCEEDED
    assert sim.count("authorize") == 1


async def test_lookup_authorize_by_provider_reference(adapter: SimulatorAdapter, build: Build) -> None:
    req = build.authorize("4000000000009995")
    out = await adapter.authorize(req)
    looked = await adapter.lookup(
        build.lookup(req, OperationKind.AUTHORIZE, provider_reference=out.provider_reference)
    )
    assert looked.status is OutcomeStatus.FAILED
    assert looked.failure is not None and looked.failure.decline_code == DeclineCode.INSUFFICIENT_FUNDS


async def test_lookup_of_request_that_never_arrived_seals_the_key(
    adapter: SimulatorAdapter, build: Build, sim: SimulatorState
) -> None:
    req = build.authorize()
    looked = await adapter.lookup(build.lookup(req, OperationKind.AUTHORIZE))
    assert looked.status is OutcomeStatus.FAILED
    assert looked.failure is not None and looked.failure.code == FailureCode.PROVIDER_ERROR
    # the late request is refused and charges nothing
    late = await adapter.authorize(req)
    assert late.status is OutcomeStatus.FAILED
    assert late.failure is not None and late.failure.provider_code == "idempotency_key_sealed"
    assert sim.count("authorize") == 0


async def test_lookup_by_reference_finds_a_charge_awaiting_3ds(
    adapter: SimulatorAdapter, build: Build
) -> None:
    req = build.authorize("4000000000003220", three_ds=ThreeDS(return_url="https://s/r"))
    out = await adapter.authorize(req)
    looked = await adapter.lookup(build.lookup(req, OperationKind.AUTHORIZE))
    assert looked.status is OutcomeStatus.REQUIRES_ACTION
    assert looked.provider_reference == out.provider_reference
