"""A stateful Square fake (a plain ASGI app) for the contract suite.

From Square's public API reference and OpenAPI document (``api.json``):

* ``Authorization: Bearer <access_token>`` else 401 ``UNAUTHORIZED``; ``Square-Version``
  must be a date (``INVALID_SQUARE_VERSION_FORMAT``);
* ``POST /v2/payments`` (CreatePayment), ``GET /v2/payments``, ``GET /v2/payments/{id}``,
  ``PUT /v2/payments/{id}`` (UpdatePayment: an APPROVED payment's amount, down only),
  ``POST /v2/payments/{id}/complete`` | ``/cancel``, ``POST /v2/refunds``,
  ``GET /v2/refunds/{id}``; unknown body fields -> 400 ``UNKNOWN_BODY_PARAMETER``; field
  lengths as documented (idempotency_key 45, reference_id 40, note 500, reason 192);
  ``amount_money`` a positive integer in the location's currency (``CURRENCY_MISMATCH``);
* ``idempotency_key``: the same key with the same body answers the first result again,
  with another body -> 400 ``IDEMPOTENCY_KEY_REUSED``;
* source ids: Square's sandbox test values (``cnon:card-nonce-ok``,
  ``cnon:card-nonce-declined``, ``cnon:card-nonce-rejected-cvv``,
  ``cnon:card-nonce-rejected-expiration``, ...) plus a few fake-only ones; anything that
  looks like a card number -> 400 ``INVALID_CARD_DATA``;
* webhooks: ``payment.created`` / ``payment.updated`` / ``refund.created`` signed with
  ``x-square-hmacsha256-signature`` = base64 HMAC-SHA256(key, notification URL + body).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from adapters.base import Account, BankAccount, DeclineCode, NextAction, OperationKind, PaymentMethod
from adapters.square.webhook import sign as square_sign
from contract_tests.fakes.base import ASGIApp, Notification

CURRENCY = "EUR"
DECLINES: dict[str, str] = {
    "cnon:card-nonce-declined": "CARD_DECLINED",
    "cnon:card-nonce-rejected-cvv": "CVV_FAILURE",
    "cnon:card-nonce-rejected-expiration": "INVALID_EXPIRATION",
    "cnon:card-nonce-rejected-postalcode": "ADDRESS_VERIFICATION_FAILURE",
    "cnon:fake-insufficient-funds": "INSUFFICIENT_FUNDS",
    "cnon:fake-verification-required": "CARD_DECLINED_VERIFICATION_REQUIRED",
    "cnon:fake-transaction-limit": "TRANSACTION_LIMIT",
    "cnon:fake-card-not-supported": "CARD_NOT_SUPPORTED",
}
_FAMILY = {
    DeclineCode.DO_NOT_HONOR: "cnon:card-nonce-declined",
    DeclineCode.INCORRECT_CVC: "cnon:card-nonce-rejected-cvv",
    DeclineCode.EXPIRED_CARD: "cnon:card-nonce-rejected-expiration",
    DeclineCode.INSUFFICIENT_FUNDS: "cnon:fake-insufficient-funds",
    DeclineCode.AUTHENTICATION_REQUIRED: "cnon:fake-verification-required",
    DeclineCode.LIMIT_EXCEEDED: "cnon:fake-transaction-limit",
    DeclineCode.CARD_NOT_SUPPORTED: "cnon:fake-card-not-supported",
}
APPROVE = "cnon:card-nonce-ok"
CREATE_FIELDS: dict[str, type] = {"source_id": str, "idempotency_key": str, "amount_money": dict, "tip_money": dict,
                 "app_fee_money": dict, "delay_duration": str, "delay_action": str, "autocomplete": bool,
                 "order_id": str, "customer_id": str, "location_id": str, "team_member_id": str,
                 "reference_id": str, "verification_token": str, "accept_partial_authorization": bool,
                 "buyer_email_address": str, "buyer_phone_number": str, "billing_address": dict,
                 "shipping_address": dict, "note": str, "statement_description_identifier": str,
                 "customer_details": dict}
REFUND_FIELDS: dict[str, type] = {"idempotency_key": str, "amount_money": dict, "app_fee_money": dict, "payment_id": str,
                 "destination_id": str, "unlinked": bool, "location_id": str, "customer_id": str,
                 "reason": str, "payment_version_token": str, "team_member_id": str}
TRANSITION_FIELDS: dict[str, type] = {"version_token": str}
UPDATE_FIELDS: dict[str, type] = {"idempotency_key": str, "payment": dict}
UPDATE_PAYMENT_FIELDS: dict[str, type] = {"amount_money": dict, "tip_money": dict, "version_token": str}
EDITABLE = ["EDIT_AMOUNT_UP", "EDIT_AMOUNT_DOWN", "EDIT_TIP_AMOUNT_UP", "EDIT_TIP_AMOUNT_DOWN", "EDIT_DELAY_ACTION"]
LIMITS = {"idempotency_key": 45, "reference_id": 40, "note": 500, "reason": 192}


class SquareError(Exception):
    def __init__(self, status: int, code: str, detail: str, field: str | None = None,
                 category: str = "INVALID_REQUEST_ERROR", payment: dict[str, Any] | None = None,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.detail, self.field, self.category = status, code, detail, field, category
        self.payment, self.errors = payment, errors

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"category": self.category, "code": self.code, "detail": self.detail}
        if self.field:
            error["field"] = self.field
        out: dict[str, Any] = {"errors": self.errors or [error]}
        if self.payment is not None:
            out["payment"] = self.payment
        return out


def _check(body: Any, fields: dict[str, type], required: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise SquareError(400, "EXPECTED_JSON_BODY", "the body must be a JSON object")
    for key, value in body.items():
        if key not in fields:
            raise SquareError(400, "UNKNOWN_BODY_PARAMETER", f"Unknown body parameter: {key}", key)
        if not isinstance(value, fields[key]) or (fields[key] is int and isinstance(value, bool)):
            raise SquareError(400, "INCORRECT_TYPE", f"{key} has the wrong type", key)
        if key in LIMITS and isinstance(value, str) and len(value) > LIMITS[key]:
            raise SquareError(400, "VALUE_TOO_LONG", f"{key} is longer than {LIMITS[key]}", key)
    for key in required:
        if not body.get(key):
            raise SquareError(400, "MISSING_REQUIRED_PARAMETER", f"{key} is required", key)
    return body


def _money(value: Any, field: str, currency: str = CURRENCY) -> dict[str, Any]:
    if not isinstance(value, dict) or set(value) - {"amount", "currency"}:
        raise SquareError(400, "INVALID_VALUE", "amount_money takes amount and currency", field)
    amount = value.get("amount")
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise SquareError(400, "INVALID_VALUE", "amount must be a positive integer", f"{field}.amount")
    if value.get("currency") != currency:
        raise SquareError(400, "CURRENCY_MISMATCH", f"the location's currency is {currency}", f"{field}.currency")
    return {"amount": amount, "currency": currency}


class Fake:
    adapter_name = "square"
    supports_stale_check = False  # Square's scheme signs URL + body, no timestamp

    def __init__(self, *, currency: str = CURRENCY) -> None:
        self.currency = currency  # the location's currency (Square sandbox locations: USD)
        self.access_token = "EAAAE" + secrets.token_urlsafe(24)
        self.location_id = "L" + secrets.token_hex(6).upper()
        self.signature_key = secrets.token_urlsafe(16)
        self.webhook_url = "https://hub.example/v1/webhooks/square-fake"
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self.counts: Counter[OperationKind] = Counter()
        self.events: list[dict[str, Any]] = []
        self.offset = 0.0
        self._keys: dict[str, tuple[str, int, bytes]] = {}
        self.requests: list[tuple[str, str, bytes]] = []

    # ------------------------------------------------------------------ ProviderFake
    @property
    def app(self) -> ASGIApp:
        return self._asgi

    def account(self, base_url: str) -> Account:
        return Account(id="square-fake", adapter="square", base_url=base_url,
                       credentials={"access_token": self.access_token, "location_id": self.location_id,
                                    "webhook_signature_key": self.signature_key, "webhook_url": self.webhook_url})

    def approve_method(self) -> PaymentMethod:
        return PaymentMethod(type="provider_token", token=APPROVE)

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        return {code: PaymentMethod(type="provider_token", token=nonce) for code, nonce in _FAMILY.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return None

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        raise NotImplementedError("Square's SCA runs in the buyer's browser (verifyBuyer)")

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return None, None

    def count(self, kind: OperationKind) -> int:
        return self.counts[kind]

    def notifications(self) -> list[Notification]:
        return [self.resign(json.dumps(e).encode()) for e in self.events]

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        return square_sign(body, self.signature_key, self.webhook_url)

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        try:
            event_type = str(json.loads(body).get("type", "unknown"))
        except (ValueError, AttributeError):
            event_type = "unknown"
        return Notification({"content-type": "application/json", **self.sign(body)}, body, event_type)

    async def advance(self, seconds: float = 0.0) -> None:
        self.offset += seconds

    # ------------------------------------------------------------------ world
    def _stamp(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + self.offset))

    def _emit(self, event_type: str, kind: str, obj: dict[str, Any]) -> None:
        self.events.append({"merchant_id": "MLFAKE", "type": event_type, "event_id": secrets.token_hex(16),
                            "created_at": self._stamp(), "data": {"type": kind, "id": obj["id"],
                                                                  "object": {kind: dict(obj)}}})

    def _payment(self, payment_id: str) -> dict[str, Any]:
        if payment_id not in self.payments:
            raise SquareError(404, "NOT_FOUND", f"Could not find payment with id: {payment_id}",
                              category="INVALID_REQUEST_ERROR")
        return self.payments[payment_id]

    def create_payment(self, body: dict[str, Any]) -> dict[str, Any]:
        _check(body, CREATE_FIELDS, ("source_id", "idempotency_key"))
        money = _money(body.get("amount_money"), "amount_money", self.currency)
        if body.get("location_id", self.location_id) != self.location_id:
            raise SquareError(400, "INVALID_LOCATION", "unknown location", "location_id",
                              category="AUTHENTICATION_ERROR")
        source = body["source_id"]
        if re.fullmatch(r"[0-9 -]{12,23}", source):
            raise SquareError(400, "INVALID_CARD_DATA", "source_id must be a token, not card data", "source_id")
        if not (source in DECLINES or source == APPROVE or source.startswith("ccof:")):
            raise SquareError(400, "INVALID_CARD_DATA", "unknown source_id", "source_id",
                              category="PAYMENT_METHOD_ERROR")
        pay_id = secrets.token_urlsafe(21).replace("-", "x").replace("_", "y")
        declined = DECLINES.get(source)
        autocomplete = body.get("autocomplete", True)
        payment: dict[str, Any] = {
            "id": pay_id, "created_at": self._stamp(), "updated_at": self._stamp(),
            "amount_money": money, "total_money": money, "approved_money": money,
            "status": "FAILED" if declined else ("COMPLETED" if autocomplete else "APPROVED"),
            "source_type": "CARD", "location_id": self.location_id, "refund_ids": [],
            "card_details": {"status": "FAILED" if declined else ("CAPTURED" if autocomplete else "AUTHORIZED"),
                             "card": {"card_brand": "VISA", "last_4": "1111"}, "entry_method": "KEYED",
                             "cvv_status": "CVV_REJECTED" if declined == "CVV_FAILURE" else "CVV_ACCEPTED"},
        }
        if payment["status"] == "APPROVED":
            payment["capabilities"] = list(EDITABLE)
        for key in ("reference_id", "note"):
            if key in body:
                payment[key] = body[key]
        self.payments[pay_id] = payment
        self.counts[OperationKind.AUTHORIZE] += 1
        if declined:
            errors = [{"category": "PAYMENT_METHOD_ERROR", "code": "GENERIC_DECLINE",
                       "detail": "Authorization error: 'GENERIC_DECLINE'"}] if declined != "CARD_DECLINED" else []
            errors.append({"category": "PAYMENT_METHOD_ERROR", "code": declined,
                           "detail": f"Authorization error: '{declined}'"})
            payment["card_details"]["errors"] = errors
            self._emit("payment.created", "payment", payment)
            raise SquareError(400, declined, f"Authorization error: '{declined}'", category="PAYMENT_METHOD_ERROR",
                              payment=payment, errors=errors)
        self._emit("payment.created", "payment", payment)
        return {"payment": payment}

    def update(self, payment_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """UpdatePayment: only an APPROVED payment; here only its amount, never above what was approved."""
        _check(body, UPDATE_FIELDS, ("idempotency_key",))
        changes = _check(body.get("payment") or {}, UPDATE_PAYMENT_FIELDS, ())
        payment = self._payment(payment_id)
        if payment["status"] != "APPROVED":
            raise SquareError(400, "BAD_REQUEST", f"payment is {payment['status']}: only APPROVED can be updated")
        if "amount_money" in changes:
            money = _money(changes["amount_money"], "payment.amount_money", self.currency)
            if money["amount"] > payment["approved_money"]["amount"]:
                raise SquareError(400, "AMOUNT_TOO_HIGH", "above the approved amount", "payment.amount_money")
            payment["amount_money"] = payment["total_money"] = money
        payment["updated_at"] = self._stamp()
        return {"payment": payment}

    def transition(self, payment_id: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
        _check(body, TRANSITION_FIELDS, ())
        payment = self._payment(payment_id)
        if payment["status"] != "APPROVED":
            raise SquareError(400, "BAD_REQUEST", f"payment is {payment['status']}: it cannot be {action}d")
        payment.pop("capabilities", None)
        if action == "complete":
            payment["status"], payment["card_details"]["status"] = "COMPLETED", "CAPTURED"
            self.counts[OperationKind.CAPTURE] += 1
        else:
            payment["status"], payment["card_details"]["status"] = "CANCELED", "VOIDED"
            self.counts[OperationKind.VOID] += 1
        payment["updated_at"] = self._stamp()
        self._emit("payment.updated", "payment", payment)
        return {"payment": payment}

    def refund(self, body: dict[str, Any]) -> dict[str, Any]:
        _check(body, REFUND_FIELDS, ("idempotency_key", "amount_money", "payment_id"))
        money = _money(body.get("amount_money"), "amount_money", self.currency)
        payment = self._payment(body["payment_id"])
        if payment["status"] != "COMPLETED":
            raise SquareError(400, "REFUND_ERROR_PAYMENT_NEEDS_COMPLETION", "the payment is not completed",
                              category="REFUND_ERROR")
        refunded = payment.get("refunded_money", {"amount": 0})["amount"]
        if refunded + money["amount"] > payment["total_money"]["amount"]:
            raise SquareError(400, "REFUND_AMOUNT_INVALID", "the refund exceeds what is left", "amount_money",
                              category="REFUND_ERROR")
        ref_id = f"{payment['id']}_{secrets.token_hex(12)}"
        refund = {"id": ref_id, "status": "COMPLETED", "amount_money": money, "payment_id": payment["id"],
                  "location_id": self.location_id, "created_at": self._stamp(), "updated_at": self._stamp()}
        if "reason" in body:
            refund["reason"] = body["reason"]
        self.refunds[ref_id] = refund
        payment["refund_ids"].append(ref_id)
        payment["refunded_money"] = {"amount": refunded + money["amount"], "currency": self.currency}
        self.counts[OperationKind.REFUND] += 1
        self._emit("refund.created", "refund", refund)
        return {"refund": refund}

    def list_payments(self, query: str) -> dict[str, Any]:
        return {"payments": sorted(self.payments.values(), key=lambda p: p["created_at"], reverse=True)}

    # ------------------------------------------------------------------ HTTP
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], raw: bytes) -> tuple[int, Any]:
        self.requests.append((method, path, raw))
        if headers.get("authorization") != f"Bearer {self.access_token}":
            return 401, SquareError(401, "UNAUTHORIZED", "This request could not be authorized.",
                                    category="AUTHENTICATION_ERROR").body()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", headers.get("square-version", "")):
            return 400, SquareError(400, "INVALID_SQUARE_VERSION_FORMAT", "Square-Version must be a date").body()
        try:
            body: Any = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return 400, SquareError(400, "EXPECTED_JSON_BODY", "the body is not JSON").body()
        try:
            keyed = (method == "POST" and path in ("/v2/payments", "/v2/refunds")) or method == "PUT"
            if keyed:
                key = body.get("idempotency_key") if isinstance(body, dict) else None
                fingerprint = hashlib.sha256(f"{method} {path}".encode() + raw).hexdigest()
                if isinstance(key, str) and key in self._keys:
                    saved = self._keys[key]
                    if saved[0] != fingerprint:
                        raise SquareError(400, "IDEMPOTENCY_KEY_REUSED",
                                          "The idempotency key can only be retried with the same request data.",
                                          "idempotency_key")
                    return saved[1], json.loads(saved[2])
                try:
                    result: Any
                    if method == "PUT":
                        result = self.update(path.rsplit("/", 1)[-1], body)
                    else:
                        result = self.create_payment(body) if path == "/v2/payments" else self.refund(body)
                    status = 200
                except SquareError as exc:
                    if exc.category not in ("PAYMENT_METHOD_ERROR", "REFUND_ERROR"):
                        raise
                    status, result = exc.status, exc.body()
                if isinstance(key, str):
                    self._keys[key] = (fingerprint, status, json.dumps(result).encode())
                return status, result
            match = re.fullmatch(r"/v2/payments/([A-Za-z0-9]+)(?:/(complete|cancel))?", path)
            if match and method == "POST" and match[2]:
                return 200, self.transition(match[1], match[2], body)
            if match and method == "GET" and not match[2]:
                return 200, {"payment": self._payment(match[1])}
            if method == "GET" and path == "/v2/payments":
                return 200, self.list_payments(query)
            match = re.fullmatch(r"/v2/refunds/([A-Za-z0-9_]+)", path)
            if match and method == "GET":
                if match[1] not in self.refunds:
                    raise SquareError(404, "NOT_FOUND", "no such refund")
                return 200, {"refund": self.refunds[match[1]]}
        except SquareError as exc:
            return exc.status, exc.body()
        return 404, SquareError(404, "NOT_FOUND", "no such endpoint").body()

    async def _asgi(self, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                    send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        status, body = self.handle(scope["method"], scope["path"], scope.get("query_string", b"").decode(),
                                   headers, b"".join(chunks))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})
