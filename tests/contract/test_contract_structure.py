from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from adapters import registry, structure

MakePackage = Callable[..., str]
ProviderPackage = Callable[..., dict[str, str]]


def _check(make_package: MakePackage, files: dict[str, str], name: str = "acme") -> list[str]:
    pkg = make_package(files)
    module = importlib.import_module(f"{pkg}.{name}")
    problems: list[str] = structure.check(module.GoodAdapter)
    return problems


def test_good_adapter_passes(make_package: MakePackage, provider_package: ProviderPackage) -> None:
    assert _check(make_package, provider_package("acme")) == []


def test_missing_resolution_strategy_is_caught(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace(
        "resolution={OperationKind.AUTHORIZE: (Strategy.LOOKUP,)},", "resolution={},")
    problems = _check(make_package, provider_package("acme", flows))
    assert any("no resolution strategy declared for authorize" in p for p in problems), problems


def test_strategy_without_capability_is_caught(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace("(Strategy.LOOKUP,)", "(Strategy.WEBHOOK,)")
    problems = _check(make_package, provider_package("acme", flows))
    assert any("uses webhook but neither webhooks nor notification_polling" in p for p in problems), problems


def test_hub_import_is_caught(make_package: MakePackage, provider_package: ProviderPackage) -> None:
    extra = {
        "acme/helpers.py": "from hub.domain import money  # noqa\n",
        "acme/deep/__init__.py": "",
        "acme/deep/more.py": "import vault.envelope\nimport idempotency\nimport webhooks.errors\nimport httpx\n",
    }
    files = provider_package("acme", extra=extra)
    pkg = make_package(files)
    # the scan is static: nothing is imported (hub may not even exist)
    module = importlib.import_module(f"{pkg}.acme.flows")
    problems = structure.check(module.GoodAdapter)
    joined = "\n".join(problems)
    assert "acme/helpers.py:1 imports hub" in joined
    assert "acme/deep/more.py:1 imports vault" in joined
    assert "acme/deep/more.py:2 imports idempotency" in joined
    assert len(problems) == 3, problems  # webhooks and httpx are allowed


def test_declared_but_not_implemented_is_caught(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace(
        "Capability.LOOKUP}", "Capability.LOOKUP, Capability.CAPTURE, Capability.REFUND}"
    ).replace("resolution={OperationKind.AUTHORIZE: (Strategy.LOOKUP,)}",
              "resolution={OperationKind.AUTHORIZE: (Strategy.LOOKUP,), OperationKind.CAPTURE: (Strategy.LOOKUP,),"
              " OperationKind.REFUND: (Strategy.LOOKUP,)}")
    problems = _check(make_package, provider_package("acme", flows))
    assert any("capability capture is declared but GoodAdapter.capture() is not implemented" in p
               for p in problems), problems
    assert any("refund() is not implemented" in p for p in problems), problems


def test_refinement_without_base_and_no_payment_method(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace(
        "Capability.PROVIDER_TOKEN, Capability.LOOKUP}", "Capability.LOOKUP, Capability.PARTIAL_REFUND}")
    problems = _check(make_package, provider_package("acme", flows))
    assert any("partial_refund is declared without refund" in p for p in problems), problems
    assert any("without raw_card or provider_token" in p for p in problems), problems


def test_undeclared_credential_is_caught(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace(
        'key = self.account.credentials["api_key"]',
        'key = self.account.credentials["api_key"] + self.account.credentials.get("secret_sauce", "")')
    problems = _check(make_package, provider_package("acme", flows))
    assert any("credentials['secret_sauce']" in p for p in problems), problems


def test_no_credentials_and_bad_name_and_currencies(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = (good_flows.format(name="Acme-Pay")
             .replace('required_credentials=("api_key",),', 'currencies=frozenset({"eur"}),')
             .replace('self.account.credentials["api_key"]', '"x"'))
    problems = _check(make_package, provider_package("acme", flows))
    joined = "\n".join(problems)
    assert "must be a lower-case identifier" in joined
    assert "no credentials declared" in joined
    assert "non-ISO-4217" in joined


def test_missing_mapping_module_is_caught(
    make_package: MakePackage, provider_package: ProviderPackage,
) -> None:
    problems = _check(make_package, provider_package("acme", mapping=False))
    assert any("has no mapping module" in p for p in problems), problems


def test_capabilities_not_a_capabilities(
    make_package: MakePackage, provider_package: ProviderPackage, good_flows: str,
) -> None:
    flows = good_flows.format(name="acme").replace(
        "capabilities: ClassVar[Capabilities] = Capabilities(", "capabilities = dict(  # type: ignore")
    problems = _check(make_package, provider_package("acme", flows))
    assert any("is not a Capabilities instance" in p for p in problems), problems


def test_not_an_adapter() -> None:
    assert structure.check(int) == [f"{int!r} is not an Adapter subclass"]  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["simulator"])
def test_builtin_adapters_pass(name: str) -> None:
    registry.clear_cache()
    assert structure.check(registry.get(name)) == []
