"""The adapter conformance suite as a pytest plugin.

Loaded by ``contract_tests/conftest.py``. Options (or environment):

* ``--adapter NAME`` (repeatable; env ``PAYHUB_CONTRACT_ADAPTERS=a,b``):
  which adapters; default every adapter the registry knows;
* ``--target fake|sandbox|all`` (env ``PAYHUB_CONTRACT_TARGET``; default ``fake``).

Every scenario taking the ``target`` fixture is parametrised over the selected
targets (``simulator-fake``, ``stripe-sandbox``, ...); the ``h`` fixture opens a
:class:`~contract_tests.harness.Harness` for it. A target that cannot run makes
its scenarios skip (no fake, no credentials) or fail (adapter or fake broken)
without touching the other targets.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.base import DeclineCode
from contract_tests.harness import FAKE, Harness, Target, env_list, load_fake_class, resolve_targets

ENV_ADAPTERS = "PAYHUB_CONTRACT_ADAPTERS"
ENV_TARGET = "PAYHUB_CONTRACT_TARGET"
_TARGETS_KEY = pytest.StashKey[list[Target]]()
_DECLINES_KEY = pytest.StashKey[dict[str, list[Any]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("payhub-contract", "payhub adapter conformance suite")
    group.addoption(
        "--adapter",
        action="append",
        default=[],
        dest="contract_adapters",
        metavar="NAME",
        help=f"adapter to run the contract suite against (repeatable; env {ENV_ADAPTERS}); default: all",
    )
    group.addoption(
        "--target",
        action="store",
        default=None,
        dest="contract_target",
        choices=("fake", "sandbox", "all"),
        help=f"fake (default), sandbox or all (env {ENV_TARGET})",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "contract: an adapter conformance scenario")


def selected(config: pytest.Config) -> list[Target]:
    if _TARGETS_KEY not in config.stash:
        names = list(config.getoption("contract_adapters", default=[]) or []) or env_list(ENV_ADAPTERS)
        target = config.getoption("contract_target", default=None) or os.environ.get(ENV_TARGET) or FAKE
        config.stash[_TARGETS_KEY] = resolve_targets(names, target)
    return config.stash[_TARGETS_KEY]


def _declines(config: pytest.Config, target: Target) -> list[Any]:
    """The decline families a target offers (a fake is asked at collection time)."""
    cache = config.stash.setdefault(_DECLINES_KEY, {})
    if target.id in cache:
        return cache[target.id]
    codes: list[Any]
    if target.error or (target.kind == FAKE and target.skip):
        codes = [None]
    elif target.kind == FAKE:
        try:
            fake_cls = load_fake_class(target.adapter)
            codes = sorted(fake_cls().decline_methods()) if fake_cls else [None]
        except Exception:  # reported by the scenario itself when it opens the fake
            codes = [None]
    else:
        from contract_tests.sandbox import profile

        prof = profile(target.adapter)
        codes = sorted(prof.declines) if prof else [None]
    cache[target.id] = codes or [None]
    return cache[target.id]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "target" not in metafunc.fixturenames:
        return
    targets = selected(metafunc.config)
    if "decline_code" in metafunc.fixturenames:
        params = []
        for t in targets:
            for code in _declines(metafunc.config, t):
                cid = f"{t.id}-{code.value if isinstance(code, DeclineCode) else code or 'none'}"
                params.append(pytest.param(t, code, id=cid))
        metafunc.parametrize(("target", "decline_code"), params)
        return
    metafunc.parametrize("target", [pytest.param(t, id=t.id) for t in targets])


def _scenario_name(item: pytest.Item) -> str:
    name = getattr(item, "originalname", item.name)
    name = name.removeprefix("test_")
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return name
    extras = []
    for key, value in callspec.params.items():
        if key == "target":
            continue
        extras.append(str(value.value if hasattr(value, "value") else value))
    return f"{name}[{','.join(extras)}]" if extras else name


# the order scenarios run (and appear in the runner's table) in
MODULE_ORDER = ("test_structure", "test_payments", "test_payouts", "test_webhooks", "test_ambiguity")


def _rank(item: pytest.Item) -> int:
    stem = item.path.stem if hasattr(item, "path") else ""
    return MODULE_ORDER.index(stem) if stem in MODULE_ORDER else len(MODULE_ORDER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    contract = [i for i in items if isinstance(getattr(getattr(i, "callspec", None), "params", {}).get("target"),
                                               Target)]
    if contract:
        members = set(contract)
        positions = [n for n, i in enumerate(items) if i in members]
        ordered = sorted(contract, key=_rank)  # stable: keeps the order inside a module
        for pos, item in zip(positions, ordered, strict=True):
            items[pos] = item
    for item in items:
        callspec = getattr(item, "callspec", None)
        target = callspec.params.get("target") if callspec is not None else None
        if not isinstance(target, Target):
            continue
        item.add_marker(pytest.mark.contract)
        item.user_properties.append(("contract_adapter", target.adapter))
        item.user_properties.append(("contract_target", target.kind))
        item.user_properties.append(("contract_scenario", _scenario_name(item)))


@pytest.fixture
async def h(target: Target) -> AsyncIterator[Harness]:
    harness = await Harness.open(target)
    try:
        yield harness
    finally:
        await harness.close()
