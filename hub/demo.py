"""``payhub demo``: drive a full flow against a running hub and print each step."""

from __future__ import annotations

import asyncio
import urllib.parse
from typing import Any

import httpx

CARD = {"exp_month": 12, "exp_year": 2034, "cvc": "123", "holder_name": "Demo Shopper"}


def _line(step: str, payment: dict[str, Any]) -> str:
    amount = f"{payment.get('amount')} {payment.get('currency')}"
    extra = ""
    if payment.get("failure"):
        f = payment["failure"]
        extra = f"  failure={f.get('decline_code') or f.get('code')} (provider: {f.get('provider_code')})"
    if payment.get("amount_captured"):
        extra += f"  captured={payment['amount_captured']}"
    if payment.get("amount_refunded"):
        extra += f"  refunded={payment['amount_refunded']}"
    return f"  {step:<34} {payment.get('id', '')}  {payment.get('status', ''):<16} {amount}{extra}"


class DemoError(Exception):
    pass


async def run_demo(
    url: str,
    api_key: str,
    *,
    account: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> int:
    """``transport``: talk to an app in this process instead of over the network (tests)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30.0, transport=transport) as hub:

        async def call(method: str, path: str, body: Any = None) -> dict[str, Any]:
            r = await hub.request(method, path, json=body)
            if r.status_code >= 400:
                raise DemoError(f"{method} {path} -> {r.status_code}: {r.text}")
            data: dict[str, Any] = r.json()
            return data

        def payment(number: str, **kw: Any) -> dict[str, Any]:
            body: dict[str, Any] = {
                "amount": 2500,
                "currency": "EUR",
                "capture": "manual",
                "payment_method": {"type": "card", "card": {"number": number, **CARD}},
                "reference": "demo",
            }
            if account:
                body["account"] = account
            body.update(kw)
            return body

        try:
            print(f"payhub demo against {url}\n")
            print("1. card payment: authorize, then capture in full")
            p = await call("POST", "/v1/payments", payment("4242424242424242"))
            print(_line("authorize 25.00 EUR", p))
            p = await call("POST", f"/v1/payments/{p['id']}/capture")
            print(_line("capture", p))

            print("\n2. 3-D Secure: challenge, shopper completes it, authenticate")
            p = await call(
                "POST",
                "/v1/payments",
                payment(
                    "4000000000003220",
                    three_ds={"mode": "if_required", "return_url": "https://shop.example/return"},
                ),
            )
            print(_line("authorize (3DS card)", p))
            if p["status"] == "requires_action":
                action = p["next_action"]
                print(f"  {'':<34} next_action: {action['type']} -> {action['url']}")
                params = await _complete_challenge(hub, action["url"], transport)
                p = await call("POST", f"/v1/payments/{p['id']}/authenticate", {"params": params})
                print(_line("authenticate", p))

            print("\n3. partial capture, then a refund")
            p = await call("POST", "/v1/payments", payment("4242424242424242", amount=10000))
            print(_line("authorize 100.00 EUR", p))
            p = await call("POST", f"/v1/payments/{p['id']}/capture", {"amount": 6000})
            print(_line("capture 60.00 EUR", p))
            r = await call("POST", f"/v1/payments/{p['id']}/refunds", {"amount": 1500})
            print(f"  {'refund 15.00 EUR':<34} {r['id']}  {r['status']}")
            p = await call("GET", f"/v1/payments/{p['id']}")
            print(_line("payment now", p))

            print("\n4. a decline is a failed payment with a unified code")
            p = await call("POST", "/v1/payments", payment("4000000000009995"))
            print(_line("authorize (insufficient funds)", p))

            print("\n5. a payout to a bank account (the bank settles it a moment later)")
            body: dict[str, Any] = {
                "amount": 1200,
                "currency": "EUR",
                "destination": {
                    "type": "bank_account",
                    "iban": "DE89370400440532013000",
                    "bic": "COBADEFFXXX",
                    "name": "Zoë Müller",
                    "country": "DE",
                },
                "reference": "demo-payout",
            }
            if account:
                body["account"] = account
            po = await call("POST", "/v1/payouts", body)
            print(_line("pay out 12.00 EUR", po))
            for _ in range(60):
                if po["status"] != "processing":
                    break
                await asyncio.sleep(0.5)
                po = await call("GET", f"/v1/payouts/{po['id']}")
            print(_line("payout now", po))

            print("\n6. a dispute: the shopper's bank charges back, the merchant answers with evidence")
            await _dispute_step(call, payment("4000000000002685", capture="automatic", reference="demo-dispute"))

            events = await call("GET", "/v1/events?limit=5")
            print("\nlatest events: " + ", ".join(e["type"] for e in events["data"]))
            await _print_ledger(hub)
            print("\ndemo finished: every step answered as expected")
            return 0
        except (DemoError, httpx.HTTPError) as exc:
            print(f"\ndemo failed: {exc}")
            return 1


def _dispute_line(step: str, d: dict[str, Any]) -> str:
    amount = f"{d.get('amount')} {d.get('currency')}"
    return f"  {step:<34} {d['id']}  {d['status']:<16} {amount}  reason={d['reason']} withdrawn={d['amount_withdrawn']}"


async def _dispute_step(call: Any, body: dict[str, Any], *, wait: float = 45.0) -> None:
    """Pay with the simulator's dispute card, wait for the dispute (the embedded default reads
    the simulator's news by polling), then win it with evidence."""
    p = await call("POST", "/v1/payments", body)
    print(_line("purchase (dispute test card)", p))
    print(f"  {'':<34} waiting for the provider's dispute notification ...")
    found: list[dict[str, Any]] = []
    for _ in range(int(wait / 0.5)):
        found = (await call("GET", f"/v1/disputes?payment={p['id']}"))["data"]
        if found:
            break
        await asyncio.sleep(0.5)
    if not found:
        print(f"  {'':<34} no dispute reported (this account's provider has no dispute test card): skipped")
        return
    d = found[0]
    print(_dispute_line("dispute opened", d))
    p = await call("GET", f"/v1/payments/{p['id']}")
    print(f"  {'payment now':<34} {p['id']}  amount_disputed={p['amount_disputed']} disputes={p['disputes']}")
    d = await call("POST", f"/v1/disputes/{d['id']}/evidence", {"text": "winning_evidence", "submit": True})
    print(_dispute_line("evidence submitted", d))


async def _print_ledger(hub: httpx.AsyncClient) -> None:
    """The books after the flow: every ledger account's balance per currency (DESIGN §13)."""
    from hub.ledger_cli import format_balances

    r = await hub.get("/v1/ledger/accounts")
    if r.status_code == 403:
        print("\nledger balances: this key may not read the ledger (read, auditor or admin keys can)")
        return
    if r.status_code >= 400:
        raise DemoError(f"GET /v1/ledger/accounts -> {r.status_code}: {r.text}")
    books = {a["name"]: a["balances"] for a in r.json()["data"] if a["balances"]}
    print("\nledger balances (debits positive, credits negative):")
    print("\n".join("  " + line for line in format_balances(books).splitlines()))


async def _complete_challenge(
    hub: httpx.AsyncClient, challenge_url: str, transport: httpx.AsyncBaseTransport | None = None
) -> dict[str, str]:
    """Act as the shopper's browser on the simulator's challenge page.

    In the embedded default the simulator runs inside the hub process; its pages are
    reachable through the hub at /simulator (see hub/api/simulator.py)."""
    parts = urllib.parse.urlsplit(challenge_url)
    if parts.netloc.endswith("payhub.internal"):
        r = await hub.post(parts.path, data={"result": "success"}, follow_redirects=False)
    else:
        async with httpx.AsyncClient(transport=transport) as browser:
            r = await browser.post(challenge_url, data={"result": "success"}, follow_redirects=False)
    if r.status_code not in (302, 303):
        raise DemoError(f"challenge page answered {r.status_code}: {r.text[:200]}")
    back = urllib.parse.urlsplit(r.headers["location"])
    return dict(urllib.parse.parse_qsl(back.query))
