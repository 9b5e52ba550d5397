"""The configurable HMAC-in-a-header scheme (banks, simple providers)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac

import pytest

from webhooks.errors import MissingSignature, SignatureError, StaleSignature
from webhooks.hmac_header import HmacHeaderScheme

GITHUB = HmacHeaderScheme(header="X-Hub-Signature-256", prefix="sha256=")
TIMED = HmacHeaderScheme(
    header="X-Bank-Signature",
    algorithm="sha512",
    encoding="base64",
    timestamp_header="X-Bank-Timestamp",
    tolerance=300,
)
BODY = b'{"id":"ntf_1","type":"credit_transfer.settled","amount":1099}'
NOW = 1_700_000_000


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def test_github_published_test_vector() -> None:
    # docs.github.com "Validating webhook deliveries": test values
    secret = "It's a Secret to Everybody"
    expected = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert GITHUB.sign(b"Hello, World!", secret) == {"X-Hub-Signature-256": expected}
    assert GITHUB.verify({"x-hub-signature-256": expected}, b"Hello, World!", [secret]) is None


def test_signature_is_standard_hmac_of_timestamp_dot_body() -> None:
    headers = TIMED.sign(BODY, "bank-secret", timestamp=NOW)
    digest = hmac.new(b"bank-secret", f"{NOW}.".encode() + BODY, hashlib.sha512).digest()
    assert headers == {"X-Bank-Timestamp": str(NOW), "X-Bank-Signature": base64.b64encode(digest).decode()}
    assert TIMED.verify(headers, BODY, ["bank-secret"], now=NOW) == NOW


@pytest.mark.parametrize("index", [0, len(BODY) - 1])
def test_flipped_body_byte_is_rejected(index: int) -> None:
    for scheme in (GITHUB, TIMED):
        headers = scheme.sign(BODY, "s3cret", timestamp=NOW)
        with pytest.raises(SignatureError):
            scheme.verify(headers, flip(BODY, index), ["s3cret"], now=NOW)


def test_flipped_signature_is_rejected() -> None:
    headers = GITHUB.sign(BODY, "s3cret")
    sig = headers["X-Hub-Signature-256"]
    headers["X-Hub-Signature-256"] = sig[:-1] + ("0" if sig[-1] != "0" else "1")
    with pytest.raises(SignatureError):
        GITHUB.verify(headers, BODY, ["s3cret"])


def test_signed_timestamp_cannot_be_swapped() -> None:
    headers = TIMED.sign(BODY, "s3cret", timestamp=NOW)
    headers["X-Bank-Timestamp"] = str(NOW + 1)
    with pytest.raises(SignatureError):
        TIMED.verify(headers, BODY, ["s3cret"], now=NOW)


def test_stale_timestamp_is_rejected() -> None:
    headers = TIMED.sign(BODY, "s3cret", timestamp=NOW - 301)
    with pytest.raises(StaleSignature):
        TIMED.verify(headers, BODY, ["s3cret"], now=NOW)
    headers = TIMED.sign(BODY, "s3cret", timestamp=NOW + 301)
    with pytest.raises(StaleSignature):
        TIMED.verify(headers, BODY, ["s3cret"], now=NOW)
    headers = TIMED.sign(BODY, "s3cret", timestamp=NOW - 299)
    assert TIMED.verify(headers, BODY, ["s3cret"], now=NOW) == NOW - 299


def test_rotated_secrets_accept_old_and_new() -> None:
    for secret in ("old-secret", "new-secret"):
        headers = TIMED.sign(BODY, secret)
        assert TIMED.verify(headers, BODY, ["old-secret", "new-secret"]) is not None
    with pytest.raises(SignatureError):
        TIMED.verify(TIMED.sign(BODY, "older-secret"), BODY, ["old-secret", "new-secret"])


def test_provider_sending_several_signatures_during_rotation() -> None:
    scheme = HmacHeaderScheme(header="X-Signature", separator=",")
    old = scheme.sign(BODY, "old")["X-Signature"]
    new = scheme.sign(BODY, "new")["X-Signature"]
    assert scheme.verify({"X-Signature": f"{old},{new}"}, BODY, ["new"]) is None
    assert scheme.verify({"X-Signature": f"{old}, {new}"}, BODY, ["old"]) is None


def test_missing_headers_are_rejected() -> None:
    with pytest.raises(MissingSignature):
        GITHUB.verify({}, BODY, ["s3cret"])
    with pytest.raises(MissingSignature):
        GITHUB.verify({"X-Hub-Signature-256": ""}, BODY, ["s3cret"])
    headers = TIMED.sign(BODY, "s3cret")
    del headers["X-Bank-Timestamp"]
    with pytest.raises(MissingSignature):
        TIMED.verify(headers, BODY, ["s3cret"])


def test_prefix_is_required_and_hex_case_does_not_matter() -> None:
    sig = GITHUB.sign(BODY, "s3cret")["X-Hub-Signature-256"]
    bare = sig.removeprefix("sha256=")
    with pytest.raises(SignatureError):
        GITHUB.verify({"X-Hub-Signature-256": bare}, BODY, ["s3cret"])
    assert GITHUB.verify({"X-Hub-Signature-256": "sha256=" + bare.upper()}, BODY, ["s3cret"]) is None


def test_header_names_are_case_insensitive() -> None:
    headers = {k.upper(): v for k, v in TIMED.sign(BODY, "s3cret").items()}
    assert TIMED.verify(headers, BODY, ["s3cret"]) is not None


def test_bad_timestamp_header_is_rejected() -> None:
    headers = TIMED.sign(BODY, "s3cret")
    headers["X-Bank-Timestamp"] = "yesterday"
    with pytest.raises(SignatureError):
        TIMED.verify(headers, BODY, ["s3cret"])


def test_hex_and_base64_keys() -> None:
    scheme = HmacHeaderScheme(header="Sig", key_encoding="hex")
    key = "00ff10"
    expected = hmac.new(bytes.fromhex(key), BODY, hashlib.sha256).hexdigest()
    assert scheme.sign(BODY, key) == {"Sig": expected}
    b64 = HmacHeaderScheme(header="Sig", key_encoding="base64")
    assert b64.sign(BODY, base64.b64encode(b"\x00\xff\x10").decode()) == {"Sig": expected}
    with pytest.raises(ValueError):
        scheme.verify({"Sig": expected}, BODY, ["zz"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"header": ""},
        {"header": "X", "algorithm": "md5"},
        {"header": "X", "encoding": "base32"},
        {"header": "X", "key_encoding": "latin1"},
        {"header": "X", "tolerance": -1},
        {"header": "X", "separator": ""},
    ],
)
def test_invalid_configuration_is_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        HmacHeaderScheme(**kwargs)  # type: ignore[arg-type]


def test_scheme_is_immutable_and_needs_a_secret() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        GITHUB.header = "X-Other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        GITHUB.verify(GITHUB.sign(BODY, "s"), BODY, [])
