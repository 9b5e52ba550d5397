"""Adyen webhook signatures.

Standard notifications (payments, modifications): each ``NotificationRequestItem``
carries ``additionalData.hmacSignature`` = base64(HMAC-SHA256(hex-decoded key,
signing string)), where the signing string joins, with ``:``, the item's
``pspReference``, ``originalReference``, ``merchantAccountCode``,
``merchantReference``, ``amount.value``, ``amount.currency``, ``eventCode`` and
``success`` (an empty string for an absent field). Every item of a batch is
signed and every one must verify.

Platform / Management webhooks sign the raw body instead and send the signature
in the ``HmacSignature`` header: see :data:`PLATFORM_SCHEME`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from webhooks._util import same, secret_list
from webhooks.errors import MalformedPayload, MissingSignature, SignatureError
from webhooks.hmac_header import HmacHeaderScheme

SIGNED_FIELDS = (
    "pspReference",
    "originalReference",
    "merchantAccountCode",
    "merchantReference",
    "value",
    "currency",
    "eventCode",
    "success",
)

#: Adyen for Platforms / Balance Platform / Management API webhooks: base64
#: HMAC-SHA256 of the raw body, hex key, header ``HmacSignature``.
PLATFORM_SCHEME = HmacHeaderScheme(
    header="HmacSignature", algorithm="sha256", encoding="base64", key_encoding="hex"
)


def _key(hex_key: str) -> bytes:
    try:
        key = binascii.unhexlify(hex_key.strip())
    except (binascii.Error, ValueError) as exc:
        raise ValueError("Adyen HMAC key must be hexadecimal") from exc
    if not key:
        raise ValueError("Adyen HMAC key is empty")
    return key


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):  # Adyen sends "true"/"false" strings; be faithful to JSON booleans too
        return "true" if value else "false"
    return str(value)


def signing_string(item: Mapping[str, Any]) -> str:
    """The colon-joined string Adyen signs for one NotificationRequestItem."""
    amount = item.get("amount")
    amount = amount if isinstance(amount, Mapping) else {}
    fields = {name: item.get(name) for name in SIGNED_FIELDS}
    fields["value"] = amount.get("value")
    fields["currency"] = amount.get("currency")
    return ":".join(_text(fields[name]) for name in SIGNED_FIELDS)


def _digest(item: Mapping[str, Any], key: bytes) -> bytes:
    return hmac.new(key, signing_string(item).encode("utf-8"), hashlib.sha256).digest()


def sign_item(item: Mapping[str, Any], hex_key: str) -> str:
    """The base64 ``hmacSignature`` Adyen would put in ``item['additionalData']``."""
    return base64.b64encode(_digest(item, _key(hex_key))).decode("ascii")


def verify_item(item: Mapping[str, Any], hmac_keys: Sequence[str]) -> None:
    """Verify one NotificationRequestItem against any of ``hmac_keys`` (hex).

    Raises MissingSignature when ``additionalData.hmacSignature`` is absent or
    empty, SignatureError when it matches none of the keys, ValueError when no
    usable key is configured.
    """
    keys = [_key(k) for k in secret_list(hmac_keys, "HMAC key")]
    additional = item.get("additionalData")
    offered = additional.get("hmacSignature") if isinstance(additional, Mapping) else None
    if not offered or not isinstance(offered, str):
        raise MissingSignature("additionalData.hmacSignature is missing")
    try:
        offered_raw = base64.b64decode(offered.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("additionalData.hmacSignature is not base64") from exc
    matched = False
    for key in keys:
        matched |= same(_digest(item, key), offered_raw)
    if not matched:
        raise SignatureError("Adyen hmacSignature does not match the notification item")


def parse_notification(body: bytes) -> list[dict[str, Any]]:
    """The NotificationRequestItems of a standard notification body, unverified."""
    try:
        doc = msgspec.json.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        raise MalformedPayload(f"Adyen notification is not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise MalformedPayload("Adyen notification must be a JSON object")
    wrappers = doc.get("notificationItems")
    if not isinstance(wrappers, list) or not wrappers:
        raise MalformedPayload("Adyen notification needs a non-empty notificationItems list")
    items: list[dict[str, Any]] = []
    for index, wrapper in enumerate(wrappers):
        item = wrapper.get("NotificationRequestItem") if isinstance(wrapper, dict) else None
        if not isinstance(item, dict):
            raise MalformedPayload(f"notificationItems[{index}] has no NotificationRequestItem object")
        items.append(item)
    return items


def verify_notification(body: bytes, hmac_keys: Sequence[str]) -> list[dict[str, Any]]:
    """Parse a standard notification and verify EVERY item; return the items.

    One bad or unsigned item rejects the whole batch (SignatureError), so nothing
    from a tampered delivery is ever processed. MalformedPayload for bad JSON or
    a body that is not ``{"notificationItems": [{"NotificationRequestItem": ...}]}``.
    """
    secret_list(hmac_keys, "HMAC key")  # a configuration error beats a format error
    items = parse_notification(body)
    for index, item in enumerate(items):
        try:
            verify_item(item, hmac_keys)
        except SignatureError as exc:
            raise type(exc)(f"notificationItems[{index}]: {exc}") from exc
    return items
