"""`payhub demo` drives every step it prints against the hub and finishes without an error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from hub.api.app import create_app
from hub.demo import run_demo
from tests.conftest import ADMIN_KEY, SANDBOX_TOML, start_harness


async def test_the_demo_runs_end_to_end(db_url: str, tmp_path: Path, capsys: Any) -> None:
    # simulator news (payouts, disputes) is polled: quickly here
    harness = await start_harness(db_url, tmp_path, config_toml=SANDBOX_TOML + "[notifications]\npoll_interval = 0.2\n")
    try:
        transport = httpx.ASGITransport(app=create_app(harness.hub, manage_lifecycle=False))
        assert await run_demo("http://hub", ADMIN_KEY, transport=transport) == 0
    finally:
        await harness.client.aclose()
        await harness.hub.stop()
    out = capsys.readouterr().out
    assert "demo finished: every step answered as expected" in out
    assert "authenticate" in out and "authorized" in out
    assert "failure=insufficient_funds" in out
    payout_now = next(line for line in out.splitlines() if "payout now" in line)
    assert "succeeded" in payout_now
    opened = next(line for line in out.splitlines() if "dispute opened" in line)
    assert "needs_response" in opened and "reason=product_not_received" in opened
    evidence = next(line for line in out.splitlines() if "evidence submitted" in line)
    assert " won " in evidence and "withdrawn=0" in evidence
