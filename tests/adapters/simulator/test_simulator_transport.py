"""Classification of transport faults and odd replies (respx), independent of the simulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx

from adapters.base import Account, FailureCode, OperationKind, OutcomeStatus
from adapters.simulator import SimulatorAdapter
from adapters.simulator.testing import Build

BASE = "https://sim.invalid"


@pytest.fixture
def mocked() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
async def remote_adapter(mocked: respx.MockRouter) -> AsyncIterator[SimulatorAdapter]:
    async with httpx.AsyncClient(base_url=BASE) as client:
        yield SimulatorAdapter(Account(id="a", adapter="simulator", base_url=BASE), client)


async def test_connect_error_is_retry(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").mock(side_effect=httpx.ConnectError("refused"))
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.RETRY


async def test_read_timeout_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").mock(side_effect=httpx.ReadTimeout("slow"))
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_dropped_connection_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").mock(side_effect=httpx.RemoteProtocolError("peer closed"))
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_503_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").respond(503, text="unavailable")
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_429_is_retry_with_retry_after(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").respond(429, headers={"Retry-After": "3"})
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.RETRY and out.retry_after == 3.0


@pytest.mark.parametrize("body", [b"<html>ok</html>", b'{"object":"charge"}', b""])
async def test_2xx_garbage_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build, body: bytes
) -> None:
    mocked.post("/v1/charges").respond(200, content=body)
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_2xx_unknown_charge_status_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").respond(
        200,
        json={
            "object": "charge",
            "id": "ch_1",
            "status": "mystery",
            "amount": 1,
            "currency": "EUR",
            "created": 0,
        },
    )
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.UNKNOWN


async def test_401_is_provider_configuration(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.post("/v1/charges").respond(401, json={"error": {"type": "authentication_error", "code": "x"}})
    out = await remote_adapter.authorize(build.authorize())
    assert out.status is OutcomeStatus.FAILED
    assert out.failure is not None and out.failure.code == FailureCode.PROVIDER_CONFIGURATION


async def test_capture_timeout_is_unknown_and_sends_the_key(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    route = mocked.post("/v1/charges/ch_1/capture").mock(side_effect=httpx.ReadTimeout("slow"))
    auth = build.authorize()
    req = build.capture(auth, "ch_1", 100)
    out = await remote_adapter.capture(req)
    assert out.status is OutcomeStatus.UNKNOWN
    assert route.calls.last.request.headers["idempotency-key"] == req.idempotency_key


async def test_lookup_that_cannot_connect_is_unknown_not_retry(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.get("/v1/charges").mock(side_effect=httpx.ConnectError("refused"))
    auth = build.authorize()
    out = await remote_adapter.lookup(build.lookup(auth, OperationKind.AUTHORIZE))
    assert out.status is OutcomeStatus.UNKNOWN


async def test_lookup_5xx_is_unknown(
    mocked: respx.MockRouter, remote_adapter: SimulatorAdapter, build: Build
) -> None:
    mocked.get("/v1/charges/ch_1").respond(502)
    auth = build.authorize()
    out = await remote_adapter.lookup(build.lookup(auth, OperationKind.AUTHORIZE, provider_reference="ch_1"))
    assert out.status is OutcomeStatus.UNKNOWN
