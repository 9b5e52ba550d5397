"""The PayPal sandbox profile needs only credentials: without them every sandbox
scenario is skipped naming the variables; with them (served here by the fake, in memory)
the profile's documented test instruments approve and decline as the scenarios expect."""

from __future__ import annotations

import httpx
import pytest

from contract_tests import harness, runner
from contract_tests.fakes.paypal import Fake as PayPalFake

SCENARIOS = ["approve", "capture_full", "void", "refund_partial", "idempotent_retry[authorize]"]


def _run(adapter: str) -> dict[str, runner.Row]:
    rows, code = runner.run(adapter, "sandbox")
    assert code == 0, runner.format_table(rows)
    return {r.scenario: r for r in rows}


@pytest.mark.parametrize(("adapter", "variables"), [
    ("paypal", ["PAYHUB_SANDBOX_PAYPAL_CLIENT_ID", "PAYHUB_SANDBOX_PAYPAL_CLIENT_SECRET"]),
])
def test_without_credentials_every_sandbox_scenario_skips_naming_them(monkeypatch, adapter, variables) -> None:
    for var in variables:
        monkeypatch.delenv(var, raising=False)
    by = _run(adapter)
    assert by and all(r.result == runner.SKIP for r in by.values())
    assert f"credentials not set: {', '.join(variables)}" in by["approve"].reason


def test_paypal_sandbox_profile_with_credentials(monkeypatch) -> None:
    fake = PayPalFake()
    monkeypatch.setattr(harness, "SANDBOX_TRANSPORT", lambda name: httpx.ASGITransport(app=fake.app))
    monkeypatch.setenv("PAYHUB_SANDBOX_PAYPAL_CLIENT_ID", fake.client_id)
    monkeypatch.setenv("PAYHUB_SANDBOX_PAYPAL_CLIENT_SECRET", fake.client_secret)
    by = _run("paypal")
    for scenario in [*SCENARIOS, "decline[insufficient_funds]", "decline[lost_or_stolen]", "decline[expired_card]"]:
        assert by[scenario].result == runner.PASS, runner.format_table(list(by.values()))
