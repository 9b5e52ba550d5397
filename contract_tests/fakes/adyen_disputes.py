"""Disputes in the Adyen fake: dispute notifications and the Disputes API's ``acceptDispute``.

From Adyen's docs (https://docs.adyen.com/risk-management/disputes-api):

* the issuer's side is :meth:`AdyenDisputes.notify` (a test calls it): a standard,
  HMAC-signed notification with ``eventCode`` (REQUEST_FOR_INFORMATION,
  NOTIFICATION_OF_CHARGEBACK, CHARGEBACK, CHARGEBACK_REVERSED, SECOND_CHARGEBACK,
  PREARBITRATION_WON, PREARBITRATION_LOST), the dispute's ``pspReference`` (one per
  dispute, for every event of it), the payment's ``originalReference`` and
  ``merchantReference``, the disputed ``amount``, ``reason`` and ``additionalData``
  (``chargebackReasonCode`` / ``rfiReasonCode``, ``chargebackSchemeCode``,
  ``defensePeriodEndsAt``, ``disputeStatus``, ``defendable``);
* ``POST /ca/services/DisputeService/v30/acceptDispute`` ``{"disputePspReference",
  "merchantAccountCode"}`` (both required, no other field; ``X-API-Key``): 200
  ``{"disputeServiceResult": {"success": true}}``, or ``success: false`` with an
  ``errorMessage`` for an unknown dispute or one that can no longer be accepted.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

ACCEPT_PATH = "/ca/services/DisputeService/v30/acceptDispute"
ACCEPT_FIELDS = frozenset({"disputePspReference", "merchantAccountCode"})
CLOSED_STATUSES = frozenset({"Accepted", "Lost", "Won", "Expired"})
DEFAULT_STATUS = {
    "REQUEST_FOR_INFORMATION": "Undefended",
    "NOTIFICATION_OF_CHARGEBACK": "Undefended",
    "CHARGEBACK": "Undefended",
    "CHARGEBACK_REVERSED": "Won",
    "SECOND_CHARGEBACK": "Lost",
    "PREARBITRATION_WON": "Won",
    "PREARBITRATION_LOST": "Lost",
}


@dataclass
class FakeDispute:
    psp: str
    payment_psp: str
    merchant_reference: str
    amount: int  # Adyen minor units
    currency: str
    reason_code: str
    reason: str
    status: str = "Undefended"


class AdyenDisputes:
    def __init__(self, notify: Callable[[dict[str, Any]], None], merchant_account: Callable[[], str], api_key: Callable[[], str]) -> None:
        self._notify = notify
        self._merchant = merchant_account
        self._api_key = api_key
        self.disputes: dict[str, FakeDispute] = {}

    def open(
        self, payment_psp: str, merchant_reference: str, amount: int, currency: str,
        *, reason_code: str = "10.4", reason: str = "Other Fraud-Card Absent Environment",
    ) -> FakeDispute:  # fmt: skip
        d = FakeDispute(
            psp=f"DSP{secrets.token_hex(6).upper()}"[:16],
            payment_psp=payment_psp,
            merchant_reference=merchant_reference,
            amount=amount,
            currency=currency,
            reason_code=reason_code,
            reason=reason,
        )
        self.disputes[d.psp] = d
        return d

    def notify(self, d: FakeDispute, event_code: str, *, dispute_status: str | None = None) -> None:
        d.status = dispute_status or DEFAULT_STATUS.get(event_code, d.status)
        due = (datetime.now(UTC) + timedelta(days=14)).replace(microsecond=0).isoformat()
        code_field = "rfiReasonCode" if event_code == "REQUEST_FOR_INFORMATION" else "chargebackReasonCode"
        self._notify(
            {
                "amount": {"currency": d.currency, "value": d.amount},
                "eventCode": event_code,
                "merchantReference": d.merchant_reference,
                "originalReference": d.payment_psp,
                "pspReference": d.psp,
                "paymentMethod": "visa",
                "reason": d.reason,
                "success": "true",
                "additionalData": {
                    code_field: d.reason_code,
                    "chargebackSchemeCode": "visa",
                    "defensePeriodEndsAt": due,
                    "disputeStatus": d.status,
                    "defendable": "true" if d.status == "Undefended" else "false",
                },
            }
        )

    def accept(self, headers: Mapping[str, str], raw: bytes) -> tuple[int, dict[str, Any]]:
        if headers.get("x-api-key") != self._api_key():
            return 401, {"status": 401, "errorCode": "000", "message": "HTTP Status Response - Unauthorized", "errorType": "security"}
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            return 400, {"status": 400, "errorCode": "702", "message": "Unexpected input", "errorType": "validation"}
        unknown = sorted(set(payload) - ACCEPT_FIELDS)
        missing = sorted(ACCEPT_FIELDS - set(payload))
        if unknown or missing:
            what = f"unknown fields: {unknown}" if unknown else f"required fields missing: {missing}"
            return 422, {"status": 422, "errorCode": "702", "message": what, "errorType": "validation"}
        if payload["merchantAccountCode"] != self._merchant():
            return 403, {"status": 403, "errorCode": "901", "message": "Invalid Merchant Account", "errorType": "security"}
        d = self.disputes.get(str(payload["disputePspReference"]))
        if d is None:
            return 200, {"disputeServiceResult": {"success": False, "errorMessage": "Dispute not found"}}
        if d.status in CLOSED_STATUSES:
            return 200, {"disputeServiceResult": {"success": False, "errorMessage": f"Dispute is {d.status}"}}
        d.status = "Accepted"
        return 200, {"disputeServiceResult": {"success": True}}
