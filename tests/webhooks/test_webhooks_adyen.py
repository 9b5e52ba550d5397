"""Adyen HMAC verification, cross-checked against the official ``Adyen`` Python SDK."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from Adyen.util import (
    generate_notification_sig,
    generate_payload_sig,
    is_valid_hmac_notification,
    is_valid_hmac_payload,
)

from webhooks import adyen
from webhooks.errors import MalformedPayload, MissingSignature, SignatureError

KEY = "44782DEF547AAA06C910C43932B1EB0C71FC68D9D0C057550C48EC2ACF6BA056"
NEW_KEY = "D4E1F3A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D"


def unsigned_item(**overrides: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "additionalData": {"authCode": "065696", "cardSummary": "1111"},
        "amount": {"currency": "EUR", "value": 1099},
        "eventCode": "AUTHORISATION",
        "eventDate": "2024-01-15T10:20:30+01:00",
        "merchantAccountCode": "PayhubECOM",
        "merchantReference": "pay_01HXYZ",
        "operations": ["CANCEL", "CAPTURE", "REFUND"],
        "paymentMethod": "visa",
        "pspReference": "7914073381342284",
        "reason": "065696:1111:03/2030",
        "success": "true",
    }
    item.update(overrides)
    return item


def sdk_signed(item: dict[str, Any], key: str = KEY) -> dict[str, Any]:
    """Sign an item the way the Adyen SDK computes it, and put it where Adyen puts it."""
    signed = copy.deepcopy(item)
    without = {k: v for k, v in signed.items() if k != "additionalData"}
    signed["additionalData"]["hmacSignature"] = generate_notification_sig(without, key).decode()
    return signed


def notification(*items: dict[str, Any]) -> bytes:
    doc = {"live": "false", "notificationItems": [{"NotificationRequestItem": i} for i in items]}
    return json.dumps(doc).encode()


def test_item_signed_by_the_adyen_sdk_is_accepted() -> None:
    adyen.verify_item(sdk_signed(unsigned_item()), [KEY])


def test_our_signature_is_accepted_by_the_adyen_sdk() -> None:
    item = unsigned_item()
    item["additionalData"]["hmacSignature"] = adyen.sign_item(item, KEY)
    doc = json.loads(notification(item))
    assert is_valid_hmac_notification(doc, KEY) is True


def test_absent_fields_sign_as_empty_strings_like_the_sdk() -> None:
    # a refund notification carries originalReference; an authorisation does not
    refund = unsigned_item(eventCode="REFUND", originalReference="7914073381342284", pspReference="88")
    for item in (unsigned_item(), refund):
        expected = generate_notification_sig(item, KEY).decode()
        assert adyen.sign_item(item, KEY) == expected
    assert adyen.signing_string(unsigned_item()) == (
        "7914073381342284::PayhubECOM:pay_01HXYZ:1099:EUR:AUTHORISATION:true"
    )


def test_whole_notification_is_verified_and_items_returned() -> None:
    first = sdk_signed(unsigned_item())
    second = sdk_signed(unsigned_item(pspReference="8815", eventCode="CAPTURE", originalReference="7914"))
    items = adyen.verify_notification(notification(first, second), [KEY])
    assert [i["pspReference"] for i in items] == ["7914073381342284", "8815"]
    assert items[1]["eventCode"] == "CAPTURE"


def test_one_flipped_byte_in_a_signed_field_is_rejected() -> None:
    body = notification(sdk_signed(unsigned_item()))
    tampered = body.replace(b'"value": 1099', b'"value": 1098')
    assert tampered != body
    with pytest.raises(SignatureError):
        adyen.verify_notification(tampered, [KEY])
    tampered = body.replace(b"7914073381342284", b"7914073381342285")
    with pytest.raises(SignatureError):
        adyen.verify_notification(tampered, [KEY])


@pytest.mark.parametrize(
    "change",
    [
        {"success": "false"},
        {"eventCode": "CANCELLATION"},
        {"merchantAccountCode": "OtherAccount"},
        {"merchantReference": "pay_other"},
        {"amount": {"currency": "USD", "value": 1099}},
        {"originalReference": "123"},
    ],
)
def test_any_signed_field_change_is_rejected(change: dict[str, Any]) -> None:
    item = sdk_signed(unsigned_item())
    item.update(change)
    with pytest.raises(SignatureError):
        adyen.verify_item(item, [KEY])


def test_flipped_signature_is_rejected() -> None:
    item = sdk_signed(unsigned_item())
    sig = item["additionalData"]["hmacSignature"]
    item["additionalData"]["hmacSignature"] = ("B" if sig[0] != "B" else "C") + sig[1:]
    with pytest.raises(SignatureError):
        adyen.verify_item(item, [KEY])


def test_garbage_signature_is_rejected() -> None:
    item = sdk_signed(unsigned_item())
    item["additionalData"]["hmacSignature"] = "not base64!"
    with pytest.raises(SignatureError):
        adyen.verify_item(item, [KEY])


def test_rotated_keys_accept_old_and_new() -> None:
    configured = [KEY, NEW_KEY]
    adyen.verify_item(sdk_signed(unsigned_item(), KEY), configured)
    adyen.verify_item(sdk_signed(unsigned_item(), NEW_KEY), configured)
    with pytest.raises(SignatureError):
        adyen.verify_item(sdk_signed(unsigned_item(), NEW_KEY), [KEY])


def test_one_bad_item_rejects_the_whole_batch() -> None:
    good = sdk_signed(unsigned_item())
    bad = sdk_signed(unsigned_item(pspReference="8815"), NEW_KEY)
    with pytest.raises(SignatureError, match=r"notificationItems\[1\]"):
        adyen.verify_notification(notification(good, bad), [KEY])


def test_missing_signature_is_rejected() -> None:
    no_additional = unsigned_item()
    del no_additional["additionalData"]
    with pytest.raises(MissingSignature):
        adyen.verify_item(no_additional, [KEY])
    with pytest.raises(MissingSignature):
        adyen.verify_item(unsigned_item(), [KEY])
    empty = unsigned_item()
    empty["additionalData"]["hmacSignature"] = ""
    with pytest.raises(MissingSignature):
        adyen.verify_notification(notification(sdk_signed(unsigned_item()), empty), [KEY])


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[accepted]",
        b'["notificationItems"]',
        b"{}",
        b'{"notificationItems": []}',
        b'{"notificationItems": {"NotificationRequestItem": {}}}',
        b'{"notificationItems": [{"Other": {}}]}',
        b'{"notificationItems": [{"NotificationRequestItem": "x"}]}',
        b"\xff\xfe",
    ],
)
def test_malformed_body_is_a_format_error(body: bytes) -> None:
    with pytest.raises(MalformedPayload) as info:
        adyen.verify_notification(body, [KEY])
    assert isinstance(info.value, ValueError)
    assert not isinstance(info.value, SignatureError)


def test_invalid_configured_key_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        adyen.verify_item(sdk_signed(unsigned_item()), ["not-hex"])
    with pytest.raises(ValueError):
        adyen.verify_notification(notification(sdk_signed(unsigned_item())), [])


def test_platform_webhooks_header_scheme_matches_the_sdk() -> None:
    body = b'{"type":"balancePlatform.accountHolder.created","data":{"id":"AH00000000"}}'
    headers = adyen.PLATFORM_SCHEME.sign(body, KEY)
    assert headers["HmacSignature"] == generate_payload_sig(body, KEY).decode()
    assert is_valid_hmac_payload(headers["HmacSignature"], KEY, body)
    sdk_sig = generate_payload_sig(body, NEW_KEY).decode()
    assert adyen.PLATFORM_SCHEME.verify({"hmacsignature": sdk_sig}, body, [KEY, NEW_KEY]) is None
    with pytest.raises(SignatureError):
        adyen.PLATFORM_SCHEME.verify({"hmacsignature": sdk_sig}, body + b" ", [KEY, NEW_KEY])
