from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest

from adapters.base import OutcomeStatus
from adapters.classify import classify_exception
from contract_tests.faults import Fault, FaultTransport


class App:
    """A minimal ASGI app that counts what it processed."""

    def __init__(self) -> None:
        self.processed: list[tuple[str, str]] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        while True:
            msg = await receive()
            if not msg.get("more_body"):
                break
        self.processed.append((scope["method"], scope["path"]))
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"ok":true}'})


World = tuple[App, FaultTransport, httpx.AsyncClient]


@pytest.fixture
def world() -> World:
    app = App()
    ft = FaultTransport(httpx.ASGITransport(app=app))
    return app, ft, httpx.AsyncClient(transport=ft, base_url="https://psp.test")


async def test_no_fault_passes_through(world: World) -> None:
    app, ft, client = world
    r = await client.post("/v1/charges", json={"a": 1})
    assert r.status_code == 200 and r.json() == {"ok": True}
    assert app.processed == [("POST", "/v1/charges")]
    assert ft.count() == 1 and ft.count("POST", "/v1/charges") == 1 and ft.count("GET") == 0


async def test_timeout_after_processing(world: World) -> None:
    app, ft, client = world
    ft.arm(Fault.TIMEOUT_AFTER_PROCESSING)
    with pytest.raises(httpx.ReadTimeout) as info:
        await client.post("/v1/charges")
    assert app.processed == [("POST", "/v1/charges")]  # the provider did it
    assert classify_exception(info.value).status is OutcomeStatus.UNKNOWN
    assert ft.requests[0].fault is Fault.TIMEOUT_AFTER_PROCESSING and ft.requests[0].forwarded
    # one-shot: the next request goes through
    assert (await client.post("/v1/charges")).status_code == 200


async def test_drop_after_processing(world: World) -> None:
    app, ft, client = world
    ft.drop_after_processing()
    with pytest.raises(httpx.RemoteProtocolError) as info:
        await client.post("/v1/charges")
    assert len(app.processed) == 1
    assert classify_exception(info.value).status is OutcomeStatus.UNKNOWN


async def test_connect_error_does_not_forward(world: World) -> None:
    app, ft, client = world
    ft.connect_error()
    with pytest.raises(httpx.ConnectError) as info:
        await client.post("/v1/charges")
    assert app.processed == []
    assert classify_exception(info.value).status is OutcomeStatus.RETRY
    assert ft.count(forwarded_only=True) == 0 and ft.count() == 1


async def test_server_error_does_not_forward(world: World) -> None:
    app, ft, client = world
    ft.server_error()
    r = await client.post("/v1/charges")
    assert r.status_code == 500
    assert app.processed == []


async def test_persistent_and_filters(world: World) -> None:
    _, ft, client = world
    armed = ft.arm(Fault.SERVER_ERROR, method="POST", path=r"^/v1/charges$", times=None)
    for _ in range(3):
        assert (await client.post("/v1/charges")).status_code == 500
    assert (await client.get("/v1/charges")).status_code == 200  # method filter
    assert (await client.post("/v1/refunds")).status_code == 200  # path filter
    assert armed.fired == 3 and not armed.exhausted
    ft.disarm(armed)
    assert (await client.post("/v1/charges")).status_code == 200
    assert ft.counts()[("POST", "/v1/charges")] == 4


async def test_skip_and_times(world: World) -> None:
    _, ft, client = world
    ft.arm(Fault.SERVER_ERROR, skip=2, times=2)
    codes = [(await client.get(f"/x/{i}")).status_code for i in range(6)]
    assert codes == [200, 200, 500, 500, 200, 200]
    assert ft.armed == []


async def test_predicate(world: World) -> None:
    _, ft, client = world
    ft.arm(Fault.CONNECT_ERROR, match=lambda r: r.headers.get("idempotency-key") == "k1")
    assert (await client.post("/a", headers={"idempotency-key": "k0"})).status_code == 200
    with pytest.raises(httpx.ConnectError):
        await client.post("/a", headers={"idempotency-key": "k1"})


def test_arm_validation() -> None:
    ft = FaultTransport(httpx.MockTransport(lambda r: httpx.Response(200)))
    with pytest.raises(ValueError):
        ft.arm(Fault.SERVER_ERROR, times=0)
    with pytest.raises(ValueError):
        ft.arm("no_such_fault")
