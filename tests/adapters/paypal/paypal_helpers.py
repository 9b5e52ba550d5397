"""Shared helpers for the PayPal adapter tests: recorded replies served by a scripted transport."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from adapters.base import Account, AuthorizeRequest, Card, PaymentMethod, ThreeDS
from adapters.paypal import PayPalAdapter

TRANSCRIPTS = Path(__file__).parent / "transcripts"
BASE = "https://api-m.sandbox.paypal.test"
ORDER = "5O190127TN364715T"
AUTH = "0AW2184448108334S"
CAPTURE = "2GG279541U471931P"
PAYMENT = "pay_0123456789abcdef0123"


def raw(name: str) -> bytes:
    return (TRANSCRIPTS / f"{name}.json").read_bytes()


def load(name: str) -> Any:
    return json.loads(raw(name))


def reply(name_or_body: str | Any, status: int = 200) -> httpx.Response:
    content = raw(name_or_body) if isinstance(name_or_body, str) else json.dumps(name_or_body).encode()
    return httpx.Response(status, content=content, headers={"content-type": "application/json"})


def account() -> Account:
    return Account(id="paypal-test", adapter="paypal", base_url=BASE,
                   credentials={"client_id": "AYclient", "client_secret": "EKsecret", "webhook_id": "WH-1"})


Route = Callable[[httpx.Request], httpx.Response] | httpx.Response | list[httpx.Response]


class Script:
    """Answers by ``(METHOD, path)``; a list answers in turn; every request is kept."""

    def __init__(self, routes: dict[tuple[str, str], Route]) -> None:
        self.routes = {k: (list(v) if isinstance(v, list) else v) for k, v in routes.items()}
        self.requests: list[httpx.Request] = []
        self.routes.setdefault(("POST", "/v1/oauth2/token"), reply("token"))

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"name": "RESOURCE_NOT_FOUND", "details": [{"issue": "NO_ROUTE"}]})
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route(request) if callable(route) else route

    def sent(self, method: str, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.method == method and r.url.path == path]

    def body(self, method: str, path: str, index: int = -1) -> Any:
        return json.loads(self.sent(method, path)[index].content or b"null")


def adapter(script: Script) -> PayPalAdapter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(script), base_url=BASE)
    return PayPalAdapter(account(), client)


def card_method(name: str = "Jane Shopper", cvc: str | None = "123") -> PaymentMethod:
    return PaymentMethod(type="card", card=Card(number="4111111111111111", exp_month=3, exp_year=2030,
                                                cvc=cvc, holder_name=name))


def authorize_request(*, capture: bool = False, amount: int = 1099, currency: str = "EUR",
                      method: PaymentMethod | None = None, mode: str = "if_required") -> AuthorizeRequest:
    return AuthorizeRequest(
        operation_id="op_0123456789abcdef0123", idempotency_key="payhub-op_0123456789abcdef0123",
        payment_id=PAYMENT, amount=amount, currency=currency, reference="order-1001",
        metadata={"cart": "c-77"}, capture=capture, payment_method=method or card_method(),
        three_ds=ThreeDS(mode=mode, return_url="https://shop.example/return"),
    )
