"""Issue 14: the stored idempotency fingerprint of a request with card data gives nothing back.

The attack of the issue: read a key's fingerprint, enumerate the 1,000 CVCs (and the card
numbers that match the stored BIN / last four), hash each candidate body and compare. With an
unkeyed digest it recovered the CVC in under 1,000 tries; with the keyed one no candidate
matches, while the hub itself (holding the key) still recognises the same request.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import msgspec
import pytest
from sqlalchemy import select, update

from idempotency.fingerprint import LEGACY, fingerprint
from idempotency.tables import idempotency_keys as k

SECRET_CVC = "737"


def _unkeyed(method: str, path: str, body: dict[str, Any]) -> str:
    """The pre-fix fingerprint: SHA-256 of method, path and sorted compact JSON."""
    h = hashlib.sha256(f"{method}\n{path}\n".encode())
    h.update(msgspec.json.encode(body, order="sorted"))
    return h.hexdigest()


async def _stored(harness: Any, key: str) -> str:
    async with harness.hub.engine.connect() as conn:
        return str(await conn.scalar(select(k.c.fingerprint).where(k.c.key == key)))


async def test_cvc_cannot_be_brute_forced_from_the_stored_fingerprint(harness: Any, payment_body: Any) -> None:
    body = payment_body()
    body["payment_method"]["card"]["cvc"] = SECRET_CVC
    paid = await harness.post("/v1/payments", body, **{"Idempotency-Key": "fp-brute"})
    assert paid.status_code == 201, paid.text
    stored = await _stored(harness, "fp-brute")
    assert len(stored) == 64

    # the hub, with its key, recognises exactly this body ...
    sent = json.loads(json.dumps(body))
    assert fingerprint("POST", "/v1/payments", msgspec.json.encode(sent), mac=harness.hub.vault.fingerprint) == stored
    # ... and an attacker holding the row but not the key finds no candidate, the right one included
    for guess in (f"{n:03d}" for n in range(1000)):
        sent["payment_method"]["card"]["cvc"] = guess
        assert _unkeyed("POST", "/v1/payments", sent) != stored
    sent["payment_method"]["card"]["cvc"] = SECRET_CVC
    attacker_mac = lambda data: hashlib.sha256(data).hexdigest()  # noqa: E731 — no secret key
    assert fingerprint("POST", "/v1/payments", msgspec.json.encode(sent), mac=attacker_mac) != stored


async def test_same_request_replays_and_another_cvc_is_another_request(harness: Any, payment_body: Any) -> None:
    body = payment_body()
    first = await harness.post("/v1/payments", body, **{"Idempotency-Key": "fp-same"})
    again = await harness.post("/v1/payments", body, **{"Idempotency-Key": "fp-same"})
    assert again.status_code == first.status_code and again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"
    other = json.loads(json.dumps(body))
    other["payment_method"]["card"]["cvc"] = "999" if body["payment_method"]["card"]["cvc"] != "999" else "998"
    reused = await harness.post("/v1/payments", other, **{"Idempotency-Key": "fp-same"})
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("path", ["/v1/payment-methods"])
async def test_tokenization_fingerprint_is_keyed_too(harness: Any, path: str) -> None:
    card = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": SECRET_CVC}
    made = await harness.post(path, {"type": "card", "card": card}, **{"Idempotency-Key": "fp-pm"})
    assert made.status_code == 201, made.text
    stored = await _stored(harness, "fp-pm")
    for guess in (f"{n:03d}" for n in range(1000)):
        assert _unkeyed("POST", path, {"type": "card", "card": {**card, "cvc": guess}}) != stored


async def test_a_key_from_before_the_upgrade_still_replays(harness: Any, payment_body: Any) -> None:
    """Migration 0019 erased the unkeyed digests: such a key answers its stored response, never
    charges again (and is not compared any more)."""
    body = payment_body()
    first = await harness.post("/v1/payments", body, **{"Idempotency-Key": "fp-legacy"})
    async with harness.hub.engine.begin() as conn:
        await conn.execute(update(k).where(k.c.key == "fp-legacy").values(fingerprint=LEGACY))
    again = await harness.post("/v1/payments", body, **{"Idempotency-Key": "fp-legacy"})
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("idempotent-replayed") == "true"


def _digests(data: bytes) -> set[str]:
    import base64

    out: set[str] = set()
    for name in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
        d = hashlib.new(name, data).digest()
        out |= {d.hex(), base64.b64encode(d).decode(), base64.urlsafe_b64encode(d).decode().rstrip("=")}
    return out


async def test_canary_no_table_holds_an_unkeyed_digest_of_a_card_body(
    harness: Any, payment_body: Any, dump_database: Any
) -> None:
    body = payment_body()
    body["payment_method"]["card"].update({"number": "4000056655665556", "cvc": "418"})
    card = {"number": "5555555555554444", "exp_month": 11, "exp_year": 2032, "cvc": "271"}
    sent = [
        ("POST", "/v1/payments", body, "canary-pay"),
        ("POST", "/v1/payment-methods", {"type": "card", "card": card}, "canary-pm"),
    ]
    candidates: set[str] = set()
    for method, path, payload, key in sent:
        raw = json.dumps(payload).encode()
        r = await harness.client.request(
            method, path, content=raw, headers=harness.headers(**{"Idempotency-Key": key, "Content-Type": "application/json"})
        )
        assert r.status_code == 201, r.text
        canonical = msgspec.json.encode(payload, order="sorted")
        for form in (raw, canonical, msgspec.json.encode(payload)):
            candidates |= _digests(form) | _digests(f"{method}\n{path}\n".encode() + form)
    dump = await dump_database(harness.hub.engine)
    assert "idempotency_keys:" in dump
    leaked = [c for c in candidates if c in dump]
    assert not leaked, f"an unkeyed digest of a card-carrying body is stored: {leaked[:3]}"
