"""Adyen standard notifications: HMAC vectors produced with the official ``Adyen`` SDK
(Adyen/util.py) and the mapping of every event code the hub cares about."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from Adyen.util import generate_notification_sig, is_valid_hmac_notification
from adyen_helpers import HMAC_KEY, HMAC_KEY_OLD, MERCHANT, adapter

from adapters.base import (
    OperationKind,
    OutcomeStatus,
    WebhookFormatError,
    WebhookVerificationError,
)

OTHER_KEY = "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"


def item(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "amount": {"currency": "EUR", "value": 1099},
        "eventCode": "AUTHORISATION",
        "eventDate": "2026-05-01T12:00:00+02:00",
        "merchantAccountCode": MERCHANT,
        "merchantReference": "pay_test_1",
        "paymentMethod": "visa",
        "pspReference": "NC6HT9CRT65ZGN82",
        "reason": "064500:1111:03/2030",
        "success": "true",
    }
    base.update(fields)
    return base


def signed(raw: dict[str, Any], key: str = HMAC_KEY) -> dict[str, Any]:
    """Sign like Adyen does, with the official SDK."""
    out = copy.deepcopy(raw)
    sig = generate_notification_sig(out, key).decode()
    out.setdefault("additionalData", {})["hmacSignature"] = sig
    return out


def body(*items: dict[str, Any]) -> bytes:
    doc = {"live": "false", "notificationItems": [{"NotificationRequestItem": i} for i in items]}
    return json.dumps(doc).encode()


def parse(payload: bytes) -> list[Any]:
    return adapter().parse_webhook({"content-type": "application/json"}, payload)


# --------------------------------------------------------------------------- signatures


def test_sdk_signed_notification_is_accepted() -> None:
    it = signed(item(operations=["CANCEL", "CAPTURE", "REFUND"]))
    assert is_valid_hmac_notification({"notificationItems": [{"NotificationRequestItem": it}]}, HMAC_KEY)
    [ev] = parse(body(it))
    assert ev.type == "AUTHORISATION"
    assert ev.kind is OperationKind.AUTHORIZE
    assert ev.payment_id == "pay_test_1"
    assert ev.provider_reference == "NC6HT9CRT65ZGN82"
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED
    assert ev.outcome.amount == 1099 and ev.outcome.captured is False
    assert ev.occurred_at is not None and ev.occurred_at.year == 2026


def test_flipped_byte_in_signed_field_is_rejected() -> None:
    raw = body(signed(item()))
    tampered = raw.replace(b'"value": 1099', b'"value": 1098')
    assert tampered != raw
    with pytest.raises(WebhookVerificationError):
        parse(tampered)


def test_flipped_byte_in_signature_is_rejected() -> None:
    it = signed(item())
    sig = it["additionalData"]["hmacSignature"]
    it["additionalData"]["hmacSignature"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    with pytest.raises(WebhookVerificationError):
        parse(body(it))


def test_previous_key_is_accepted_during_rotation() -> None:
    [ev] = parse(body(signed(item(), key=HMAC_KEY_OLD)))
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.SUCCEEDED


def test_unknown_key_is_rejected() -> None:
    with pytest.raises(WebhookVerificationError):
        parse(body(signed(item(), key=OTHER_KEY)))


def test_one_bad_item_rejects_the_whole_batch() -> None:
    good = signed(item())
    bad = signed(item(pspReference="ZZZZZZZZZZZZZZZZ"), key=OTHER_KEY)
    with pytest.raises(WebhookVerificationError):
        parse(body(good, bad))
    # the good one alone passes
    assert len(parse(body(good))) == 1


def test_missing_signature_is_rejected() -> None:
    with pytest.raises(WebhookVerificationError):
        parse(body(item()))


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"notificationItems": []}', b'{"x": 1}'])
def test_malformed_bodies_are_format_errors(payload: bytes) -> None:
    with pytest.raises(WebhookFormatError):
        parse(payload)


def test_no_hmac_key_configured_is_a_verification_error() -> None:
    a = adapter()
    a.account.credentials = {"api_key": "k", "merchant_account": MERCHANT}
    with pytest.raises(WebhookVerificationError):
        a.parse_webhook({}, body(signed(item())))


# --------------------------------------------------------------------------- mapping


def test_duplicates_share_an_event_id_and_events_differ() -> None:
    a = parse(body(signed(item())))[0]
    b = parse(body(signed(item())))[0]
    assert a.event_id == b.event_id
    capture = parse(
        body(signed(item(eventCode="CAPTURE", pspReference="CAP1", originalReference="NC6HT9CRT65ZGN82")))
    )[0]
    failed = parse(body(signed(item(success="false", reason="Refused"))))[0]
    assert len({a.event_id, capture.event_id, failed.event_id}) == 3


def test_authorisation_refused_maps_the_reason() -> None:
    [ev] = parse(body(signed(item(success="false", reason="CVC Declined"))))
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.FAILED
    assert ev.outcome.failure is not None
    assert ev.outcome.failure.decline_code == "incorrect_cvc"
    assert ev.outcome.failure.provider_code == "24"


def test_authorisation_auto_captured_operations() -> None:
    [ev] = parse(body(signed(item(operations=["REFUND"]))))
    assert ev.outcome is not None and ev.outcome.captured is True


@pytest.mark.parametrize(
    "code,success,kind,status",
    [
        ("CAPTURE", "true", OperationKind.CAPTURE, OutcomeStatus.SUCCEEDED),
        ("CAPTURE", "false", OperationKind.CAPTURE, OutcomeStatus.FAILED),
        ("CAPTURE_FAILED", "true", OperationKind.CAPTURE, OutcomeStatus.FAILED),
        ("CANCELLATION", "true", OperationKind.VOID, OutcomeStatus.SUCCEEDED),
        ("CANCELLATION", "false", OperationKind.VOID, OutcomeStatus.FAILED),
        ("TECHNICAL_CANCEL", "true", OperationKind.VOID, OutcomeStatus.SUCCEEDED),
        ("REFUND", "true", OperationKind.REFUND, OutcomeStatus.SUCCEEDED),
        ("REFUND", "false", OperationKind.REFUND, OutcomeStatus.FAILED),
        ("REFUND_FAILED", "true", OperationKind.REFUND, OutcomeStatus.FAILED),
        ("REFUNDED_REVERSED", "true", OperationKind.REFUND, OutcomeStatus.FAILED),
    ],
)
def test_modification_events(code: str, success: str, kind: OperationKind, status: OutcomeStatus) -> None:
    ref = "re_test_1" if kind is OperationKind.REFUND else "pay_test_1"
    raw = item(
        eventCode=code,
        success=success,
        pspReference="MOD5N7G84BLNK43",
        originalReference="NC6HT9CRT65ZGN82",
        merchantReference=ref,
        reason="" if success == "true" else "Insufficient balance on payment",
    )
    [ev] = parse(body(signed(raw)))
    assert ev.kind is kind
    assert ev.outcome is not None and ev.outcome.status is status
    assert ev.provider_reference == "NC6HT9CRT65ZGN82"
    assert ev.operation_reference == "MOD5N7G84BLNK43"
    assert ev.outcome.operation_reference == "MOD5N7G84BLNK43"
    if kind is OperationKind.REFUND:
        assert ev.refund_id == "re_test_1" and ev.payment_id is None
    else:
        assert ev.payment_id == "pay_test_1" and ev.refund_id is None
    if status is OutcomeStatus.SUCCEEDED and kind is not OperationKind.VOID:
        assert ev.outcome.amount == 1099


@pytest.mark.parametrize("action,kind", [("cancel", OperationKind.VOID), ("refund", OperationKind.REFUND)])
def test_cancel_or_refund_follows_modification_action(action: str, kind: OperationKind) -> None:
    raw = signed(
        item(eventCode="CANCEL_OR_REFUND", pspReference="COR1", originalReference="NC6HT9CRT65ZGN82")
    )
    raw["additionalData"]["modification.action"] = action
    [ev] = parse(body(raw))
    assert ev.kind is kind


def test_offer_closed_fails_the_authorization() -> None:
    [ev] = parse(body(signed(item(eventCode="OFFER_CLOSED"))))
    assert ev.kind is OperationKind.AUTHORIZE
    assert ev.outcome is not None and ev.outcome.status is OutcomeStatus.FAILED


def test_unrelated_events_are_verified_but_ignored() -> None:
    [ev] = parse(body(signed(item(eventCode="REPORT_AVAILABLE", amount={"currency": "EUR", "value": 0}))))
    assert ev.kind is None and ev.outcome is None


def test_other_merchant_account_is_ignored() -> None:
    [ev] = parse(body(signed(item(merchantAccountCode="SomeoneElseECOM"))))
    assert ev.kind is None


def test_amount_converted_back_to_iso_minor_units() -> None:
    [ev] = parse(body(signed(item(amount={"currency": "CLP", "value": 500000}))))
    assert ev.outcome is not None and ev.outcome.amount == 5000


def test_ack_is_accepted_text() -> None:
    ack = adapter().webhook_ack([])
    assert (ack.status_code, ack.content_type, ack.body) == (200, "text/plain", b"[accepted]")
