from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import adapters
import contract_tests.fakes
from adapters import registry, scaffold, structure
from contract_tests import runner

ROOT = Path(__file__).resolve().parents[2]
Generated = Callable[[str], list[Path]]


@pytest.fixture
def generated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Generated]:
    """Scaffold a provider into tmp_path and make it importable as adapters.<name>."""
    made: list[str] = []

    def make(name: str) -> list[Path]:
        files = scaffold.create(name, tmp_path)
        monkeypatch.setattr(adapters, "__path__", [*adapters.__path__, str(tmp_path / "adapters")])
        monkeypatch.setattr(contract_tests.fakes, "__path__",
                            [*contract_tests.fakes.__path__, str(tmp_path / "contract_tests" / "fakes")])
        made.append(name)
        registry.clear_cache()
        return files

    yield make
    for mod in list(sys.modules):
        if any(mod.startswith(f"adapters.{n}") or mod == f"contract_tests.fakes.{n}" for n in made):
            del sys.modules[mod]
    registry.clear_cache()


def test_create_writes_the_package_and_the_fake(tmp_path: Path, generated: Generated) -> None:
    files = generated("acme_pay")
    rel = sorted(str(p.relative_to(tmp_path)) for p in files)
    assert rel == [
        "adapters/acme_pay/__init__.py",
        "adapters/acme_pay/flows.py",
        "adapters/acme_pay/mapping.py",
        "contract_tests/fakes/acme_pay.py",
    ]
    flows = (tmp_path / "adapters/acme_pay/flows.py").read_text()
    assert "class AcmePayAdapter(Adapter)" in flows and 'name: ClassVar[str] = "acme_pay"' in flows


def test_scaffold_passes_structural_checks_and_is_discovered(generated: Generated) -> None:
    generated("acme_pay")
    cls = registry.get("acme_pay")  # found by the package scan: no entry point, no reinstall
    assert cls.__name__ == "AcmePayAdapter"
    assert registry.sources()["acme_pay"] == "package adapters.acme_pay"
    assert structure.check(cls) == []
    fake = importlib.import_module("contract_tests.fakes.acme_pay").Fake()
    assert fake.adapter_name == "acme_pay"


def test_scaffold_is_lint_clean(tmp_path: Path, generated: Generated) -> None:
    generated("lint_me")
    out = subprocess.run(
        [str(ROOT / ".venv/bin/ruff"), "check", "--config", str(ROOT / "pyproject.toml"), "--no-cache",
         "--config", 'lint.isort.known-first-party = ["adapters", "contract_tests", "webhooks"]',
         str(tmp_path / "adapters"), str(tmp_path / "contract_tests")],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_scaffold_refuses_to_overwrite_and_bad_names(tmp_path: Path) -> None:
    scaffold.create("once", tmp_path)
    with pytest.raises(scaffold.ScaffoldError, match="refusing to overwrite"):
        scaffold.create("once", tmp_path)
    assert scaffold.create("once", tmp_path, overwrite=True)
    for bad in ["Stripe", "1pay", "base", "registry", "with-dash", "class", "a", "x__y"]:
        with pytest.raises(scaffold.ScaffoldError):
            scaffold.create(bad, tmp_path)


def test_suite_runs_green_on_the_scaffold(generated: Generated) -> None:
    """The generated adapter + fake pass every scenario their capabilities select."""
    generated("green_pay")
    rows, code = runner.run("green_pay")
    assert code == 0, runner.format_table(rows)
    by = {r.scenario: r for r in rows}
    for scenario in ["structure", "approve", "decline[insufficient_funds]", "timeout_resolved[chain]",
                     "timeout_resolved[lookup]", "connect_error_is_retry", "server_error_is_ambiguous",
                     "dropped_connection_is_ambiguous", "idempotent_retry[authorize]"]:
        assert by[scenario].result == runner.PASS, runner.format_table(rows)
    assert by["capture_full"].result == runner.SKIP
    assert by["capture_full"].reason == "green_pay does not declare capture"


def test_suite_catches_a_broken_adapter(tmp_path: Path, generated: Generated) -> None:
    """An adapter that calls a timeout a decline, and forgets decline codes, fails the suite."""
    generated("bad_pay")
    flows = tmp_path / "adapters/bad_pay/flows.py"
    src = flows.read_text().replace(
        "        if isinstance(reply, Outcome):\n            return reply\n        return self._payment(reply)",
        "        if isinstance(reply, Outcome):\n"
        "            return Outcome(status=OutcomeStatus.FAILED, failure=Failure(code=FailureCode.PROVIDER_ERROR))\n"
        "        return self._payment(reply)",
        1,
    )
    flows.write_text(src)
    mapping = tmp_path / "adapters/bad_pay/mapping.py"
    mapping.write_text(mapping.read_text().replace('"insufficient_funds": DeclineCode.INSUFFICIENT_FUNDS,', ""))
    rows, code = runner.run("bad_pay")
    assert code == 1
    results = {r.scenario: r for r in rows}
    assert results["timeout_resolved[chain]"].result == runner.FAIL
    assert "expected pending/unknown, got status=failed" in results["timeout_resolved[chain]"].reason
    assert results["connect_error_is_retry"].result == runner.FAIL
    assert results["decline[insufficient_funds]"].result == runner.FAIL
    assert results["decline[do_not_honor]"].result == runner.PASS
    table = runner.format_table(rows)
    assert "bad_pay [fake]" in table and "FAIL" in table


def test_sandbox_target_runs_the_no_fake_scenarios(generated: Generated, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox code path end to end, with the 'sandbox' served in memory by the scaffold's fake."""
    from adapters.base import PaymentMethod
    from contract_tests import harness, sandbox

    generated("sand_pay")
    fake_mod = importlib.import_module("contract_tests.fakes.sand_pay")
    world = fake_mod.Fake()
    prof = sandbox.SandboxProfile(
        adapter="sand_pay",
        base_url="https://sandbox.sand-pay.invalid",
        credentials_env={"api_key": "PAYHUB_SANDBOX_SAND_PAY_API_KEY"},
        approve=PaymentMethod(type="provider_token", token=fake_mod.APPROVE),
        declines={code: PaymentMethod(type="provider_token", token=tok) for code, tok in fake_mod.DECLINES.items()},
    )
    monkeypatch.setitem(sandbox.PROFILES, "sand_pay", prof)
    monkeypatch.setattr(harness, "SANDBOX_TRANSPORT", lambda name: httpx.ASGITransport(app=world.app))

    monkeypatch.delenv("PAYHUB_SANDBOX_SAND_PAY_API_KEY", raising=False)
    rows, code = runner.run("sand_pay", "sandbox")
    approve = next(r for r in rows if r.scenario == "approve")
    assert approve.result == runner.SKIP
    assert "credentials not set: PAYHUB_SANDBOX_SAND_PAY_API_KEY" in approve.reason

    monkeypatch.setenv("PAYHUB_SANDBOX_SAND_PAY_API_KEY", fake_mod.API_KEY)
    rows, code = runner.run("sand_pay", "sandbox")
    by = {r.scenario: r for r in rows}
    assert code == 0, runner.format_table(rows)
    for scenario in ["approve", "decline[insufficient_funds]", "decline[expired_card]", "idempotent_retry[authorize]"]:
        assert by[scenario].result == runner.PASS, runner.format_table(rows)
    assert by["timeout_resolved[chain]"].result == runner.SKIP
    assert "sandbox target" in by["timeout_resolved[chain]"].reason
