"""Outbound delivery: signed per Standard Webhooks, classified, never raising on network trouble."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import respx
from standardwebhooks.webhooks import Webhook

from webhooks import outbound, standard

URL = "https://merchant.example/hooks/payhub"
EVENT_ID = "evt_01HXYZ"
PAYLOAD = json.dumps(
    {"id": EVENT_ID, "type": "payment.captured", "data": {"object": {"id": "pay_1", "amount": 1099}}}
).encode()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


@pytest.fixture
def secret() -> str:
    return standard.generate_secret()


# ------------------------------------------------------------------ signed request


async def test_delivery_is_verifiable_by_the_standard_webhooks_library(
    client: httpx.AsyncClient, secret: str
) -> None:
    with respx.mock(assert_all_called=True) as mock:
        route = mock.post(URL).respond(200, json={"ok": True})
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret)
    assert result.outcome == "delivered"
    assert result.ok
    assert result.status_code == 200
    assert result.error is None
    assert result.duration_ms >= 0
    request = route.calls.last.request
    assert request.content == PAYLOAD
    assert request.headers["webhook-id"] == EVENT_ID
    assert request.headers["content-type"] == "application/json"
    assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 5
    assert Webhook(secret).verify(request.content, dict(request.headers)) == json.loads(PAYLOAD)


async def test_rotation_delivery_verifies_with_old_and_new_secret(client: httpx.AsyncClient) -> None:
    old, new = standard.generate_secret(), standard.generate_secret()
    with respx.mock() as mock:
        route = mock.post(URL).respond(204)
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, [old, new])
    assert result.outcome == "delivered"
    request = route.calls.last.request
    Webhook(old).verify(request.content, dict(request.headers))
    Webhook(new).verify(request.content, dict(request.headers))


def test_build_request_is_signed_and_bounded(secret: str) -> None:
    request = outbound.build_request(URL, EVENT_ID, PAYLOAD, secret, timestamp=1_700_000_000, timeout=3.0)
    assert request.method == "POST"
    assert request.headers["webhook-timestamp"] == "1700000000"
    assert request.extensions["timeout"]["read"] == 3.0
    assert standard.verify(request.headers, PAYLOAD, [secret], now=1_700_000_000) == EVENT_ID


async def test_delivery_to_a_real_local_endpoint(client: httpx.AsyncClient, secret: str) -> None:
    received: list[tuple[dict[str, str], bytes]] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode().split("\r\n")[1:]
        headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines if ln)}
        body = await reader.readexactly(int(headers["content-length"]))
        received.append((headers, body))
        writer.write(b"HTTP/1.1 202 Accepted\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        result = await outbound.deliver(client, f"http://127.0.0.1:{port}/hook", EVENT_ID, PAYLOAD, secret)
    assert result.outcome == "delivered"
    assert result.status_code == 202
    assert result.response_body == "ok"
    headers, body = received[0]
    assert body == PAYLOAD
    Webhook(secret).verify(body, headers)


# ------------------------------------------------------------------ outcomes


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "delivered"),
        (201, "delivered"),
        (299, "delivered"),
        (410, "disable"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (429, "retry"),
        (400, "retry"),
        (404, "retry"),
        (301, "retry"),
    ],
)
async def test_status_codes_decide_the_outcome(
    client: httpx.AsyncClient, secret: str, status: int, outcome: str
) -> None:
    with respx.mock() as mock:
        mock.post(URL).respond(status, headers={"location": "https://elsewhere.example/"}, text="nope")
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret)
    assert result.outcome == outcome
    assert result.status_code == status
    if outcome != "delivered":
        assert result.error == f"HTTP {status}"
        assert result.response_body == "nope"


async def test_410_gone_disables_the_endpoint(client: httpx.AsyncClient, secret: str) -> None:
    with respx.mock() as mock:
        mock.post(URL).respond(410)
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret, attempt=1)
    assert result.outcome == "disable"
    assert result.next_delay is None


async def test_redirects_are_not_followed(client: httpx.AsyncClient, secret: str) -> None:
    with respx.mock(assert_all_called=False) as mock:
        mock.post(URL).respond(307, headers={"location": "https://attacker.example/"})
        other = mock.post("https://attacker.example/").respond(200)
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret)
    assert result.outcome == "retry"
    assert not other.called


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectTimeout("connect timed out"),
        httpx.ReadTimeout("read timed out"),
        httpx.ConnectError("connection refused"),
        httpx.RemoteProtocolError("peer closed connection"),
        RuntimeError("something odd in the transport"),
    ],
)
async def test_network_errors_never_raise_and_are_retried(
    client: httpx.AsyncClient, secret: str, exc: Exception
) -> None:
    with respx.mock() as mock:
        mock.post(URL).mock(side_effect=exc)
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret, attempt=2)
    assert result.outcome == "retry"
    assert result.status_code is None
    assert result.error
    assert result.next_delay == 300.0


async def test_slow_endpoint_times_out_within_the_budget(secret: str) -> None:
    async def slow(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(5)
        return httpx.Response(200)

    async with httpx.AsyncClient(transport=httpx.MockTransport(slow)) as slow_client:
        started = time.perf_counter()
        result = await outbound.deliver(slow_client, URL, EVENT_ID, PAYLOAD, secret, timeout=0.2)
    assert time.perf_counter() - started < 2
    assert result.outcome == "retry"
    assert "timeout" in (result.error or "")
    assert 150 <= result.duration_ms < 2000


async def test_connection_refused_on_a_real_port(client: httpx.AsyncClient, secret: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = await outbound.deliver(client, f"http://127.0.0.1:{port}/", EVENT_ID, PAYLOAD, secret, timeout=2)
    assert result.outcome == "retry"
    assert result.status_code is None
    assert result.error


@pytest.mark.parametrize("url", ["ftp://merchant.example/hook", "not a url", "http://"])
async def test_unusable_url_fails_without_raising(client: httpx.AsyncClient, secret: str, url: str) -> None:
    result = await outbound.deliver(client, url, EVENT_ID, PAYLOAD, secret)
    assert result.outcome == "failed"
    assert result.error


async def test_last_scheduled_attempt_gives_up(client: httpx.AsyncClient, secret: str) -> None:
    with respx.mock() as mock:
        mock.post(URL).respond(500)
        first = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret, attempt=1)
        last = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret, attempt=outbound.MAX_ATTEMPTS)
    assert first.outcome == "retry"
    assert first.next_delay == 5.0
    assert last.outcome == "failed"
    assert last.next_delay is None
    assert last.status_code == 500


async def test_huge_response_body_is_truncated(client: httpx.AsyncClient, secret: str) -> None:
    with respx.mock() as mock:
        mock.post(URL).respond(500, content=b"x" * 100_000)
        result = await outbound.deliver(client, URL, EVENT_ID, PAYLOAD, secret)
    assert result.response_body is not None
    assert len(result.response_body) == outbound.RESPONSE_SNIPPET_BYTES


# ------------------------------------------------------------------ schedule


def test_schedule_starts_immediately_and_follows_svix() -> None:
    delays = [outbound.next_attempt_delay(n) for n in range(7)]
    assert delays == [0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0]


def test_schedule_spans_about_three_days_and_ends() -> None:
    delays: list[float] = []
    n = 0
    while (delay := outbound.next_attempt_delay(n)) is not None:
        delays.append(delay)
        n += 1
        assert n < 100, "schedule never ends"
    assert n == outbound.MAX_ATTEMPTS
    assert delays == sorted(delays)
    total_days = sum(delays) / 86_400
    assert 2.5 <= total_days <= 3.5
    assert outbound.next_attempt_delay(n + 10) is None


def test_jitter_stays_within_bounds() -> None:
    for _ in range(200):
        delay = outbound.next_attempt_delay(3, jitter=0.1)
        assert delay is not None
        assert 1620.0 <= delay <= 1980.0
    assert outbound.next_attempt_delay(0, jitter=0.5) == 0.0


@pytest.mark.parametrize("bad", [-1])
def test_schedule_rejects_nonsense(bad: int) -> None:
    with pytest.raises(ValueError):
        outbound.next_attempt_delay(bad)
    with pytest.raises(ValueError):
        outbound.next_attempt_delay(1, jitter=2.0)
