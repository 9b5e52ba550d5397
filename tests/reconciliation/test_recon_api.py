"""POST /v1/reconciliations: validation (problem+json, nothing created), roles, 404s."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import func, select

from adapters.base import Capability
from hub.store.reconciliation_tables import reconciliation_runs
from tests.conftest import HubHarness
from tests.reconciliation.conftest import reconcile


async def _runs(h: HubHarness) -> int:
    async with h.hub.engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(reconciliation_runs)) or 0)


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (
            {"account": "nope", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
            "unknown_account",
        ),
        (
            {"account": "sandbox", "from": "2026-01-02T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "invalid_window",
        ),
        (
            {"account": "sandbox", "from": "2026-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
            "invalid_window",
        ),
        (
            {"account": "sandbox", "from": "2026-01-01T00:00:00", "to": "2026-01-02T00:00:00"},
            "invalid_window",
        ),
        ({"account": "sandbox", "from": "yesterday", "to": "2026-01-02T00:00:00Z"}, "validation_error"),
        ({"account": "sandbox", "to": "2026-01-02T00:00:00Z"}, "validation_error"),
        (
            {"account": "sandbox", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z", "x": 1},
            "validation_error",
        ),
    ],
)
async def test_bad_requests_are_422_and_create_nothing(
    harness: HubHarness, body: dict[str, object], code: str
) -> None:
    r = await harness.post("/v1/reconciliations", body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code, r.json()
    assert await _runs(harness) == 0


async def test_an_account_without_the_capability_is_refused(harness: HubHarness) -> None:
    adapter = harness.hub.providers.get("sandbox").adapter
    caps = adapter.capabilities
    adapter.capabilities = msgspec.structs.replace(caps, features=caps.features - {Capability.RECONCILIATION})
    r = await harness.post(
        "/v1/reconciliations",
        {"account": "sandbox", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"},
    )
    assert r.status_code == 422 and r.json()["code"] == "reconciliation_not_supported", r.text
    assert await _runs(harness) == 0


async def test_only_admin_keys_start_runs_and_readers_read_them(harness: HubHarness) -> None:
    h = harness
    body = {"account": "sandbox", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    payments_key = await h.new_key("payments")
    assert (await h.post("/v1/reconciliations", body, key=payments_key)).status_code == 403
    run = await reconcile(h, **{"from": body["from"], "to": body["to"]})
    assert run["status"] == "completed" and run["account"] == "sandbox", run
    assert set(run) >= {
        "id",
        "account",
        "from",
        "to",
        "status",
        "reason",
        "summary",
        "created_at",
        "completed_at",
    }
    assert run["from"] == "2026-01-01T00:00:00Z" and run["to"] == "2026-01-02T00:00:00Z"
    reader = await h.new_key("read")
    assert (await h.get(f"/v1/reconciliations/{run['id']}", key=reader)).status_code == 200
    assert (await h.get(f"/v1/reconciliations/{run['id']}", key=payments_key)).status_code == 403


async def test_unknown_runs_are_404_and_bad_filters_422(harness: HubHarness) -> None:
    h = harness
    r = await h.get("/v1/reconciliations/rec_00000000000000000000000000")
    assert r.status_code == 404 and r.json()["code"] == "not_found", r.text
    r = await h.get("/v1/reconciliations/rec_00000000000000000000000000/items")
    assert r.status_code == 404, r.text
    run = await reconcile(h, **{"from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"})
    r = await h.get(f"/v1/reconciliations/{run['id']}/items", kind="bogus")
    assert r.status_code in (400, 422), r.text
    r = await h.get(f"/v1/reconciliations/{run['id']}/items", cursor="not-a-cursor")
    assert r.status_code == 422, r.text


async def test_a_window_in_the_future_is_a_failed_run(harness: HubHarness) -> None:
    run = await reconcile(harness, **{"from": "2026-01-01T00:00:00Z", "to": "2999-01-02T00:00:00Z"})
    assert run["status"] == "failed" and run["reason"].startswith("window_in_future"), run
