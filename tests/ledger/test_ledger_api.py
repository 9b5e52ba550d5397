"""GET /v1/ledger/*: filters, cursor paging, unknown accounts, roles."""

from __future__ import annotations

import datetime as dt

from tests.ledger.conftest import pay
from tests.payouts.conftest import PayoutWorld


async def _purchases(world: PayoutWorld, n: int) -> list[str]:
    ids = []
    for i in range(n):
        r = await world.h.post("/v1/payments", pay(amount=100 + i, capture="automatic"))
        assert r.json()["status"] == "captured", r.text
        ids.append(r.json()["id"])
    return ids


async def test_entries_page_newest_first_and_filter(world: PayoutWorld) -> None:
    h = world.h
    ids = await _purchases(world, 5)
    refund = (await h.post(f"/v1/payments/{ids[0]}/refunds", {"amount": 40})).json()

    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = (await h.get("/v1/ledger/entries", **params)).json()
        assert set(body) >= {"data", "has_more", "next_cursor"} and len(body["data"]) <= 2
        seen += body["data"]
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        cursor = body["next_cursor"]
    assert len(seen) == 6 and len({e["id"] for e in seen}) == 6
    assert [e["kind"] for e in seen] == ["refund"] + ["capture"] * 5
    assert [e["resource"] for e in seen] == [refund["id"], *reversed(ids)]
    first = seen[-1]
    assert set(first) >= {"id", "resource", "kind", "postings", "created_at"}
    assert sorted(first["postings"], key=lambda p: p["amount"]) == [
        {"account": "sales", "currency": "EUR", "amount": -100},
        {"account": "provider:sandbox", "currency": "EUR", "amount": 100},
    ]

    r = await h.get("/v1/ledger/entries", account="refunds")
    assert [e["resource"] for e in r.json()["data"]] == [refund["id"]]
    r = await h.get("/v1/ledger/entries", account="provider:sandbox", limit=100)
    assert len(r.json()["data"]) == 6
    r = await h.get("/v1/ledger/entries", resource=ids[2])
    assert [e["kind"] for e in r.json()["data"]] == ["capture"]

    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    earlier = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat()
    assert len((await h.get("/v1/ledger/entries", **{"created[gte]": earlier})).json()["data"]) == 6
    assert (await h.get("/v1/ledger/entries", **{"created[gte]": later})).json()["data"] == []
    assert (await h.get("/v1/ledger/entries", **{"created[lt]": earlier})).json()["data"] == []

    r = await h.get("/v1/ledger/entries", cursor="not-a-cursor")
    assert r.status_code == 422 and r.json()["code"] == "validation_error"


async def test_accounts_show_the_chart_and_unknown_names_are_404(world: PayoutWorld) -> None:
    h = world.h
    await _purchases(world, 1)
    names = [a["name"] for a in (await h.get("/v1/ledger/accounts")).json()["data"]]
    assert set(names) == {
        "sales", "refunds", "fees", "disputes", "payouts", "bank", "provider:sandbox", "provider:bank",
    }  # fmt: skip
    r = await h.get("/v1/ledger/accounts/sales")
    assert r.json()["balances"] == [{"currency": "EUR", "debits": 0, "credits": 100, "balance": -100}]
    r = await h.get("/v1/ledger/accounts/provider:sandbox")
    assert r.status_code == 200 and r.json()["balances"][0]["balance"] == 100
    assert (await h.get("/v1/ledger/accounts/fees")).json()["balances"] == []
    for unknown in ("cash", "provider%3Anowhere"):
        r = await h.get(f"/v1/ledger/accounts/{unknown}")
        assert r.status_code == 404 and r.json()["code"] == "not_found", r.text


async def test_the_ledger_needs_a_read_key(world: PayoutWorld) -> None:
    h = world.h
    paths = ["/v1/ledger/accounts", "/v1/ledger/accounts/sales", "/v1/ledger/entries"]
    for path in paths:
        r = await h.client.get(path)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = await h.get(path, key="phk_not_a_key")
        assert r.status_code == 401
    for role in ("payments", "refunds", "payouts"):  # keys scoped to their owner's resources
        key = await h.new_key(role)
        for path in paths:
            r = await h.get(path, key=key)
            assert r.status_code == 403 and r.json()["code"] == "forbidden", (role, path)
    for role in ("read", "auditor", "admin"):
        key = await h.new_key(role)
        for path in paths:
            assert (await h.get(path, key=key)).status_code == 200, (role, path)


async def test_the_ledger_is_in_the_openapi_schema(world: PayoutWorld) -> None:
    paths = (await world.h.client.get("/schema")).json()["paths"]
    assert {"/v1/ledger/accounts", "/v1/ledger/accounts/{name}", "/v1/ledger/entries"} <= set(paths)
    params = {p["name"] for p in paths["/v1/ledger/entries"]["get"]["parameters"]}
    assert {"account", "resource", "created[gte]", "created[lt]", "cursor", "limit"} <= params
