"""Every POST, fed hostile bodies, answers a 4xx problem (never a 5xx) and changes nothing;
amounts are integers as documented, never strings or float literals (issue 19)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from hub.api.openapi.serve import finished_document

HOSTILE: dict[str, bytes] = {
    "deep_array": b"[" * 5000 + b"]" * 5000,
    "deep_object": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "deep_in_field": b'{"amount": 1, "metadata": ' + b'{"a":' * 5000 + b'"x"' + b"}" * 5001,
    "huge_integer": b'{"amount": 1' + b"0" * 400 + b', "currency": "EUR"}',
    "huge_float": b'{"amount": 1e400, "currency": "EUR"}',
    "invalid_utf8": b'{"currency": "\xff\xfe"}',
    "duplicate_keys": b'{"amount": 1, "amount": "x", "currency": "EUR"}',
    "truncated": b'{"amount": 1',
    "not_json": b"\x00\x01\x02",
}


def _post_paths(document: dict[str, Any]) -> list[str]:
    return [
        re.sub(r"\{[^}]+\}", "x_does_not_exist", path)
        if "webhooks" not in path
        else path.replace("{account_id}", "sandbox")
        for path, ops in sorted(document["paths"].items())
        if "post" in ops
    ]


async def test_hostile_bodies_on_every_post_are_4xx_problems(harness: Any) -> None:
    document = finished_document(harness.client._transport.app)
    paths = _post_paths(document)
    assert len(paths) >= 15
    before = (await harness.get("/v1/payments")).json()["data"]
    for path in paths:
        for name, body in HOSTILE.items():
            r = await harness.client.post(
                path, content=body, headers=harness.headers(**{"Content-Type": "application/json"})
            )
            assert 400 <= r.status_code < 500, (path, name, r.status_code, r.text[:200])
            assert r.headers["content-type"].startswith("application/problem+json"), (path, name)
            assert r.json()["code"], (path, name)
    assert (await harness.get("/v1/payments")).json()["data"] == before


@pytest.mark.parametrize(
    ("amount", "code", "status"),
    [
        (b'"100"', "validation_error", 422),
        (b"1e3", "validation_error", 422),
        (b"10.0", "validation_error", 422),
        (b"1" + b"0" * 30, "validation_error", 422),
        (b"9223372036854775808", "validation_error", 422),  # 2**63: decodes (uint64), does not fit
        (b"-9223372036854775809", "validation_error", 422),
        (b"[" * 3000 + b"]" * 3000, "invalid_json", 400),
    ],
)
async def test_amounts_are_integers_as_documented(
    harness: Any, amount: bytes, code: str, status: int
) -> None:
    body = (
        b'{"amount": ' + amount + b', "currency": "EUR", "payment_method": {"type": "card", "token": "pm_x"}}'
    )
    r = await harness.client.post(
        "/v1/payments", content=body, headers=harness.headers(**{"Content-Type": "application/json"})
    )
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    if status == 422:
        assert r.json()["field"] == "amount"
    assert (await harness.get("/v1/payments")).json()["data"] == []


async def test_an_integer_outside_64_bits_is_refused_with_its_path(harness: Any) -> None:
    body = (
        b'{"amount": 18446744073709551615, "currency": "EUR", "payment_method": {"type": "card",'
        b' "token": "pm_x"}, "metadata": {"order": "12345678901234567890123"}}'
    )  # 2**64 - 1 decodes as an unsigned integer; the long run of digits in a string is no integer
    r = await harness.client.post(
        "/v1/payments", content=body, headers=harness.headers(**{"Content-Type": "application/json"})
    )
    assert (r.status_code, r.json()["code"]) == (422, "validation_error"), r.text
    assert r.json()["field"] == "amount"
    assert (await harness.get("/v1/payments")).json()["data"] == []
