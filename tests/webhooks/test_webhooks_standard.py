"""Standard Webhooks verification, cross-checked against the official ``standardwebhooks`` library."""

from __future__ import annotations

import base64
import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks import standard
from webhooks.errors import MissingSignature, SignatureError, StaleSignature

BODY = b'{"id":"evt_1","type":"payment.captured","data":{"object":{"id":"pay_1"}}}'
MSG_ID = "evt_1"


def sdk_headers(secret: str, body: bytes = BODY, ts: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if ts is None else ts
    sig = Webhook(secret).sign(MSG_ID, datetime.fromtimestamp(ts, tz=UTC), body.decode())
    return {"webhook-id": MSG_ID, "webhook-timestamp": str(ts), "webhook-signature": sig}


def test_spec_test_vector() -> None:
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    ts = 1614265330
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    sdk = Webhook(secret).sign(
        "msg_p5jXN8AQM9LWM0D4loKWxJek", datetime.fromtimestamp(ts, tz=UTC), body.decode()
    )
    assert sdk == expected
    assert standard.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body) == expected


def test_headers_signed_by_the_library_are_accepted() -> None:
    secret = standard.generate_secret()
    assert standard.verify(sdk_headers(secret), BODY, [secret]) == MSG_ID


def test_our_headers_are_accepted_by_the_library() -> None:
    secret = standard.generate_secret()
    headers = standard.sign_headers(secret, MSG_ID, BODY)
    assert Webhook(secret).verify(BODY, headers) == {
        "id": "evt_1",
        "type": "payment.captured",
        "data": {"object": {"id": "pay_1"}},
    }


def test_flipped_body_byte_is_rejected() -> None:
    secret = standard.generate_secret()
    headers = sdk_headers(secret)
    tampered = BODY.replace(b"pay_1", b"pay_2")
    with pytest.raises(SignatureError):
        standard.verify(headers, tampered, [secret])


def test_flipped_signature_is_rejected() -> None:
    secret = standard.generate_secret()
    headers = sdk_headers(secret)
    raw = bytearray(base64.b64decode(headers["webhook-signature"].split(",", 1)[1]))
    raw[0] ^= 0x01
    headers["webhook-signature"] = "v1," + base64.b64encode(bytes(raw)).decode()
    with pytest.raises(SignatureError):
        standard.verify(headers, BODY, [secret])


def test_stale_and_future_timestamps_are_rejected() -> None:
    secret = standard.generate_secret()
    now = int(time.time())
    with pytest.raises(StaleSignature):
        standard.verify(sdk_headers(secret, ts=now - 301), BODY, [secret], now=now)
    with pytest.raises(StaleSignature):
        standard.verify(sdk_headers(secret, ts=now + 301), BODY, [secret], now=now)


def test_rotation_old_and_new_secrets() -> None:
    old, new = standard.generate_secret(), standard.generate_secret()
    assert standard.verify(sdk_headers(old), BODY, [old, new]) == MSG_ID
    assert standard.verify(sdk_headers(new), BODY, [old, new]) == MSG_ID
    both = standard.sign_headers([old, new], MSG_ID, BODY)
    assert len(both["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(BODY, both)
    Webhook(new).verify(BODY, both)
    assert standard.verify(both, BODY, [new]) == MSG_ID


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_header_is_rejected(missing: str) -> None:
    secret = standard.generate_secret()
    headers = sdk_headers(secret)
    del headers[missing]
    with pytest.raises(MissingSignature):
        standard.verify(headers, BODY, [secret])


def test_header_names_are_case_insensitive() -> None:
    secret = standard.generate_secret()
    headers = {k.title(): v for k, v in sdk_headers(secret).items()}
    assert standard.verify(headers, BODY, [secret]) == MSG_ID


def test_unknown_signature_versions_are_skipped() -> None:
    secret = standard.generate_secret()
    headers = sdk_headers(secret)
    headers["webhook-signature"] = "v1a,AAAA garbage " + headers["webhook-signature"]
    assert standard.verify(headers, BODY, [secret]) == MSG_ID
    headers["webhook-signature"] = "v1a,AAAA"
    with pytest.raises(SignatureError):
        standard.verify(headers, BODY, [secret])


def test_unpadded_secret_is_accepted_like_the_library() -> None:
    key = b"0123456789abcdefghij"  # 20 bytes -> base64 ends in "="
    padded = "whsec_" + base64.b64encode(key).decode()
    unpadded = padded.rstrip("=")
    assert unpadded != padded
    headers = standard.sign_headers(unpadded, MSG_ID, BODY)
    assert headers == standard.sign_headers(padded, MSG_ID, BODY, timestamp=int(headers["webhook-timestamp"]))
    Webhook(unpadded).verify(BODY, headers)


def test_a_single_secret_string_is_not_split_into_characters() -> None:
    secret = standard.generate_secret()
    assert standard.verify(sdk_headers(secret), BODY, secret) == MSG_ID


def test_library_rejects_what_we_reject() -> None:
    secret = standard.generate_secret()
    headers = standard.sign_headers(secret, MSG_ID, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY + b" ", headers)
