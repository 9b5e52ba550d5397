"""GET /metrics: request latency by route template, provider calls, ambiguity, resolution, backlogs."""

from __future__ import annotations

import re

from tests.telemetry.conftest import DECLINE, HANG, OK, pay


async def test_metrics_needs_no_key_and_speaks_prometheus_text(th, scrape):
    r = await th.client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    assert "# TYPE payhub_http_request_seconds histogram" in r.text
    assert "# TYPE payhub_provider_call_seconds histogram" in r.text


async def test_a_payment_is_counted_under_its_route_template_never_its_id(th, scrape, value):
    before = await scrape(th)
    r = await th.post("/v1/payments", pay(OK))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert (await th.get(f"/v1/payments/{pid}")).status_code == 200
    assert (await th.get("/v1/payments/pay_doesnotexist")).status_code == 404
    after = await scrape(th)

    def grew(route: str, method: str, status: str) -> float:
        name = "payhub_http_request_seconds_count"
        labels = {"route": route, "method": method, "status": status}
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("/v1/payments", "POST", "201") == 1
    assert grew("/v1/payments/{payment_id}", "GET", "200") == 1
    assert grew("/v1/payments/{payment_id}", "GET", "404") == 1
    exposition = (await th.client.get("/metrics")).text
    assert pid not in exposition and "pay_doesnotexist" not in exposition


async def test_an_unmatched_path_is_one_label_not_one_per_path(th, scrape, value):
    before = await scrape(th)
    for path in ("/nope/1", "/nope/2", "/v2/whatever"):
        assert (await th.client.get(path)).status_code == 404
    after = await scrape(th)
    labels = {"route": "unmatched", "method": "GET", "status": "404"}
    name = "payhub_http_request_seconds_count"
    assert value(after, name, **labels) - value(before, name, **labels) == 3


async def test_provider_calls_by_account_operation_and_outcome(th, scrape, value):
    before = await scrape(th)
    approved = (await th.post("/v1/payments", pay(OK))).json()
    declined = (await th.post("/v1/payments", pay(DECLINE))).json()
    assert declined["status"] == "failed"
    r = await th.post(f"/v1/payments/{approved['id']}/capture", {})
    assert r.json()["status"] == "captured", r.text
    after = await scrape(th)

    def calls(operation: str, outcome: str) -> float:
        name = "payhub_provider_call_seconds_count"
        labels = {"account": "sandbox", "operation": operation, "outcome": outcome}
        return value(after, name, **labels) - value(before, name, **labels)

    assert calls("authorize", "succeeded") == 1
    assert calls("authorize", "failed") == 1
    assert calls("capture", "succeeded") == 1
    total = "payhub_provider_call_seconds_sum"
    labels = {"account": "sandbox", "operation": "authorize", "outcome": "succeeded"}
    assert value(after, total, **labels) > value(before, total, **labels)


async def test_an_ambiguous_call_is_counted_and_its_resolution_timed(th, scrape, value, wait_status):
    before = await scrape(th)
    r = await th.post("/v1/payments", pay(HANG))
    assert r.json()["status"] == "processing", r.text
    mid = await scrape(th)
    amb = {"account": "sandbox", "operation": "authorize"}
    assert (
        value(mid, "payhub_ambiguous_outcomes_total", **amb)
        - value(before, "payhub_ambiguous_outcomes_total", **amb)
        == 1
    )
    unknown = {"account": "sandbox", "operation": "authorize", "outcome": "unknown"}
    name = "payhub_provider_call_seconds_count"
    assert value(mid, name, **unknown) - value(before, name, **unknown) == 1

    await wait_status(th, r.json()["id"], "authorized")  # the hang card charged: lookup proves it
    after = await scrape(th)
    res = {"account": "sandbox", "operation": "authorize", "strategy": "lookup"}
    assert (
        value(after, "payhub_resolution_seconds_count", **res)
        - value(before, "payhub_resolution_seconds_count", **res)
        == 1
    )
    lookups = {"account": "sandbox", "operation": "lookup", "outcome": "succeeded"}
    assert value(after, name, **lookups) - value(before, name, **lookups) >= 1


async def test_backlog_gauges_show_unresolved_work_and_queued_jobs(slow_th, scrape, value):
    r = await slow_th.post("/v1/payments", pay(HANG))
    assert r.json()["status"] == "processing"
    samples = await scrape(slow_th)
    assert value(samples, "payhub_resolution_backlog", state="unknown") == 1
    assert value(samples, "payhub_resolution_backlog", state="requires_review") == 0
    assert value(samples, "payhub_job_queue_depth") >= 1  # its first check, a minute away
    assert ("payhub_webhook_inbox_backlog", frozenset()) in samples
    assert ("payhub_outbound_backlog", frozenset()) in samples


async def test_request_id_is_echoed_when_sane_and_generated_otherwise(th):
    r = await th.client.get("/health", headers={"X-Request-ID": "checkout-42.a:b"})
    assert r.headers["x-request-id"] == "checkout-42.a:b"
    for bad in ("has spaces in it", "x" * 200, "semi;colon"):
        r = await th.client.get("/health", headers={"X-Request-ID": bad})
        assert r.headers["x-request-id"] != bad
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"])
    a = (await th.client.get("/health")).headers["x-request-id"]
    b = (await th.client.get("/nope")).headers["x-request-id"]
    assert a != b
