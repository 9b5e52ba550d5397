"""Structured logs: every line about a payment carries the request id, payment id and operation id."""

from __future__ import annotations

import asyncio
import logging

from hub.telemetry.context import bind_log_context, log_context, log_fields
from tests.telemetry.conftest import HANG, OK, pay


async def test_log_lines_of_a_payment_carry_request_payment_and_operation_ids(th, json_logs):
    r = await th.post("/v1/payments", pay(OK), **{"X-Request-ID": "req-order-1001"})
    assert r.status_code == 201
    pid = r.json()["id"]
    ops = (await th.get(f"/v1/payments/{pid}/operations")).json()
    op_id = (ops["data"] if isinstance(ops, dict) else ops)[0]["id"]

    about = [line for line in json_logs.lines if line.get("payment_id") == pid]
    assert about, json_logs.lines
    provider_lines = [line for line in about if line["logger"] == "payhub.provider"]
    assert provider_lines, about
    for line in about:
        assert line["request_id"] == "req-order-1001"
        assert line["operation_id"] == op_id
        assert line["operation_kind"] == "authorize"
    # and nothing leaks into lines logged after the request
    logging.getLogger("payhub.test").info("after the request")
    assert "payment_id" not in json_logs.lines[-1] and "request_id" not in json_logs.lines[-1]


async def test_resolution_job_lines_carry_the_job_and_the_ids(th, json_logs, wait_status):
    r = await th.post("/v1/payments", pay(HANG), **{"X-Request-ID": "req-hang"})
    pid = r.json()["id"]
    ambiguous = [line for line in json_logs.lines if "ambiguous" in line["msg"]]
    assert ambiguous and ambiguous[0]["payment_id"] == pid and ambiguous[0]["level"] == "warning"
    assert ambiguous[0]["request_id"] == "req-hang"

    await wait_status(th, pid, "authorized")
    checked = [line for line in json_logs.lines if line.get("job") == "resolve_operation"]
    assert checked, json_logs.lines
    assert all(line.get("payment_id") == pid for line in checked if "checked by" in line["msg"])
    assert any("checked by lookup" in line["msg"] for line in checked)
    assert all(line["operation_id"] == ambiguous[0]["operation_id"] for line in checked)
    assert all("request_id" not in line for line in checked)  # a job is not the request


async def test_log_context_is_scoped_and_per_task():
    seen: dict[str, dict[str, str]] = {}

    async def work(name: str) -> None:
        with log_context(payment_id=f"pay_{name}"):
            await asyncio.sleep(0.01)
            bind_log_context(operation_id=f"op_{name}")
            await asyncio.sleep(0.01)
            seen[name] = dict(log_fields())

    with log_context(job="outer"):
        await asyncio.gather(work("a"), work("b"))
        assert dict(log_fields()) == {"job": "outer"}
    assert dict(log_fields()) == {}
    assert seen["a"] == {"job": "outer", "payment_id": "pay_a", "operation_id": "op_a"}
    assert seen["b"] == {"job": "outer", "payment_id": "pay_b", "operation_id": "op_b"}
