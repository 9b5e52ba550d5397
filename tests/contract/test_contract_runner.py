from __future__ import annotations

import pytest

from contract_tests import cli_support, runner
from contract_tests.harness import Target, resolve_targets
from contract_tests.runner import FAIL, PASS, SKIP, Row


def test_format_table_groups_and_reasons() -> None:
    rows = [
        Row("acme", "fake", "approve", PASS),
        Row("acme", "fake", "void", SKIP, "acme does not declare void"),
        Row("acme", "fake", "decline[expired_card]", FAIL, "AssertionError: decline_code: expected expired_card"),
        Row("acme", "sandbox", "approve", SKIP, "acme-sandbox: credentials not set: PAYHUB_SANDBOX_ACME_KEY"),
    ]
    table = runner.format_table(rows)
    lines = table.splitlines()
    assert lines[0] == "acme [fake]  pass 1  fail 1  skip 1"
    assert any(line.split()[:2] == ["approve", "PASS"] for line in lines)
    assert any("void" in line and "SKIP" in line and "acme does not declare void" in line for line in lines)
    assert any("decline[expired_card]" in line and "FAIL" in line and "expected expired_card" in line
               for line in lines)
    assert "acme [sandbox]  skip 1" in table
    assert "credentials not set: PAYHUB_SANDBOX_ACME_KEY" in table
    assert lines[-1] == "total: 1 pass, 1 fail, 0 error, 2 skip"


def test_format_table_truncates_long_reasons_and_handles_empty() -> None:
    assert runner.format_table([]) == "no contract scenarios ran"
    table = runner.format_table([Row("a", "fake", "s", FAIL, "x" * 500)], width=80)
    assert max(len(line) for line in table.splitlines()) <= 80
    assert "…" in table


def test_summary_counts() -> None:
    rows = [Row("a", "fake", "s1", PASS), Row("a", "fake", "s2", PASS), Row("a", "fake", "s3", SKIP)]
    assert runner.summary(rows) == {"PASS": 2, "FAIL": 0, "ERROR": 0, "SKIP": 1}


def test_sandbox_targets_skip_without_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYHUB_SANDBOX_STRIPE_SECRET_KEY", raising=False)
    monkeypatch.delenv("PAYHUB_SANDBOX_ADYEN_API_KEY", raising=False)
    monkeypatch.setenv("PAYHUB_SANDBOX_ADYEN_MERCHANT_ACCOUNT", "TestMerchant")
    targets = {t.id: t for t in resolve_targets(["stripe", "adyen", "simulator"], "sandbox")}
    assert targets["stripe-sandbox"].skip == "credentials not set: PAYHUB_SANDBOX_STRIPE_SECRET_KEY"
    assert targets["adyen-sandbox"].skip == "credentials not set: PAYHUB_SANDBOX_ADYEN_API_KEY"
    assert "no sandbox profile" in (targets["simulator-sandbox"].skip or "")
    monkeypatch.setenv("PAYHUB_SANDBOX_STRIPE_SECRET_KEY", "sk_test_x")
    (stripe,) = resolve_targets(["stripe"], "sandbox")
    assert stripe.skip is None and stripe.error is None


def test_unknown_adapter_target_is_an_error_not_a_crash() -> None:
    (t,) = resolve_targets(["no_such_adapter"], "fake")
    assert t == Target("no_such_adapter", "fake", error=t.error)
    assert t.error and "unknown adapter 'no_such_adapter'" in t.error


def test_run_reports_sandbox_skips_with_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYHUB_SANDBOX_STRIPE_SECRET_KEY", raising=False)
    rows, code = runner.run("stripe", "sandbox")
    assert code == 0 and rows
    assert all(r.result == SKIP for r in rows)
    approve = next(r for r in rows if r.scenario == "approve")
    assert "credentials not set: PAYHUB_SANDBOX_STRIPE_SECRET_KEY" in approve.reason


def test_cli_support_functions() -> None:
    table = cli_support.adapters_table()
    assert "simulator" in table and "features:" in table and "resolution:" in table
    text, code = cli_support.contract_test("no_such_adapter")
    assert code == 2 and "unknown adapter" in text
    text, code = cli_support.contract_test("simulator", "nowhere")
    assert code == 2
