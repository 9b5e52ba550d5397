"""A stateful PayPal fake (a plain ASGI app) for the contract suite.

From PayPal's public REST reference and OpenAPI documents:

* ``POST /v1/oauth2/token`` (HTTP basic ``client_id:client_secret``,
  ``grant_type=client_credentials``) -> a bearer token living ``TOKEN_LIFETIME`` seconds of
  the fake's clock; an unknown, missing or expired token -> 401 ``AUTHENTICATION_FAILURE``;
* Orders v2 (create, get, confirm-payment-source, authorize, capture) and Payments v2
  (authorization get/capture/void, capture get/refund, refund get): see ``paypal_world``;
  unknown fields -> 400 ``MALFORMED_REQUEST_JSON``; amounts checked for their currency;
* ``PayPal-Request-Id``: the first 2xx answer of an id is kept; the same id with the same
  method, path and body answers it again (200 for an order create), with anything else
  -> 422 ``DUPLICATE_REQUEST_ID``;
* webhooks: every state change is an event; the fake "transmits" it with the five
  ``PAYPAL-*`` headers, the signature being an HMAC over
  ``transmission_id|transmission_time|webhook_id|crc32(body)`` (PayPal's signed string; it
  signs with RSA, which only PayPal checks), and ``POST
  /v1/notifications/verify-webhook-signature`` checks it against the raw ``webhook_event``
  bytes, so an adapter that re-serialises the event fails like it does with PayPal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import zlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from adapters.base import Account, BankAccount, Card, DeclineCode, NextAction, OperationKind, PaymentMethod
from contract_tests.fakes.base import ASGIApp, Notification
from contract_tests.fakes.paypal_world import (
    REJECT_CODES,
    THREE_DS_CARD,
    VERIFY,
    PayPalError,
    PayPalWorld,
    check,
)

TOKEN_LIFETIME = 32400  # seconds, as PayPal's sandbox answers
CERT_URL = "https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-fake"
Handler = Callable[[re.Match[str], dict[str, Any]], dict[str, Any]]
_DECLINES = {
    DeclineCode.DO_NOT_HONOR: "CCREJECT-REFUSED",
    DeclineCode.INSUFFICIENT_FUNDS: "CCREJECT-IF",
    DeclineCode.EXPIRED_CARD: "CCREJECT-EC",
    DeclineCode.INCORRECT_CVC: "CCREJECT-CVV_F",
    DeclineCode.LOST_OR_STOLEN: "CCREJECT-LS",
    DeclineCode.FRAUD_SUSPECTED: "CCREJECT-SF",
    DeclineCode.INCORRECT_NUMBER: "CCREJECT-IA",
    DeclineCode.CARD_NOT_SUPPORTED: "CCREJECT-IRC",
}
assert set(_DECLINES.values()) <= set(REJECT_CODES)


def card(number: str = "4111111111111111", name: str = "Jane Shopper") -> PaymentMethod:
    return PaymentMethod(type="card", card=Card(number=number, exp_month=12, exp_year=2034, cvc="123",
                                                holder_name=name))


class Fake:
    adapter_name = "paypal"
    supports_stale_check = False  # PayPal's scheme: PayPal verifies; no timestamp tolerance is documented

    def __init__(self) -> None:
        self.world = PayPalWorld()
        self.client_id = "AYfake-client-" + secrets.token_hex(4)
        self.client_secret = "EKfake-secret-" + secrets.token_hex(8)
        self.webhook_id = "WH-FAKE-" + secrets.token_hex(4).upper()
        self._signing_key = secrets.token_bytes(32)
        self.tokens: dict[str, float] = {}  # token -> expiry (fake clock)
        self.token_requests = 0
        self._saved: dict[str, tuple[str, int, bytes]] = {}  # PayPal-Request-Id -> (fingerprint, status, body)
        self.requests: list[tuple[str, str]] = []
        self._routes: list[tuple[str, re.Pattern[str], Handler, bool]] = self._table()

    # ------------------------------------------------------------------ ProviderFake
    @property
    def app(self) -> ASGIApp:
        return self._asgi

    def account(self, base_url: str) -> Account:
        self.world.base_url = base_url
        return Account(id="paypal-fake", adapter="paypal", base_url=base_url,
                       credentials={"client_id": self.client_id, "client_secret": self.client_secret,
                                    "webhook_id": self.webhook_id})

    def approve_method(self) -> PaymentMethod:
        return card()

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        return {code: card(name=name) for code, name in _DECLINES.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return card(THREE_DS_CARD)

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        query = parse_qs(urlsplit(next_action.url or "").query)
        order_id = (query.get("cart_id") or [""])[0]
        self.world.finish_3ds(order_id, succeed)
        return {"token": order_id}

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return None, None

    def count(self, kind: OperationKind) -> int:
        return self.world.counts[kind]

    def notifications(self) -> list[Notification]:
        return [self.resign(json.dumps(e).encode()) for e in self.world.events]

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        transmission_id = secrets.token_hex(16)
        when = self.world.stamp()
        signed = f"{transmission_id}|{when}|{self.webhook_id}|{zlib.crc32(body)}".encode()
        sig = base64.b64encode(hmac.new(self._signing_key, signed, hashlib.sha256).digest()).decode()
        return {"paypal-transmission-id": transmission_id, "paypal-transmission-time": when,
                "paypal-transmission-sig": sig, "paypal-cert-url": CERT_URL, "paypal-auth-algo": "SHA256withRSA"}

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        try:
            event_type = str(json.loads(body).get("event_type", "unknown"))
        except (ValueError, AttributeError):
            event_type = "unknown"
        return Notification({"content-type": "application/json", **self.sign(body)}, body, event_type)

    async def advance(self, seconds: float = 0.0) -> None:
        self.world.offset += seconds

    # ------------------------------------------------------------------ verification
    def verify(self, raw: bytes, body: dict[str, Any]) -> dict[str, Any]:
        check(body, VERIFY)
        missing = [k for k in VERIFY if k not in body]
        if missing:
            raise PayPalError(400, "MISSING_REQUIRED_PARAMETER", f"{missing[0]} is required", f"/{missing[0]}")
        marker = raw.find(b'"webhook_event":')
        event = raw[marker + len(b'"webhook_event":'):].rstrip()[:-1].strip() if marker >= 0 else b""
        signed = f"{body['transmission_id']}|{body['transmission_time']}|{body['webhook_id']}|{zlib.crc32(event)}"
        expected = base64.b64encode(hmac.new(self._signing_key, signed.encode(), hashlib.sha256).digest()).decode()
        ok = (body["webhook_id"] == self.webhook_id and body["cert_url"] == CERT_URL
              and hmac.compare_digest(expected, str(body["transmission_sig"])))
        return {"verification_status": "SUCCESS" if ok else "FAILURE"}

    # ------------------------------------------------------------------ routing
    def _table(self) -> list[tuple[str, re.Pattern[str], Handler, bool]]:
        w = self.world
        raw: list[tuple[str, str, Handler, bool]] = [
            ("POST", r"/v2/checkout/orders", lambda m, b: w.create_order(b), True),
            ("GET", r"/v2/checkout/orders/(\w+)", lambda m, b: w.order_view(m[1]), False),
            ("POST", r"/v2/checkout/orders/(\w+)/confirm-payment-source", lambda m, b: w.confirm(m[1], b), False),
            ("POST", r"/v2/checkout/orders/(\w+)/(authorize|capture)",
             lambda m, b: w.complete_order(m[1], m[2], b), True),
            ("GET", r"/v2/payments/authorizations/(\w+)", lambda m, b: w.public(w.authorization(m[1])), False),
            ("POST", r"/v2/payments/authorizations/(\w+)/capture",
             lambda m, b: w.capture_authorization(m[1], b), True),
            ("POST", r"/v2/payments/authorizations/(\w+)/void", lambda m, b: w.void(m[1]), False),
            ("GET", r"/v2/payments/captures/(\w+)", lambda m, b: w.capture(m[1]), False),
            ("POST", r"/v2/payments/captures/(\w+)/refund", lambda m, b: w.refund(m[1], b), True),
            ("GET", r"/v2/payments/refunds/(\w+)", lambda m, b: w.get_refund(m[1]), False),
        ]
        return [(method, re.compile(f"^{path}$"), handler, created) for method, path, handler, created in raw]

    def _authorized(self, headers: dict[str, str]) -> bool:
        value = headers.get("authorization", "")
        token = value[7:] if value.startswith("Bearer ") else ""
        return token in self.tokens and self.tokens[token] > self.world.now()

    def _token(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        self.token_requests += 1
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if headers.get("authorization") != f"Basic {expected}":
            return 401, {"error": "invalid_client", "error_description": "Client Authentication failed"}
        if parse_qs(body.decode()).get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
        token = "A21AA" + secrets.token_urlsafe(24)
        self.tokens[token] = self.world.now() + TOKEN_LIFETIME
        return 200, {"scope": "https://uri.paypal.com/services/payments/payment", "access_token": token,
                     "token_type": "Bearer", "app_id": "APP-80W284485P519543T", "expires_in": TOKEN_LIFETIME,
                     "nonce": secrets.token_hex(8)}

    def handle(self, method: str, path: str, headers: dict[str, str], raw: bytes) -> tuple[int, bytes]:
        self.requests.append((method, path))
        if method == "POST" and path == "/v1/oauth2/token":
            status, body = self._token(headers, raw)
            return status, json.dumps(body).encode()
        if not self._authorized(headers):
            return 401, json.dumps({"name": "AUTHENTICATION_FAILURE", "message": "Authentication failed due to "
                                    "invalid authentication credentials or a missing Authorization header.",
                                    "links": []}).encode()
        try:
            data: Any = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return 400, json.dumps(PayPalError(400, "MALFORMED_REQUEST_JSON", "not JSON").body()).encode()
        if method == "POST" and path == "/v1/notifications/verify-webhook-signature":
            try:
                return 200, json.dumps(self.verify(raw, data)).encode()
            except PayPalError as exc:
                return exc.status, json.dumps(exc.body()).encode()
        request_id = headers.get("paypal-request-id")
        fingerprint = hashlib.sha256(f"{method} {path} ".encode() + raw).hexdigest()
        if method == "POST" and request_id:
            saved = self._saved.get(request_id)
            if saved is not None:
                if saved[0] != fingerprint:
                    err = PayPalError(422, "DUPLICATE_REQUEST_ID", "The value of PayPal-Request-Id header has "
                                      "already been used with another request")
                    return 422, json.dumps(err.body()).encode()
                return (200 if saved[1] == 201 else saved[1]), saved[2]
        for verb, pattern, handler, created in self._routes:
            match = pattern.match(path)
            if verb != method or match is None:
                continue
            try:
                result = handler(match, data if isinstance(data, dict) else {"": data})
            except PayPalError as exc:
                return exc.status, json.dumps(exc.body()).encode()
            status, reply = (201 if created else 200), json.dumps(result).encode()
            if method == "POST" and request_id:
                self._saved[request_id] = (fingerprint, status, reply)
            return status, reply
        return 404, json.dumps(PayPalError(404, "RESOURCE_NOT_FOUND", "no such path").body()).encode()

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
        status, body = self.handle(scope["method"], scope["path"], headers, b"".join(chunks))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
