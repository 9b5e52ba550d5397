"""Shared helpers for the Stripe adapter tests (recorded transcripts, account, form parsing)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import httpx

from adapters.base import Account

TRANSCRIPTS = Path(__file__).parent / "transcripts"
BASE = "https://api.stripe.test"
SECRET_KEY = "sk_test_51Hxxxxxxxxxxxxxxxxxxxxxxx1234"
WEBHOOK_SECRET = "whsec_test_current_0123456789abcdef"
WEBHOOK_SECRET_OLD = "whsec_test_previous_fedcba9876543210"


def raw(name: str) -> bytes:
    return (TRANSCRIPTS / f"{name}.json").read_bytes()


def load(name: str) -> Any:
    return json.loads(raw(name))


def reply(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(
        status, content=raw(name), headers={"content-type": "application/json", **(headers or {})}
    )


def account(**credentials: str) -> Account:
    creds = {"secret_key": SECRET_KEY, "webhook_secret": WEBHOOK_SECRET, **credentials}
    return Account(
        id="stripe-test",
        adapter="stripe",
        base_url=BASE,
        credentials=creds,
        settings={"payout_destinations": {"DE89370400440532013000": "ba_1MtIhL2eZvKYlo2CAElKwKu2"}},
    )


def form(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.content.decode(), keep_blank_values=True))
