"""The Square sandbox profile needs only credentials: without them every sandbox
scenario is skipped naming the variables; with them (served here by the fake, in memory)
the profile's documented test instruments approve and decline as the scenarios expect."""

from __future__ import annotations

import httpx
import pytest

from contract_tests import harness, runner
from contract_tests.fakes.square import Fake as SquareFake

SCENARIOS = ["approve", "capture_full", "void", "refund_partial", "idempotent_retry[authorize]"]


def _run(adapter: str) -> dict[str, runner.Row]:
    rows, code = runner.run(adapter, "sandbox")
    assert code == 0, runner.format_table(rows)
    return {r.scenario: r for r in rows}


@pytest.mark.parametrize(("adapter", "variables"), [
    ("square", ["PAYHUB_SANDBOX_SQUARE_ACCESS_TOKEN", "PAYHUB_SANDBOX_SQUARE_LOCATION_ID"]),
])
def test_without_credentials_every_sandbox_scenario_skips_naming_them(monkeypatch, adapter, variables) -> None:
    for var in variables:
        monkeypatch.delenv(var, raising=False)
    by = _run(adapter)
    assert by and all(r.result == runner.SKIP for r in by.values())
    assert f"credentials not set: {', '.join(variables)}" in by["approve"].reason


def test_square_sandbox_profile_with_credentials(monkeypatch) -> None:
    fake = SquareFake(currency="USD")
    monkeypatch.setattr(harness, "SANDBOX_TRANSPORT", lambda name: httpx.ASGITransport(app=fake.app))
    monkeypatch.setenv("PAYHUB_SANDBOX_SQUARE_ACCESS_TOKEN", fake.access_token)
    monkeypatch.setenv("PAYHUB_SANDBOX_SQUARE_LOCATION_ID", fake.location_id)
    by = _run("square")
    for scenario in [*SCENARIOS, "decline[do_not_honor]", "decline[incorrect_cvc]", "decline[expired_card]"]:
        assert by[scenario].result == runner.PASS, runner.format_table(list(by.values()))
