"""A stateful Stripe fake (a Litestar ASGI app) for the contract suite.

What it does, from Stripe's public docs:

* ``/v1/payment_intents`` (create/confirm/capture/cancel/retrieve/search), ``/v1/refunds``
  (create/list/retrieve), ``/v1/payouts`` (create/list/retrieve), ``/v1/disputes``
  (list/retrieve/update/close: ``stripe_disputes``), ``/v1/events``,
  ``/v1/balance_transactions`` (list, from the fake's own balance: ``stripe_balance``);
* form-encoded bodies in bracket notation; unknown parameters -> 400 ``parameter_unknown``;
* ``Authorization: Bearer sk_...`` (or HTTP Basic with the key as user) -> else 401;
  a malformed ``Stripe-Version`` -> 400;
* ``/v1/payment_methods`` (create/retrieve): a raw card becomes a ``pm_`` (PaymentIntents take
  no raw card: Stripe's OpenAPI has no ``payment_method_data[card]``);
* idempotency (https://docs.stripe.com/api/idempotent_requests): the first result of a key
  is saved once the endpoint began executing (successes, card declines); the same key and
  parameters replay it with ``Idempotent-Replayed: true``; other parameters or another
  endpoint -> 400 ``idempotency_error``; a key still executing -> 409
  ``idempotency_key_in_use``; validation errors are not saved; keys are pruned 24 h after
  first use on the fake's own clock (``advance()`` moves it): the same key later executes anew;
* GET routes refuse unknown parameters and ``limit`` over 100 (400, as POSTs do);
* Search is eventually consistent: a PaymentIntent is found by Search only ``search_lag``
  seconds (fake clock) after its creation; retrieval by id is immediate;
* Stripe's test PaymentMethods and card numbers (``stripe_cards``), 3D Secure with a hosted
  redirect page under ``/_fake/3ds/{pi}`` that returns to ``return_url`` with
  ``payment_intent``, ``payment_intent_client_secret`` and ``redirect_status``;
* an Event for every state change, signed with the account's webhook secret.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from litestar import Litestar, Request, Response, route
from litestar.enums import HttpMethod

from adapters.base import (
    Account,
    BankAccount,
    DeclineCode,
    NextAction,
    OperationKind,
    PaymentMethod,
)
from contract_tests.fakes import stripe_rules as rules
from contract_tests.fakes.base import ASGIApp, Notification
from contract_tests.fakes.stripe_balance import StripeBalance
from contract_tests.fakes.stripe_disputes import StripeDisputes
from contract_tests.fakes.stripe_world import (
    API_VERSION,
    BANK_CLOSED,
    BANK_OK,
    IBAN_CLOSED,
    IBAN_OK,
    StripeError,
    StripeWorld,
    check_allowed,
)
from webhooks.stripe import sign_header

_VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
_IN_FLIGHT = object()


def parse_form(body: bytes) -> dict[str, Any]:
    """``a[b][0]=x`` -> ``{"a": {"b": {"0": "x"}}}`` (lists stay index-keyed dicts)."""
    out: dict[str, Any] = {}
    for key, value in parse_qsl(body.decode("utf-8"), keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+|\[\]", key)
        if not parts:
            continue
        node = out
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            if part == "[]":
                part = str(len(node))
            if last:
                node[part] = value
            else:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise StripeError(400, f"Invalid array or hash: {key}", param=key)
                node = child
    return out


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response[bytes]:
    return Response(
        content=json.dumps(body).encode(),
        status_code=status,
        media_type="application/json",
        headers=dict(headers or {}),
    )


class _Saved:
    def __init__(self, fingerprint: str, status: int, body: Any, at: float) -> None:
        self.fingerprint = fingerprint
        self.status = status
        self.body = body
        self.at = at  # fake-clock time of the first use


def check_query(raw_query: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A GET's parameters checked like Stripe: unknown ones and ``limit`` > 100 refused."""
    params = parse_form(raw_query.encode())
    check_allowed(params, spec)
    limit = params.get("limit")
    if limit is not None:
        if not isinstance(limit, str) or not limit.isdigit():
            raise StripeError(400, f"Invalid integer: {limit}", code="parameter_invalid_integer", param="limit")
        if not 1 <= int(limit) <= rules.MAX_LIMIT:
            raise StripeError(
                400,
                f"This value must be between 1 and {rules.MAX_LIMIT}.",
                code="parameter_invalid_integer",
                param="limit",
            )
    return params


class Fake:
    """The Stripe fake: one instance is one Stripe account's world."""

    adapter_name = "stripe"
    supports_stale_check = True

    def __init__(
        self, *, processing_delay: float = 0.0, search_lag: float | None = None, hang_first_intent: float = 0.0
    ) -> None:
        self.world = StripeWorld() if search_lag is None else StripeWorld(search_lag=search_lag)
        # disputes (contract_tests.fakes.stripe_disputes); the issuer's side: self.disputes.open(pi)
        self.disputes = StripeDisputes(self.world.now, self.world._event, self.world._pi)
        self.world._event = self.disputes.watch(self.world._event, self._last4)  # type: ignore[method-assign]
        # the balance (contract_tests.fakes.stripe_balance): transactions booked by every event
        self.balance = StripeBalance(self.world.now)
        self.world._event = self.balance.watch(self.world._event)  # type: ignore[method-assign]
        self.disputes._event = self.balance.watch(self.disputes._event)
        self.processing_delay = processing_delay  # seconds an endpoint "executes" (to see 409s)
        # seconds the reply to the first PaymentIntent creation is withheld after it executed
        # (the charge is made; the caller waits: a process can be killed mid-call)
        self.hang_first_intent = hang_first_intent
        self._keys: dict[str, object] = {}
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers)
        self._app = self._build_app()

    def _last4(self, pi_id: str) -> str | None:
        behaviour = self.world.behaviours.get(pi_id)
        return behaviour.last4 if behaviour is not None else None

    # ------------------------------------------------------------------ ProviderFake

    @property
    def app(self) -> ASGIApp:
        return self._app

    def account(self, base_url: str) -> Account:
        self.world.base_url = base_url
        return Account(
            id="stripe-fake",
            adapter="stripe",
            base_url=base_url,
            credentials={"secret_key": self.world.secret_key, "webhook_secret": self.world.webhook_secret},
            settings={"payout_destinations": {IBAN_OK: BANK_OK, IBAN_CLOSED: BANK_CLOSED}},
        )

    def approve_method(self) -> PaymentMethod:
        return PaymentMethod(type="provider_token", token="pm_card_visa")

    def decline_methods(self) -> Mapping[DeclineCode, PaymentMethod]:
        table = {
            DeclineCode.DO_NOT_HONOR: "pm_card_chargeDeclined",
            DeclineCode.INSUFFICIENT_FUNDS: "pm_card_chargeDeclinedInsufficientFunds",
            DeclineCode.EXPIRED_CARD: "pm_card_chargeDeclinedExpiredCard",
            DeclineCode.INCORRECT_CVC: "pm_card_chargeDeclinedIncorrectCvc",
            DeclineCode.LOST_OR_STOLEN: "pm_card_chargeDeclinedLostCard",
            DeclineCode.FRAUD_SUSPECTED: "pm_card_chargeDeclinedFraudulent",
            DeclineCode.PROCESSING_ERROR: "pm_card_chargeDeclinedProcessingError",
            DeclineCode.LIMIT_EXCEEDED: "pm_card_visa_chargeDeclinedVelocityLimitExceeded",
        }
        return {code: PaymentMethod(type="provider_token", token=pm) for code, pm in table.items()}

    def three_ds_method(self) -> PaymentMethod | None:
        return PaymentMethod(type="provider_token", token="pm_card_authenticationRequired")

    def complete_challenge(self, next_action: NextAction, *, succeed: bool = True) -> dict[str, str]:
        pi_id = None
        if next_action.url:
            match = re.search(r"/_fake/3ds/(pi_[0-9a-f]+)", urlsplit(next_action.url).path)
            pi_id = match.group(1) if match else None
        if pi_id is None and next_action.data:
            pi_id = next_action.data.get("payment_intent")
        if pi_id is None:
            raise ValueError(f"not a Stripe fake 3DS action: {next_action!r}")
        pi = self.world.finish_3ds(pi_id, succeed)
        return {
            "payment_intent": pi_id,
            "payment_intent_client_secret": pi["client_secret"],
            "redirect_status": "succeeded" if succeed else "failed",
        }

    def payout_destinations(self) -> tuple[BankAccount | None, BankAccount | None]:
        return (
            BankAccount(iban=IBAN_OK, bic="COBADEFFXXX", name="Jane Payee", country="DE"),
            BankAccount(iban=IBAN_CLOSED, bic="BYLADEM1001", name="Closed Account", country="DE"),
        )

    def count(self, kind: OperationKind) -> int:
        return self.world.counts[kind]

    def notifications(self) -> list[Notification]:
        return list(self.world.sent)

    def sign(self, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
        ts = self.world.now() if timestamp is None else timestamp
        return {"stripe-signature": sign_header(body, self.world.webhook_secret, ts)}

    def resign(self, body: bytes, *, timestamp: int | None = None) -> Notification:
        try:
            event_type = str(json.loads(body).get("type", "unknown"))
        except (ValueError, AttributeError):
            event_type = "unknown"
        headers = {"content-type": "application/json; charset=utf-8", **self.sign(body, timestamp=timestamp)}
        return Notification(headers, body, event_type)

    async def advance(self, seconds: float = 0.0) -> None:
        self.world.advance(seconds)

    # ------------------------------------------------------------------ HTTP

    def _auth(self, request: Request[Any, Any, Any]) -> None:
        header = request.headers.get("authorization", "")
        key = ""
        if header.lower().startswith("bearer "):
            key = header[7:].strip()
        elif header.lower().startswith("basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except ValueError:
                key = ""
        if not key:
            raise StripeError(
                401,
                "You did not provide an API key. You need to provide your API key in the Authorization "
                "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
            )
        if key != self.world.secret_key:
            raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * 12}{key[-4:]}")
        version = request.headers.get("stripe-version")
        if version is not None and not _VERSION.match(version):
            raise StripeError(400, f"Invalid Stripe API version: {version}", param="stripe-version")

    async def _handle(
        self,
        request: Request[Any, Any, Any],
        op: Callable[[dict[str, Any]], dict[str, Any]],
        query_spec: dict[str, Any] | None = None,
    ) -> Response[bytes]:
        request_id = "req_" + secrets.token_hex(7)
        base_headers = {
            "Request-Id": request_id,
            "Stripe-Version": request.headers.get("stripe-version", API_VERSION),
        }
        self.requests.append((request.method, request.url.path, dict(request.headers)))
        try:
            self._auth(request)
            if request.method != "POST":
                check_query(request.url.query, query_spec or {})
                return _json(200, op(dict(request.query_params)), base_headers)
            params = parse_form(await request.body())
        except StripeError as exc:
            return _json(exc.status, exc.body, base_headers)
        key = request.headers.get("idempotency-key")
        fingerprint = json.dumps([request.url.path, params], sort_keys=True)
        if key is not None:
            base_headers["Idempotency-Key"] = key
            if not 1 <= len(key) <= 255:
                err = StripeError(
                    400, "Idempotency keys must be 1 to 255 characters long.", type="idempotency_error"
                )
                return _json(400, err.body, base_headers)
            saved = self._keys.get(key)
            if isinstance(saved, _Saved) and self.world.clock() - saved.at >= rules.IDEMPOTENCY_WINDOW_SECONDS:
                del self._keys[key]  # pruned: this key is new again
                saved = None
            if saved is _IN_FLIGHT:
                err = StripeError(
                    409,
                    "There is currently another in-progress request using this Stripe-Idempotency-Key. "
                    "Please try again later.",
                    code="idempotency_key_in_use",
                )
                return _json(409, err.body, base_headers)
            if isinstance(saved, _Saved):
                if saved.fingerprint != fingerprint:
                    err = StripeError(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters they were "
                        f"first used with. Try using a key other than '{key}' if you meant to execute a "
                        "different request.",
                        type="idempotency_error",
                    )
                    return _json(400, err.body, base_headers)
                return _json(saved.status, saved.body, {**base_headers, "Idempotent-Replayed": "true"})
            self._keys[key] = _IN_FLIGHT
        self.world._request = {"id": request_id, "idempotency_key": key}
        try:
            if self.processing_delay:
                await asyncio.sleep(self.processing_delay)
            status, body, executed = 200, op(params), True
        except StripeError as exc:
            status, body, executed = exc.status, exc.body, exc.executed
        finally:
            self.world._request = None
        if self.hang_first_intent and request.url.path == "/v1/payment_intents" and executed:
            hang, self.hang_first_intent = self.hang_first_intent, 0.0
            await asyncio.sleep(hang)  # the key stays in flight meanwhile, as at Stripe
        if key is not None:
            if executed:
                self._keys[key] = _Saved(fingerprint, status, body, self.world.clock())
            else:
                self._keys.pop(key, None)
        return _json(status, body, base_headers)

    def _build_app(self) -> Litestar:
        fake = self
        w = self.world
        dp = self.disputes
        routes: list[tuple[str, re.Pattern[str], Callable[..., dict[str, Any]], dict[str, Any] | None]] = [
            ("GET", re.compile(r"/v1/payment_intents/search"),
             lambda q: w.search_payment_intents(q.get("query", "")), rules.SEARCH_PI),
            ("POST", re.compile(r"/v1/payment_methods"), w.methods.create, None),
            ("GET", re.compile(r"/v1/payment_methods/(?P<id>[^/]+)"), lambda q, id: w.methods.get(id),
             rules.RETRIEVE),
            ("POST", re.compile(r"/v1/payment_intents"), w.create_payment_intent, None),
            ("GET", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)"), lambda q, id: w._pi(id), rules.RETRIEVE_PI),
            ("POST", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/confirm"),
             lambda p, id: w.confirm_payment_intent(id, p), None),
            ("POST", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/capture"),
             lambda p, id: w.capture_payment_intent(id, p), None),
            ("POST", re.compile(r"/v1/payment_intents/(?P<id>[^/]+)/cancel"),
             lambda p, id: w.cancel_payment_intent(id, p), None),
            ("POST", re.compile(r"/v1/refunds"), w.create_refund, None),
            ("GET", re.compile(r"/v1/refunds"), w.list_refunds, rules.LIST_REFUNDS),
            ("GET", re.compile(r"/v1/refunds/(?P<id>[^/]+)"), lambda q, id: w.get_refund(id), rules.RETRIEVE),
            ("POST", re.compile(r"/v1/payouts"), w.create_payout, None),
            ("GET", re.compile(r"/v1/payouts"), w.list_payouts, rules.LIST_PAYOUTS),
            ("GET", re.compile(r"/v1/payouts/(?P<id>[^/]+)"), lambda q, id: w.get_payout(id), rules.RETRIEVE),
            ("GET", re.compile(r"/v1/disputes"), dp.list, rules.LIST_DISPUTES),
            ("GET", re.compile(r"/v1/disputes/(?P<id>[^/]+)"), lambda q, id: dp.retrieve(id), rules.RETRIEVE),
            ("POST", re.compile(r"/v1/disputes/(?P<id>[^/]+)"), lambda p, id: dp.update(id, p), None),
            ("POST", re.compile(r"/v1/disputes/(?P<id>[^/]+)/close"), lambda p, id: dp.close(id, p), None),
            ("GET", re.compile(r"/v1/balance_transactions"), fake.balance.list, rules.LIST_BALANCE_TRANSACTIONS),
            ("GET", re.compile(r"/v1/events"),
             lambda q: {"object": "list", "data": list(reversed(w.events))[: int(q.get("limit", "10"))],
                        "has_more": False, "url": "/v1/events"}, rules.LIST_EVENTS),
        ]  # fmt: skip

        @route("/v1/{path:path}", http_method=[HttpMethod.GET, HttpMethod.POST, HttpMethod.DELETE])
        async def api(request: Request[Any, Any, Any], path: str) -> Response[bytes]:
            full = "/v1" + (path if path.startswith("/") else "/" + path)
            for method, pattern, fn, spec in routes:
                match = pattern.fullmatch(full)
                if match and method == request.method:
                    args: dict[str, str] = match.groupdict()

                    def op(
                        params: dict[str, Any], fn: Callable[..., Any] = fn, args: dict[str, str] = args
                    ) -> dict[str, Any]:
                        result: dict[str, Any] = fn(params, **args)
                        return result

                    return await fake._handle(request, op, spec)
            return _json(
                404,
                {"error": {"message": f"Unrecognized request URL ({request.method}: {full}).",
                           "type": "invalid_request_error"}},
            )  # fmt: skip

        @route("/_fake/3ds/{pi_id:str}", http_method=[HttpMethod.GET, HttpMethod.POST])
        async def three_ds(request: Request[Any, Any, Any], pi_id: str) -> Response[bytes]:
            pi = w.payment_intents.get(pi_id)
            if pi is None or request.query_params.get("client_secret") != pi["client_secret"]:
                return Response(content=b"unknown authentication", status_code=404, media_type="text/plain")
            if request.method == "GET":
                page = (
                    "<!doctype html><title>3D Secure test page</title>"
                    f"<p>Stripe test 3D Secure for {pi['amount']} {pi['currency'].upper()}</p>"
                    '<form method="post"><button name="outcome" value="succeeded">Complete</button>'
                    '<button name="outcome" value="failed">Fail</button></form>'
                )
                return Response(content=page.encode(), status_code=200, media_type="text/html")
            form = dict(parse_qsl((await request.body()).decode()))
            succeed = form.get("outcome", "succeeded") == "succeeded"
            w.finish_3ds(pi_id, succeed)
            query = urlencode(
                {
                    "payment_intent": pi_id,
                    "payment_intent_client_secret": pi["client_secret"],
                    "redirect_status": "succeeded" if succeed else "failed",
                }
            )
            return_url = w.return_urls.get(pi_id) or "about:blank"
            sep = "&" if "?" in return_url else "?"
            return Response(content=b"", status_code=302, headers={"Location": f"{return_url}{sep}{query}"})

        return Litestar(route_handlers=[api, three_ds], openapi_config=None, debug=False)
