"""Stripe-Signature verification, cross-checked against the official ``stripe`` SDK."""

from __future__ import annotations

import json
import time

import pytest
import stripe

from webhooks import stripe as stripe_sig
from webhooks.errors import MissingSignature, SignatureError, StaleSignature

SECRET = "whsec_test_secret_for_payhub_0123456789"
NEW_SECRET = "whsec_rolled_secret_for_payhub_9876543210"
BODY = json.dumps(
    {
        "id": "evt_1PayhubTest",
        "object": "event",
        "type": "payment_intent.succeeded",
        "data": {"object": {"id": "pi_123", "object": "payment_intent", "amount": 1099}},
    },
    indent=2,
).encode()


def sdk_header(body: bytes, secret: str, timestamp: int) -> str:
    """A header made by stripe-python's own test helper."""
    return str(stripe.WebhookSignature.generate_signature_header(body.decode(), secret, timestamp=timestamp))


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_header_made_by_the_stripe_sdk_is_accepted_and_returns_its_timestamp() -> None:
    ts = int(time.time())
    assert stripe_sig.verify(BODY, sdk_header(BODY, SECRET, ts), [SECRET]) == ts


def test_our_header_is_accepted_by_the_stripe_sdk() -> None:
    header = stripe_sig.sign_header(BODY, SECRET)
    assert stripe.WebhookSignature.verify_header(BODY, header, SECRET, tolerance=300) is True
    event = stripe.Webhook.construct_event(BODY, header, SECRET)
    assert event.id == "evt_1PayhubTest"
    assert event.type == "payment_intent.succeeded"


def test_sign_header_matches_the_sdk_byte_for_byte() -> None:
    assert stripe_sig.sign_header(BODY, SECRET, timestamp=1_700_000_000) == sdk_header(
        BODY, SECRET, 1_700_000_000
    )


@pytest.mark.parametrize("index", [0, len(BODY) // 2, len(BODY) - 1])
def test_one_flipped_body_byte_is_rejected(index: int) -> None:
    header = sdk_header(BODY, SECRET, int(time.time()))
    with pytest.raises(SignatureError):
        stripe_sig.verify(flip(BODY, index), header, [SECRET])


def test_reserialised_json_is_rejected_because_the_raw_bytes_are_signed() -> None:
    header = sdk_header(BODY, SECRET, int(time.time()))
    compact = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
    with pytest.raises(SignatureError):
        stripe_sig.verify(compact, header, [SECRET])


def test_flipped_signature_is_rejected() -> None:
    header = sdk_header(BODY, SECRET, int(time.time()))
    last = header[-1]
    tampered = header[:-1] + ("0" if last != "0" else "1")
    with pytest.raises(SignatureError):
        stripe_sig.verify(BODY, tampered, [SECRET])


def test_wrong_secret_is_rejected() -> None:
    header = sdk_header(BODY, SECRET, int(time.time()))
    with pytest.raises(SignatureError):
        stripe_sig.verify(BODY, header, ["whsec_someone_else"])


def test_stale_timestamp_is_rejected_after_300_seconds() -> None:
    now = 1_700_000_000
    assert stripe_sig.verify(BODY, sdk_header(BODY, SECRET, now - 300), [SECRET], now=now) == now - 300
    with pytest.raises(StaleSignature):
        stripe_sig.verify(BODY, sdk_header(BODY, SECRET, now - 301), [SECRET], now=now)


def test_timestamp_far_in_the_future_is_rejected() -> None:
    now = 1_700_000_000
    with pytest.raises(StaleSignature):
        stripe_sig.verify(BODY, sdk_header(BODY, SECRET, now + 3600), [SECRET], now=now)


def test_tolerance_is_configurable_and_can_be_disabled_for_replays() -> None:
    now = 1_700_000_000
    header = sdk_header(BODY, SECRET, now - 3600)
    with pytest.raises(StaleSignature):
        stripe_sig.verify(BODY, header, [SECRET], now=now, tolerance=600)
    assert stripe_sig.verify(BODY, header, [SECRET], now=now, tolerance=7200) == now - 3600
    assert stripe_sig.verify(BODY, header, [SECRET], now=now, tolerance=None) == now - 3600


def test_a_forged_signature_with_an_old_timestamp_is_a_plain_signature_error() -> None:
    now = 1_700_000_000
    header = sdk_header(BODY, "whsec_attacker", now - 9999)
    with pytest.raises(SignatureError) as info:
        stripe_sig.verify(BODY, header, [SECRET], now=now)
    assert not isinstance(info.value, StaleSignature)


def test_stripe_rolling_its_secret_sends_two_v1_entries_and_either_matches() -> None:
    ts = int(time.time())
    header = stripe_sig.sign_header(BODY, [SECRET, NEW_SECRET], timestamp=ts)
    assert header.count("v1=") == 2
    assert stripe_sig.verify(BODY, header, [SECRET]) == ts
    assert stripe_sig.verify(BODY, header, [NEW_SECRET]) == ts
    # and the SDK agrees with each secret
    assert stripe.WebhookSignature.verify_header(BODY, header, SECRET, tolerance=300)
    assert stripe.WebhookSignature.verify_header(BODY, header, NEW_SECRET, tolerance=300)


def test_several_configured_secrets_accept_old_and_new_during_rotation() -> None:
    ts = int(time.time())
    configured = [SECRET, NEW_SECRET]
    assert stripe_sig.verify(BODY, sdk_header(BODY, SECRET, ts), configured) == ts
    assert stripe_sig.verify(BODY, sdk_header(BODY, NEW_SECRET, ts), configured) == ts


def test_v0_and_unknown_entries_are_ignored() -> None:
    ts = int(time.time())
    good = sdk_header(BODY, SECRET, ts)
    header = good.replace(",v1=", ",v0=deadbeef,x=1,v1=")
    assert stripe_sig.verify(BODY, header, [SECRET]) == ts
    only_v0 = f"t={ts},v0={stripe_sig.compute_signature(BODY, SECRET, ts)}"
    with pytest.raises(SignatureError):
        stripe_sig.verify(BODY, only_v0, [SECRET])


@pytest.mark.parametrize("header", [None, "", "   "])
def test_missing_header_is_rejected(header: str | None) -> None:
    with pytest.raises(MissingSignature):
        stripe_sig.verify(BODY, header, [SECRET])


@pytest.mark.parametrize(
    "header",
    ["garbage", "v1=abc", "t=abc,v1=abc", "t=1,t=2,v1=abc", "t=-5,v1=abc", "t=1700000000"],
)
def test_malformed_header_is_rejected(header: str) -> None:
    with pytest.raises(SignatureError):
        stripe_sig.verify(BODY, header, [SECRET], now=1_700_000_000)


def test_non_ascii_signature_is_rejected_not_crashing() -> None:
    with pytest.raises(SignatureError):
        stripe_sig.verify(BODY, f"t={int(time.time())},v1=é", [SECRET])


def test_binary_body_is_signed_as_raw_bytes() -> None:
    body = b"\xff\xfe not utf-8 \x00"
    header = stripe_sig.sign_header(body, SECRET)
    assert stripe_sig.verify(body, header, [SECRET]) > 0


def test_no_configured_secret_is_a_configuration_error() -> None:
    header = sdk_header(BODY, SECRET, int(time.time()))
    with pytest.raises(ValueError):
        stripe_sig.verify(BODY, header, [])
