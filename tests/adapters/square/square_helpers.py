"""Shared helpers for the Square adapter tests: recorded replies served by a scripted transport."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from adapters.base import Account
from adapters.square import SquareAdapter

TRANSCRIPTS = Path(__file__).parent / "transcripts"
BASE = "https://connect.squareupsandbox.test"
PAYMENT = "R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY"
HUB_PAYMENT = "pay_0123456789abcdef0123"
KEY = "sig-key-0123456789"
URL = "https://hub.example/v1/webhooks/square-us"


def raw(name: str) -> bytes:
    return (TRANSCRIPTS / f"{name}.json").read_bytes()


def load(name: str) -> Any:
    return json.loads(raw(name))


def reply(name_or_body: str | Any, status: int = 200) -> httpx.Response:
    content = raw(name_or_body) if isinstance(name_or_body, str) else json.dumps(name_or_body).encode()
    return httpx.Response(status, content=content, headers={"content-type": "application/json"})


def account() -> Account:
    return Account(id="square-us", adapter="square", base_url=BASE,
                   credentials={"access_token": "EAAAEscrubbed", "location_id": "LH2G3EXAMPLE1",
                                "webhook_signature_key": KEY, "webhook_url": URL})


class Script:
    def __init__(self, routes: dict[tuple[str, str], httpx.Response | list[httpx.Response]]) -> None:
        self.routes = {k: (list(v) if isinstance(v, list) else v) for k, v in routes.items()}
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        route = self.routes.get((request.method, request.url.path))
        if route is None:
            return httpx.Response(404, json={"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "NOT_FOUND"}]})
        if isinstance(route, list):
            return route.pop(0) if len(route) > 1 else route[0]
        return route

    def body(self, method: str, path: str) -> Any:
        return json.loads([r for r in self.requests if r.method == method and r.url.path == path][-1].content)


def adapter(script: Script) -> SquareAdapter:
    return SquareAdapter(account(), httpx.AsyncClient(transport=httpx.MockTransport(script), base_url=BASE))
