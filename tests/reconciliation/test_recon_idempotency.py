"""POST /v1/reconciliations takes an Idempotency-Key like every creating POST (DESIGN §5, §14):
the same key and body answer the same run (the recorded 202, ``Idempotent-Replayed: true``),
a different body is 422 ``idempotency_key_reused``, concurrent requests make one run."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from hub.store.reconciliation_tables import reconciliation_runs
from idempotency.tables import idempotency_keys
from tests.conftest import HubHarness

BODY = {"account": "sandbox", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}


async def _count(h: HubHarness, table: object) -> int:
    async with h.hub.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(table)) or 0)  # type: ignore[arg-type]


async def _join(h: HubHarness) -> None:
    async with asyncio.timeout(20):
        await h.hub.jobs.join()


async def test_same_key_same_body_answers_the_same_run(harness: HubHarness) -> None:
    h = harness
    first = await h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "recon-jan-1"})
    assert first.status_code == 202, first.text
    assert "idempotent-replayed" not in first.headers and first.json()["status"] == "running"
    await _join(h)
    again = await h.post(
        "/v1/reconciliations", dict(reversed(list(BODY.items()))), **{"Idempotency-Key": "recon-jan-1"}
    )
    assert again.status_code == 202, again.text
    assert again.headers["idempotent-replayed"] == "true"
    assert again.content == first.content  # the recorded answer, byte for byte
    assert await _count(h, reconciliation_runs) == 1
    done = (await h.get(f"/v1/reconciliations/{first.json()['id']}")).json()
    assert done["status"] == "completed", done
    other = await h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "recon-jan-1-again"})
    assert other.status_code == 202 and other.json()["id"] != first.json()["id"]
    no_key = await h.post("/v1/reconciliations", BODY)
    assert no_key.status_code == 202 and no_key.json()["id"] not in (first.json()["id"], other.json()["id"])
    await _join(h)
    assert await _count(h, reconciliation_runs) == 3


async def test_same_key_different_body_is_422_and_starts_nothing(harness: HubHarness) -> None:
    h = harness
    r1 = await h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "recon-k"})
    assert r1.status_code == 202, r1.text
    r2 = await h.post(
        "/v1/reconciliations", {**BODY, "to": "2026-01-03T00:00:00Z"}, **{"Idempotency-Key": "recon-k"}
    )
    assert r2.status_code == 422 and r2.json()["code"] == "idempotency_key_reused", r2.text
    assert r2.headers["content-type"].startswith("application/problem+json")
    await _join(h)
    assert await _count(h, reconciliation_runs) == 1


async def test_concurrent_requests_with_one_key_make_one_run(harness: HubHarness) -> None:
    h = harness
    responses = await asyncio.gather(
        *[h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "recon-race"}) for _ in range(10)]
    )
    ok = [r for r in responses if r.status_code == 202]
    busy = [r for r in responses if r.status_code == 409]
    assert len(ok) + len(busy) == 10 and ok, [r.text for r in responses]
    assert all(r.json()["code"] == "idempotency_key_in_use" and r.headers.get("retry-after") for r in busy)
    assert len({r.json()["id"] for r in ok}) == 1
    assert len([r for r in ok if "idempotent-replayed" not in r.headers]) == 1
    await _join(h)
    assert await _count(h, reconciliation_runs) == 1


async def test_a_refused_request_keeps_no_key(harness: HubHarness) -> None:
    h = harness
    bad = await h.post("/v1/reconciliations", {**BODY, "account": "nope"}, **{"Idempotency-Key": "recon-fix"})
    assert bad.status_code == 422 and bad.json()["code"] == "unknown_account", bad.text
    assert await _count(h, idempotency_keys) == 0 and await _count(h, reconciliation_runs) == 0
    good = await h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "recon-fix"})
    assert good.status_code == 202 and "idempotent-replayed" not in good.headers, good.text
    await _join(h)
    invalid = await h.post("/v1/reconciliations", BODY, **{"Idempotency-Key": "has space"})
    assert invalid.status_code == 400 and invalid.json()["code"] == "invalid_idempotency_key", invalid.text
    assert await _count(h, reconciliation_runs) == 1
