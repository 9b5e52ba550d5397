"""A stateful fake of Adyen's Checkout API v71, written from Adyen's public docs.

What it serves (an ASGI app, Litestar):

* ``POST /v71/payments``: X-API-Key auth (401 otherwise, 403 for a merchant
  account the key cannot use), JSON validation with Adyen-style errors
  (``{"status", "errorCode", "message", "errorType"}``; unknown fields -> 422
  errorCode 702), raw card fields for Adyen's test cards (expiry 03/2030, CVC
  737 / Amex 7373; wrong CVC or expiry -> Refused 2), result simulation by
  ``holderName`` (DECLINED, CARD_EXPIRED, NOT_ENOUGH_BALANCE, CVC_DECLINED,
  BLOCK_CARD, FRAUD, PENDING, ERROR, ...) or
  ``additionalData.RequestedTestAcquirerResponseCode``, a stored card
  (``storedPaymentMethodId`` + ``shopperReference``), manual capture
  (``additionalData.manualCapture``) or immediate capture, and the 3DS2 test
  cards (4917 6100 0000 0000, ...) answering ``RedirectShopper`` with a redirect
  action to a challenge page that sends the shopper back with ``redirectResult``;
* ``POST /v71/payments/details``: finishes the redirect (``redirectResult``);
* ``POST /v71/payments/{pspReference}/captures|refunds|cancels``: answer 201
  ``status: received``; the modification is processed when provider time
  passes (:meth:`Fake.advance`), which emits CAPTURE / REFUND / CANCELLATION
  (success true or false) and, for holderName ``capture failed`` /
  ``refund failed``, CAPTURE_FAILED / REFUND_FAILED afterwards;
* ``GET /reports/download/MerchantAccount/{merchant}/settlement_detail_report_batch_{n}.csv``:
  the Settlement details report of a closed batch (basic auth, the report user;
  ``contract_tests.fakes.adyen_reports``);
* ``GET /hpp/3ds/{token}`` and ``POST /hpp/3ds/{token}/complete``: the
  challenge page (the suite usually short-cuts it with :meth:`complete_challenge`).

``Idempotency-Key`` is honoured on every POST: a repeated key returns the
stored first answer (Adyen: "the response to the first attempt will be
returned"), with the key echoed in the response header; replays are not new
operations. The same key with another body is refused (422, an error naming the
key); keys are kept ``IDEMPOTENCY_WINDOW_SECONDS`` (Adyen: at least 7 days) on the
fake's own clock, which :meth:`Fake.advance` moves. Every state change produces an HMAC-signed standard notification
(``additionalData.hmacSignature``, the account's hex ``hmac_key``); Adyen has no
signed timestamp, so ``supports_stale_check`` is False.

AUTHORISATION notifications carry ``operations``: ``["CANCEL", "CAPTURE",
"REFUND"]`` for a manual-capture payment and ``["REFUND"]`` for one captured
at once.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from litestar import Litestar, Request, Response, get, post

from adapters.base import (
    Account,
    BankAccount,
    Card,
    DeclineCode,
    NextAction,
    OperationKind,
    PaymentMethod,
)
from contract_tests.fakes import adyen_data as data
from contract_tests.fakes.adyen_disputes import ACCEPT_PATH, AdyenDisputes
from contract_tests.fakes.adyen_reports import AdyenReports
from contract_tests.fakes.base import ASGIApp, Notification
from webhooks.adyen import sign_item

API_VERSION = "v71"
MERCHANT_ACCOUNT = "PayhubTestECOM"


class AdyenError(Exception):
    def __init__(self, status: int, code: str, message: str, error_type: str = "validation") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.error_type = error_type


@dataclass
class FakePayment:
    psp: str
    reference: str
    amount: int  # Adyen minor units
    currency: str
    manual: bool
    holder: str
    brand: str
    return_url: str
    result: tuple[str, str | None, str | None]  # resultCode, refusalReason, refusalReasonCode
    status: str = "Pending"
    captured: int = 0
    refunded: int = 0
    cancelled: bool = False
    redirect_token: str | None = None
    challenge: str | None = None  # "Y" / "N" once the shopper acted
    merchant_order_reference: str | None = None


@dataclass
class Modification:
    psp: str
    kind: str  # "captures" | "refunds" | "cancels"
    payment: FakePayment
    amount: int | None
    currency: str | None
    reference: str | None
    processed: bool = False


IDEMPOTENCY_WINDOW_SECONDS = 7 * 86400.0


@dataclass
class _Stored:
    status: int
    body: dict[str, Any]
    fingerprint: str = ""  # the request body, canonical JSON
    at: float = 0.0  # fake-clock time of the first use


@dataclass
class World:
    api_key: str
    merchant_account: str
    hmac_key: str
    payments: dict[str, FakePayment] = field(default_factory=dict)
    by_token: dict[str, FakePayment] = field(default_factory=dict)
    modifications: list[Modification] = field(default_factory=list)
    idempotency: dict[str, _Stored] = field(default_factory=dict)
    counts: Counter[OperationKind] = field(default_factory=Counter)
    sent: list[Notification] = field(default_factory=list)
    seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    clock_offset: float = 0.0

    def clock(self) -> float:
        """Wall time plus every ``advance()``: idempotency keys expire by this clock."""
        return time.time() + self.clock_offset


def _luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _error_body(exc: AdyenError) -> dict[str, Any]:
    return {
        "status": exc.status,
        "errorCode": exc.code,
        "message": exc.message,
        "errorType": exc.error_type,
        "pspReference": f"ERR{secrets.token_hex(6).upper()}",
    }


def _unknown(struct: str, payload: Mapping[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(k for k in payload if k not in allowed)
    if extra:
        raise AdyenError(422, "702", f"Structure of {struct} contains the following unknown fields: {extra}")


def _amount(payload: Mapping[str, Any], *, required: bool = True) -> tuple[int, str] | None:
    amount = payload.get("amount")
    if amount is None:
        if required:
            raise AdyenError(422, "100", "Required field 'amount' is not provided.")
        return None
    if not isinstance(amount, dict) or set(amount) - {"value", "currency"}:
        raise AdyenError(422, "702", "Structure of Amount contains unknown fields or is not an object")
    value, currency = amount.get("value"), amount.get("currency")
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AdyenError(422, "137", "Invalid amount specified")
    if (
        not isinstance(currency, str)
        or len(currency) != 3
        or not currency.isalpha()
        or not currency.isupper()
    ):
        raise AdyenError(422, "138", "Unsupported currency specified")
    return value, currency


class Fake:
    """One Adyen world (see the module docstring)."""

    adapter_name = "adyen"
    supports_stale_check = False

    def __init__(self, *, api_key: str | None = None, hmac_key: str | None = None) -> None:
        self.world = World(
            api_key=api_key or f"AQE_fake_{secrets.token_hex(16)}",
            merchant_account=MERCHANT_ACCOUNT,
            hmac_key=hmac_key or secrets.token_hex(32).upper(),
        )
        # settlement reports (contract_tests.fakes.adyen_reports): every notified money movement
        # is booked; close_batch() publishes the report of the open batch
        self.reports = AdyenReports(lambda: self.world.merchant_account, self._payment_reference)
        self._notify = self.reports.watch(self._notify)  # type: ignore[method-assign,assignment]
        # disputes (contract_tests.fakes.adyen_disputes); the issuer's side: self.disputes.notify(...)
        self.disputes = AdyenDisputes(self._notify, lambda: self.world.merchant_account, lambda: self.world.api_key)
        self._app = self._build_app()

    # ------------------------------------------------------------------ ProviderFake
    @property
    def app(self) -> ASGIApp:
        return self._app

    def account(self, base_url: str) -> Account:
        return Account(
            id="adyen-fake",
            adapter="adyen",
            base_url=base_url,
            credentials={
                "api_key": self.world.api_key,
                "merchant_account": self.world.merchant_account,
                "hmac_key": self.world.hmac_key,
                "report_username": self.reports.username,
                "report_password": self.reports.password,
            },
            settings={"report_base_url": base_url},
        )

    def close_books(self) -> None:
        """Close the open payable batch: its Settlement details report is published."""
        self.reports.close_batch()

    def _payment_reference(self, psp: str) -> str | None:
        payment = self.world.payments.get(psp)
        return payment.reference if payment is not None else None

    @staticmethod
    def _card(number: str, holder: str | None = None, cvc: str | None = None) -> PaymentMethod:
        brand_cvc = data.TEST_CARDS.get(number, ("visa", "737", False))[1]
        return PaymentMethod(
            type="card",
            card=Card(number=number, exp_month=3, exp_year=2030, cvc=cvc or brand_cvc, holder_name=holder),
        )

    def approve_method(self) -> PaymentMethod:
        return self._card(data.APPROVE_CARD, "J. Smith")

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        holders = {
            DeclineCode.DO_NOT_HONOR: "DECLINED",
            DeclineCode.INSUFFICIENT_FUNDS: "NOT_ENOUGH_BALANCE",
            DeclineCode.EXPIRED_CARD: "CARD_EXPIRED",
            DeclineCode.INCORRECT_CVC: "CVC_DECLINED",
            DeclineCode.INCORRECT_NUMBER: "INVALID_CARD_NUMBER",
            DeclineCode.LOST_OR_STOLEN: "BLOCK_CARD",
            DeclineCode.FRAUD_SUSPECTED: "FRAUD",
            DeclineCode.CARD_NOT_SUPPORTED: "NOT_SUPPORTED",
            DeclineCode.INVALID_AMOUNT: "INVALID_AMOUNT",
            DeclineCode.LIMIT_EXCEEDED: "WITHDRAWAL_AMOUNT_EXCEEDED",
            DeclineCode.AUTHENTICATION_REQUIRED: "AUTHENTICATION_REQUIRED",
        }
        return {code: self._card(data.APPROVE_CARD, holder) for code, holder in holders.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return self._card(data.THREE_DS_CARD, "J. Smith")

    def stored_method(self) -> tuple[PaymentMethod, dict[str, str]]:
        """A provider token and the metadata the adapter needs with it (shopper_reference)."""
        return (
            PaymentMethod(type="provider_token", token=data.STORED_METHOD_ID),
            {"shopper_reference": data.STORED_SHOPPER},
        )

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        token = self._token_from(next_action.url or "")
        payment = self.world.by_token.get(token)
        if payment is None:
            raise ValueError(f"no challenge behind {next_action.url!r}")
        return {"redirectResult": self._finish_challenge(payment, succeed)}

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return (None, None)

    def count(self, kind: OperationKind) -> int:
        return self.world.counts[kind]

    def notifications(self) -> list[Notification]:
        return list(self.world.sent)

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        return {}  # Adyen signs inside the body: see resign()

    def resign(
        self, body: bytes, *, timestamp: int | None = None, hmac_key: str | None = None
    ) -> Notification:
        doc = json.loads(body)
        for wrapper in doc.get("notificationItems", []):
            item = wrapper.get("NotificationRequestItem", {})
            extra = item.setdefault("additionalData", {})
            extra["hmacSignature"] = sign_item(item, hmac_key or self.world.hmac_key)
        first = doc.get("notificationItems", [{}])[0].get("NotificationRequestItem", {})
        return Notification(
            {"content-type": "application/json"}, json.dumps(doc).encode(), str(first.get("eventCode", ""))
        )

    async def advance(self, seconds: float = 0.0) -> None:
        """Provider time passes: pending authorisations settle, modifications are processed."""
        self.world.clock_offset += seconds
        for payment in list(self.world.payments.values()):
            if payment.status == "Received":
                payment.status = "Authorised"
                if not payment.manual:
                    payment.captured = payment.amount
                self._notify_authorisation(payment, True, None)
        for mod in self.world.modifications:
            if not mod.processed:
                mod.processed = True
                self._process(mod)

    def rotate_hmac_key(self) -> str:
        """Sign from now on with a new key; returns the previous one (for hmac_key_previous)."""
        old = self.world.hmac_key
        self.world.hmac_key = secrets.token_hex(32).upper()
        return old

    # ------------------------------------------------------------------ internals
    def _psp(self) -> str:
        return f"{next(self.world.seq):06d}{secrets.token_hex(5).upper()}"[:16]

    @staticmethod
    def _token_from(url: str) -> str:
        parts = urlsplit(url).path.rstrip("/").split("/")
        return parts[-1] if parts else ""

    def _finish_challenge(self, payment: FakePayment, succeed: bool) -> str:
        payment.challenge = "Y" if succeed else "N"
        raw = f"{payment.redirect_token}:{payment.challenge}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def _notify(self, item: dict[str, Any]) -> None:
        item.setdefault("eventDate", datetime.now(UTC).isoformat(timespec="seconds"))
        item["merchantAccountCode"] = self.world.merchant_account
        item["additionalData"] = dict(item.get("additionalData") or {})
        item["additionalData"]["hmacSignature"] = sign_item(item, self.world.hmac_key)
        body = json.dumps({"live": "false", "notificationItems": [{"NotificationRequestItem": item}]})
        self.world.sent.append(
            Notification({"content-type": "application/json"}, body.encode(), item["eventCode"])
        )

    def _notify_authorisation(self, p: FakePayment, success: bool, reason: str | None) -> None:
        item: dict[str, Any] = {
            "amount": {"currency": p.currency, "value": p.amount},
            "eventCode": "AUTHORISATION",
            "merchantReference": p.reference,
            "paymentMethod": p.brand,
            "pspReference": p.psp,
            "reason": reason or ("123456:1111:03/2030" if success else "Refused"),
            "success": "true" if success else "false",
        }
        if success:
            item["operations"] = ["CANCEL", "CAPTURE", "REFUND"] if p.manual else ["REFUND"]
        else:
            code = p.result[2]
            if code:
                item["additionalData"] = {"refusalReasonCode": code}
        self._notify(item)

    def _notify_modification(self, mod: Modification, event: str, success: bool, reason: str = "") -> None:
        item: dict[str, Any] = {
            "eventCode": event,
            "merchantReference": mod.reference or mod.payment.reference,
            "originalReference": mod.payment.psp,
            "pspReference": mod.psp,
            "paymentMethod": mod.payment.brand,
            "reason": reason,
            "success": "true" if success else "false",
            "amount": {
                "currency": mod.currency or mod.payment.currency,
                "value": mod.amount if mod.amount is not None else mod.payment.amount,
            },
        }
        self._notify(item)

    def _process(self, mod: Modification) -> None:
        p = mod.payment
        amount = mod.amount or 0
        if mod.kind == "captures":
            ok = p.status == "Authorised" and not p.cancelled and p.captured + amount <= p.amount
            if ok:
                p.captured += amount
            self._notify_modification(mod, "CAPTURE", ok, "" if ok else "Insufficient balance on payment")
            if ok and p.holder == data.CAPTURE_FAILED_HOLDER:
                p.captured -= amount
                self._notify_modification(mod, "CAPTURE_FAILED", True, "Capture failed by the acquirer")
        elif mod.kind == "refunds":
            ok = p.status == "Authorised" and p.refunded + amount <= p.captured
            if ok:
                p.refunded += amount
            self._notify_modification(mod, "REFUND", ok, "" if ok else "Insufficient balance on payment")
            if ok and p.holder == data.REFUND_FAILED_HOLDER:
                p.refunded -= amount
                self._notify_modification(mod, "REFUND_FAILED", True, "Refund failed by the acquirer")
        else:
            ok = p.status == "Authorised" and not p.cancelled and p.captured == 0
            if ok:
                p.cancelled = True
            self._notify_modification(mod, "CANCELLATION", ok, "" if ok else "Transaction is not cancellable")

    # ---- request handling (framework independent)
    def _authenticate(self, headers: Mapping[str, str]) -> None:
        if headers.get("x-api-key") != self.world.api_key:
            raise AdyenError(401, "000", "HTTP Status Response - Unauthorized", "security")

    def _merchant(self, payload: Mapping[str, Any]) -> None:
        merchant = payload.get("merchantAccount")
        if not merchant:
            raise AdyenError(422, "14_005", "Required field 'merchantAccount' is not provided.")
        if merchant != self.world.merchant_account:
            raise AdyenError(403, "901", "Invalid Merchant Account", "security")

    def handle(
        self, path: str, headers: Mapping[str, str], raw: bytes, base_url: str
    ) -> tuple[int, dict[str, Any]]:
        """Serve one API call; returns (status, JSON body)."""
        try:
            self._authenticate(headers)
            key = headers.get("idempotency-key")
            if key is not None and (not key or len(key) > 64):
                raise AdyenError(422, "14_0419", "Idempotency key must be 1-64 characters")
            stored_key = f"{self.world.api_key}:{key}" if key else None
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                raise AdyenError(400, "702", "Unexpected input: the body is not valid JSON") from None
            fingerprint = json.dumps([path, payload], sort_keys=True)
            stored = self.world.idempotency.get(stored_key) if stored_key else None
            if stored is not None and self.world.clock() - stored.at >= IDEMPOTENCY_WINDOW_SECONDS:
                stored = None  # expired: the key is new again
            if stored is not None:
                if stored.fingerprint != fingerprint:
                    raise AdyenError(
                        422,
                        "704",
                        f"Idempotency key '{key}' was already used with a different request body",
                    )
                return stored.status, stored.body
            if not isinstance(payload, dict):
                raise AdyenError(400, "702", "Unexpected input: a JSON object is expected")
            status, body = self._route(path, payload, base_url)
            if stored_key and status < 500:
                self.world.idempotency[stored_key] = _Stored(status, body, fingerprint, self.world.clock())
            return status, body
        except AdyenError as exc:
            return exc.status, _error_body(exc)

    def _route(self, path: str, payload: dict[str, Any], base_url: str) -> tuple[int, dict[str, Any]]:
        parts = path.strip("/").split("/")
        if parts[:1] != [API_VERSION]:
            raise AdyenError(404, "000", "Not found", "validation")
        rest = parts[1:]
        if rest == ["payments"]:
            return self._payments(payload, base_url)
        if rest == ["payments", "details"]:
            return self._details(payload)
        if len(rest) == 3 and rest[0] == "payments" and rest[2] in data.MODIFICATION_FIELDS:
            return self._modify(rest[1], rest[2], payload)
        raise AdyenError(404, "000", "Not found", "validation")

    # ---- /payments
    def _payments(self, payload: dict[str, Any], base_url: str) -> tuple[int, dict[str, Any]]:
        _unknown("PaymentRequest", payload, data.PAYMENT_FIELDS)
        self._merchant(payload)
        value, currency = _amount(payload) or (0, "")
        reference = payload.get("reference")
        if not isinstance(reference, str) or not reference:
            raise AdyenError(422, "130", "Required field 'reference' is not provided.")
        if len(reference) > 80:
            raise AdyenError(422, "130", "Reference may not exceed 80 characters")
        return_url = payload.get("returnUrl")
        if not isinstance(return_url, str) or not return_url.startswith(("http://", "https://")):
            raise AdyenError(422, "14_030", "Return URL is missing.")
        for name, allowed in (
            ("channel", {"iOS", "Android", "Web"}),
            ("shopperInteraction", {"Ecommerce", "ContAuth", "Moto", "POS"}),
        ):
            if name in payload and payload[name] not in allowed:
                raise AdyenError(422, "702", f"Invalid value for field '{name}'")
        capture_delay = payload.get("captureDelayHours")
        if capture_delay is not None and (not isinstance(capture_delay, int) or capture_delay < 0):
            raise AdyenError(422, "702", "Invalid value for field 'captureDelayHours'")
        additional = payload.get("additionalData") or {}
        if not isinstance(additional, dict) or not all(isinstance(v, str) for v in additional.values()):
            raise AdyenError(422, "702", "additionalData must be a map of strings")
        metadata = payload.get("metadata") or {}
        if (
            not isinstance(metadata, dict)
            or len(metadata) > 20
            or any(not isinstance(v, str) or len(k) > 20 or len(v) > 80 for k, v in metadata.items())
        ):
            raise AdyenError(
                422, "14_0309", "Invalid metadata: at most 20 keys of 20 and values of 80 characters"
            )
        auth = payload.get("authenticationData") or {}
        if not isinstance(auth, dict):
            raise AdyenError(422, "702", "authenticationData must be an object")
        _unknown("AuthenticationData", auth, data.AUTHENTICATION_FIELDS)
        attempt = auth.get("attemptAuthentication")
        if attempt is not None and attempt not in ("always", "never"):
            raise AdyenError(422, "702", "Invalid value for field 'attemptAuthentication'")
        tds = auth.get("threeDSRequestData") or {}
        _unknown("ThreeDSRequestData", tds, data.THREE_DS_REQUEST_FIELDS)
        if tds.get("nativeThreeDS") not in (None, "preferred", "disabled"):
            raise AdyenError(422, "702", "Invalid value for field 'nativeThreeDS'")

        method = payload.get("paymentMethod")
        if not isinstance(method, dict):
            raise AdyenError(422, "14_006", "Required object 'paymentMethod' is not provided.")
        _unknown("CardDetails", method, data.CARD_FIELDS)
        if "type" not in method:
            raise AdyenError(422, "14_004", "Required field 'paymentMethod.type' is not provided.")
        if method["type"] != "scheme":
            raise AdyenError(
                422, "905_1", "Could not find an acquirer account for the provided payment method"
            )

        holder = str(method.get("holderName") or "")
        brand, needs_3ds, card_ok = "visa", False, True
        if "storedPaymentMethodId" in method:
            if (
                method["storedPaymentMethodId"] != data.STORED_METHOD_ID
                or payload.get("shopperReference") != data.STORED_SHOPPER
            ):
                raise AdyenError(422, "803", "PaymentDetail not found")
        elif "number" in method:
            number = str(method.get("number", ""))
            if not number.isdigit() or not 12 <= len(number) <= 19 or not _luhn(number):
                raise AdyenError(422, "101", "Invalid card number")
            month, year = str(method.get("expiryMonth", "")), str(method.get("expiryYear", ""))
            if not (month.isdigit() and 1 <= int(month) <= 12 and len(month) <= 2):
                raise AdyenError(422, "129", "Expiry Date Invalid")
            if not (year.isdigit() and len(year) == 4):
                raise AdyenError(422, "129", "Expiry Date Invalid")
            cvc = method.get("cvc")
            if cvc is not None and (not str(cvc).isdigit() or len(str(cvc)) not in (3, 4)):
                raise AdyenError(422, "103", "CVC is not the right length")
            card = data.TEST_CARDS.get(number)
            if card is None:
                card_ok = False
            else:
                brand, expected_cvc, needs_3ds = card
                card_ok = (month.zfill(2), year) == data.TEST_EXPIRY and (
                    cvc is None or str(cvc) == expected_cvc
                )
        else:
            raise AdyenError(
                422, "14_006", "Required card details are not provided (number or storedPaymentMethodId)"
            )

        simulated = holder.split(":", 1)[0].strip().upper()
        requested = str(additional.get("RequestedTestAcquirerResponseCode", "")).strip()
        if requested in data.ACQUIRER_CODES:
            simulated = data.ACQUIRER_CODES[requested]
        if not card_ok:
            result: tuple[str, str | None, str | None] = ("Refused", "Refused", "2")
        else:
            result = data.HOLDER_RESULTS.get(simulated, ("Authorised", None, None))
        manual = str(additional.get("manualCapture", "")).lower() == "true"
        if capture_delay == 0:
            manual = False

        p = FakePayment(
            psp=self._psp(),
            reference=reference,
            amount=value,
            currency=currency,
            manual=manual,
            holder=holder.strip().upper(),
            brand=brand,
            return_url=return_url,
            result=result,
            merchant_order_reference=payload.get("merchantOrderReference"),
        )
        self.world.payments[p.psp] = p
        self.world.counts[OperationKind.AUTHORIZE] += 1

        if needs_3ds and card_ok and attempt != "never":
            p.status = "RedirectShopper"
            p.redirect_token = secrets.token_urlsafe(12)
            self.world.by_token[p.redirect_token] = p
            return 200, {
                "resultCode": "RedirectShopper",
                "pspReference": p.psp,
                "merchantReference": p.reference,
                "action": {
                    "paymentMethodType": "scheme",
                    "url": f"{base_url.rstrip('/')}/hpp/3ds/{p.redirect_token}",
                    "method": "GET",
                    "type": "redirect",
                },
            }
        return 200, self._finalise(p)

    def _finalise(self, p: FakePayment) -> dict[str, Any]:
        code, reason, refusal_code = p.result
        body: dict[str, Any] = {
            "pspReference": p.psp,
            "resultCode": code,
            "merchantReference": p.reference,
            "amount": {"currency": p.currency, "value": p.amount},
        }
        if code == "Authorised":
            p.status = "Authorised"
            if not p.manual:
                p.captured = p.amount
            body["additionalData"] = {"authCode": "123456", "cardSummary": "1111"}
            self._notify_authorisation(p, True, None)
        elif code == "Received":
            p.status = "Received"
        else:
            p.status = code
            body["refusalReason"] = reason
            if refusal_code is not None:
                body["refusalReasonCode"] = refusal_code
            self._notify_authorisation(p, False, reason)
        return body

    # ---- /payments/details
    def _details(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _unknown("PaymentDetailsRequest", payload, data.DETAILS_REQUEST_FIELDS)
        details = payload.get("details")
        if not isinstance(details, dict) or not details:
            raise AdyenError(422, "14_0017", "Required object 'details' is not provided.")
        _unknown("PaymentCompletionDetails", details, data.DETAILS_KEYS)
        result = details.get("redirectResult") or details.get("threeDSResult")
        if not isinstance(result, str):
            raise AdyenError(422, "14_018", "Invalid payload provided")
        try:
            decoded = base64.urlsafe_b64decode(result + "=" * (-len(result) % 4)).decode()
            token, outcome = decoded.rsplit(":", 1)
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise AdyenError(422, "14_018", "Invalid payload provided") from None
        p = self.world.by_token.get(token)
        if p is None or p.status != "RedirectShopper" or p.challenge != outcome:
            raise AdyenError(422, "14_018", "Invalid payload provided")
        self.world.counts[OperationKind.AUTHENTICATE] += 1
        if outcome != "Y":
            p.result = ("Refused", "3D Not Authenticated", "11")
        return 200, self._finalise(p)

    # ---- modifications
    def _modify(self, psp: str, kind: str, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        _unknown(data.MODIFICATION_STRUCT[kind], payload, data.MODIFICATION_FIELDS[kind])
        self._merchant(payload)
        payment = self.world.payments.get(psp)
        if payment is None:
            raise AdyenError(422, "167", "Original pspReference required for this operation")
        parsed = _amount(payload, required=kind != "cancels")
        if parsed is not None and parsed[1] != payment.currency:
            raise AdyenError(422, "137", "Invalid amount specified: currency differs from the payment")
        reference = payload.get("reference")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 80):
            raise AdyenError(422, "130", "Invalid reference")
        mod = Modification(
            psp=self._psp(),
            kind=kind,
            payment=payment,
            amount=parsed[0] if parsed else None,
            currency=parsed[1] if parsed else None,
            reference=reference,
        )
        self.world.modifications.append(mod)
        self.world.counts[
            {
                "captures": OperationKind.CAPTURE,
                "refunds": OperationKind.REFUND,
                "cancels": OperationKind.VOID,
            }[kind]
        ] += 1
        body: dict[str, Any] = {
            "merchantAccount": self.world.merchant_account,
            "paymentPspReference": psp,
            "pspReference": mod.psp,
            "status": "received",
        }
        if reference is not None:
            body["reference"] = reference
        if parsed is not None:
            body["amount"] = {"value": parsed[0], "currency": parsed[1]}
        return 201, body

    # ------------------------------------------------------------------ ASGI app
    def _build_app(self) -> Litestar:
        fake = self

        async def api(request: Request[Any, Any, Any]) -> Response[bytes]:
            raw = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            status, body = fake.handle(request.url.path, headers, raw, str(request.base_url))
            out_headers = {}
            if "idempotency-key" in headers:
                out_headers["Idempotency-Key"] = headers["idempotency-key"]
            return Response(
                content=json.dumps(body).encode(),
                status_code=status,
                media_type="application/json",
                headers=out_headers,
            )

        @post([f"/{API_VERSION}/payments", f"/{API_VERSION}/payments/details"], status_code=200)
        async def payments(request: Request[Any, Any, Any]) -> Response[bytes]:
            return await api(request)

        @post(f"/{API_VERSION}/payments/{{psp:str}}/{{what:str}}", status_code=201)
        async def modification(request: Request[Any, Any, Any], psp: str, what: str) -> Response[bytes]:
            return await api(request)

        @post(ACCEPT_PATH, status_code=200)
        async def accept_dispute(request: Request[Any, Any, Any]) -> Response[bytes]:
            headers = {k.lower(): v for k, v in request.headers.items()}
            status, body = fake.disputes.accept(headers, await request.body())
            return Response(content=json.dumps(body).encode(), status_code=status, media_type="application/json")

        @get("/hpp/3ds/{token:str}")
        async def challenge_page(token: str) -> Response[str]:
            if token not in fake.world.by_token:
                return Response("unknown challenge", status_code=404, media_type="text/plain")
            page = (
                "<html><body><h1>3D Secure 2 test challenge</h1>"
                f'<form method="post" action="/hpp/3ds/{token}/complete">'
                '<input type="hidden" name="result" value="success"><button>Authenticate</button></form>'
                f'<form method="post" action="/hpp/3ds/{token}/complete">'
                '<input type="hidden" name="result" value="failure"><button>Fail</button></form>'
                "</body></html>"
            )
            return Response(page, media_type="text/html")

        @post("/hpp/3ds/{token:str}/complete", status_code=302)
        async def challenge_done(request: Request[Any, Any, Any], token: str) -> Response[str]:
            p = fake.world.by_token.get(token)
            if p is None:
                return Response("unknown challenge", status_code=404, media_type="text/plain")
            form = await request.form()
            result = fake._finish_challenge(p, form.get("result") == "success")
            sep = "&" if "?" in p.return_url else "?"
            target = f"{p.return_url}{sep}{urlencode({'redirectResult': result})}"
            return Response("", status_code=302, headers={"Location": target}, media_type="text/plain")

        return Litestar(
            route_handlers=[
                payments, modification, accept_dispute, challenge_page, challenge_done, fake.reports.route()
            ],
            debug=False,
        )
