"""The canary test: a full scenario with a canary card number, CVC and provider secret, then
every table of the database, every log line (DEBUG, JSON, as `payhub serve` writes them) and
every API response is searched for them. None may appear. Plus: the CVC is never persisted."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from hub.logs import setup_logging

CANARY_PAN = "4000056655665556"  # Luhn-valid, approved by the simulator
CANARY_PAN_SPACED = "4000 0566 5566 5556"
CANARY_CVC = "8317"
CANARY_SECRET = "CanarySecret-ZX81-7f3a9b2c"  # no known secret shape: only the registry can catch it
CANARY_SECRET_2 = "CanaryRotated-QW42-1d8e6f0a"
_CVC_FIELD = re.compile(rf"(?i)cv[cvn]2?\W{{0,8}}{CANARY_CVC}(?!\d)")
_CVC_KEY = re.compile(r"""(?i)["']cv[cv]2?["']\s*:""")


def _digits_joined(text: str) -> str:
    return re.sub(r"(?<=\d)[ \-](?=\d)", "", text)


def assert_clean(where: str, text: str) -> None:
    assert CANARY_PAN not in _digits_joined(text), f"card number found in {where}"
    assert not _CVC_FIELD.search(text), f"CVC found in {where}: {_CVC_FIELD.search(text)}"
    assert CANARY_SECRET not in text, f"provider secret found in {where}"
    assert CANARY_SECRET_2 not in text, f"rotated provider secret found in {where}"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Root logging exactly as `payhub serve` sets it up (JSON formatter + redaction filter), at
    DEBUG, written into a buffer."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    buffer = io.StringIO()
    setup_logging("DEBUG", "json")
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)


async def test_canary_never_at_rest_in_logs_or_responses(
    harness: Any, json_logs: io.StringIO, dump_database: Any
) -> None:
    responses: list[httpx.Response] = []

    async def call(method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
        r = await harness.client.request(method, path, json=body, headers=harness.headers(**headers))
        responses.append(r)
        return r

    card = {"number": CANARY_PAN_SPACED, "exp_month": 11, "exp_year": 2031, "cvc": CANARY_CVC}
    account = await call(
        "POST",
        "/v1/admin/accounts",
        {"id": "canary", "adapter": "simulator", "credentials": {"api_key": CANARY_SECRET}},
    )
    assert account.status_code == 201, account.text
    pm = await call("POST", "/v1/payment-methods", {"type": "card", "card": card})
    assert pm.status_code == 201, pm.text
    assert pm.json()["card"]["last4"] == "5556"

    raw = await call(
        "POST",
        "/v1/payments",
        {
            "amount": 2500,
            "currency": "EUR",
            "capture": "manual",
            "account": "canary",
            "payment_method": {"type": "card", "card": card},
            "reference": "canary-1",
        },
        **{"Idempotency-Key": "canary-raw"},
    )
    assert raw.json()["status"] == "authorized", raw.text
    pay_id = raw.json()["id"]
    assert (await call("POST", f"/v1/payments/{pay_id}/capture", {})).json()["status"] == "captured"
    assert (await call("POST", f"/v1/payments/{pay_id}/refunds", {"amount": 1000})).status_code == 201
    tokenized = await call(
        "POST",
        "/v1/payments",
        {
            "amount": 700,
            "currency": "EUR",
            "account": "canary",
            "payment_method": {"type": "card", "token": pm.json()["id"]},
        },
    )
    assert tokenized.json()["status"] == "captured", tokenized.text
    # errors that would echo the input: the card number where a token belongs, a CVC that is invalid
    echo = await call(
        "POST",
        "/v1/payments",
        {"amount": 700, "currency": "EUR", "payment_method": {"type": "card", "token": CANARY_PAN}},
    )
    assert echo.status_code == 422 and "5556" in echo.text  # the message says which, masked
    wrong_place = await call("POST", f"/v1/payments/{CANARY_PAN}/capture", {})  # a PAN in the URL
    assert wrong_place.status_code == 404
    # a careless log line (an adapter echoing its key) is scrubbed too: the secret is registered
    careless = logging.getLogger("adapters.careless")
    careless.error("provider refused key %s", CANARY_SECRET)
    rotated = await call(
        "POST", "/v1/admin/accounts/canary/credentials", {"credentials": {"api_key": CANARY_SECRET_2}}
    )
    assert rotated.status_code == 200, rotated.text
    after_rotation = await call(
        "POST",
        "/v1/payments",
        {
            "amount": 300,
            "currency": "EUR",
            "account": "canary",
            "payment_method": {"type": "card", "card": card},
        },
    )
    assert after_rotation.json()["status"] == "captured", after_rotation.text
    careless.error("provider refused key %s", CANARY_SECRET_2)
    await call("GET", f"/v1/payments/{pay_id}/operations")
    await call("GET", "/v1/events", None)
    await call("GET", "/v1/admin/accounts/canary")
    await call("GET", "/v1/admin/audit")

    for r in responses:
        assert_clean(f"response to {r.request.method} {r.request.url.path}", r.text)

    dump = await dump_database(harness.hub.engine)
    assert "payments:" in dump and "audit_log:" in dump and "5556" in dump  # it is the real thing
    assert_clean("the database", dump)

    logs = json_logs.getvalue()
    assert "provider request POST" in logs  # the HTTP hooks logged the provider traffic ...
    assert "[PAN ****5556]" in logs  # ... including the card number, masked
    assert logs.count("provider refused key [REDACTED]") == 2
    assert_clean("the logs", logs)


async def test_cvc_is_never_persisted(harness: Any, dump_database: Any, payment_body: Any) -> None:
    tokenized = await harness.post(
        "/v1/payment-methods",
        {
            "type": "card",
            "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": CANARY_CVC},
        },
    )
    assert tokenized.status_code == 201
    body = payment_body()
    body["payment_method"]["card"]["cvc"] = CANARY_CVC
    paid = await harness.post("/v1/payments", body, **{"Idempotency-Key": "cvc-1"})
    assert paid.json()["status"] == "authorized"
    dump = await dump_database(harness.hub.engine)
    assert "payment_methods:" in dump and "operations:" in dump
    assert not _CVC_KEY.search(dump), "a cvc field was stored"
    assert not _CVC_FIELD.search(dump)


async def test_new_api_key_is_not_kept_for_idempotent_replays(harness: Any, dump_database: Any) -> None:
    made = await harness.post(
        "/v1/admin/api-keys", {"role": "read", "name": "ci"}, **{"Idempotency-Key": "k-1"}
    )
    assert made.status_code == 201
    key = made.json()["key"]
    assert key not in await dump_database(harness.hub.engine)  # stored only as its SHA-256
    again = await harness.post(
        "/v1/admin/api-keys", {"role": "read", "name": "ci"}, **{"Idempotency-Key": "k-1"}
    )
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == made.json()["id"] and "key" not in again.json()
