"""`payhub demo` drives every step it prints against the hub and finishes without an error."""

from __future__ import annotations

from typing import Any

import httpx

from hub.api.app import create_app
from hub.demo import run_demo
from tests.conftest import ADMIN_KEY


async def test_the_demo_runs_end_to_end(harness: Any, capsys: Any) -> None:
    transport = httpx.ASGITransport(app=create_app(harness.hub, manage_lifecycle=False))
    assert await run_demo("http://hub", ADMIN_KEY, transport=transport) == 0
    out = capsys.readouterr().out
    assert "demo finished: every step answered as expected" in out
    assert "authenticate" in out and "authorized" in out
    assert "failure=insufficient_funds" in out
    payout_now = next(line for line in out.splitlines() if "payout now" in line)
    assert "succeeded" in payout_now
