from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from importlib.metadata import EntryPoint

import pytest

from adapters import registry
from adapters.base import Adapter

MakePackage = Callable[..., str]
ProviderPackage = Callable[..., dict[str, str]]


def _eps(monkeypatch: pytest.MonkeyPatch, eps: list[EntryPoint]) -> None:
    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        return [ep for ep in eps if ep.group == group]

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)


def test_entry_points_are_loaded(
    make_package: MakePackage, provider_package: ProviderPackage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pkg = make_package(provider_package("acme"))
    _eps(monkeypatch, [EntryPoint("acme", f"{pkg}.acme:GoodAdapter", registry.GROUP)])
    found = registry.discover(package=None)
    assert list(found.adapters) == ["acme"]
    assert found.adapters["acme"].__name__ == "GoodAdapter"
    assert found.sources["acme"].startswith("entry point ")
    assert found.errors == {}


def test_broken_plugin_is_logged_and_skipped(
    make_package: MakePackage, provider_package: ProviderPackage, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    pkg = make_package({**provider_package("acme"), "broken.py": "raise ImportError('missing dependency')\n",
                        "notadapter.py": "class Thing:\n    name = 'x'\n"})
    _eps(monkeypatch, [
        EntryPoint("broken", f"{pkg}.broken:BrokenAdapter", registry.GROUP),
        EntryPoint("acme", f"{pkg}.acme:GoodAdapter", registry.GROUP),
        EntryPoint("thing", f"{pkg}.notadapter:Thing", registry.GROUP),
        EntryPoint("gone", "no_such_module_xyz:Adapter", registry.GROUP),
    ])
    with caplog.at_level(logging.WARNING, logger="adapters.registry"):
        found = registry.discover(package=None)
    assert list(found.adapters) == ["acme"]
    assert set(found.errors) == {"broken", "thing", "gone"}
    assert "missing dependency" in found.errors["broken"]
    assert "not an Adapter subclass" in found.errors["thing"]
    assert any("broken" in r.getMessage() for r in caplog.records)


def test_fallback_scans_sub_packages(
    make_package: MakePackage, provider_package: ProviderPackage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    files = {
        **provider_package("acme"),
        "halfway/__init__.py": "X = 1\n",  # a package being written: no Adapter yet, not an error
        "explodes/__init__.py": "raise RuntimeError('boom')\n",
        "templates/__init__.py": "raise RuntimeError('never imported')\n",
    }
    pkg = make_package(files)
    _eps(monkeypatch, [])
    found = registry.discover(package=pkg)
    assert list(found.adapters) == ["acme"]
    assert found.sources["acme"] == f"package {pkg}.acme"
    assert "explodes" in found.errors and "boom" in found.errors["explodes"]
    assert "halfway" not in found.errors and "templates" not in found.errors


def test_entry_point_wins_over_scan(
    make_package: MakePackage, provider_package: ProviderPackage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    pkg = make_package(provider_package("acme"))
    _eps(monkeypatch, [EntryPoint("acme", f"{pkg}.acme:GoodAdapter", registry.GROUP)])
    found = registry.discover(package=pkg)
    assert found.sources["acme"].startswith("entry point")


def test_in_tree_adapter_found_without_entry_point(
    make_package: MakePackage, provider_package: ProviderPackage, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider dropped into adapters/ (no reinstall) is discovered by the scan."""
    pkg = make_package(provider_package("inthetree"))
    adapters_pkg = importlib.import_module("adapters")
    where = str(importlib.import_module(pkg).__path__[0])
    monkeypatch.setattr(adapters_pkg, "__path__", [*adapters_pkg.__path__, where])
    # the sub-package is now importable as adapters.inthetree
    registry.clear_cache()
    try:
        cls = registry.get("inthetree")
        assert issubclass(cls, Adapter) and cls.name == "inthetree"
    finally:
        import sys

        sys.modules.pop("adapters.inthetree", None)
        sys.modules.pop("adapters.inthetree.flows", None)
        registry.clear_cache()


def test_get_unknown_lists_known_names() -> None:
    registry.clear_cache()
    with pytest.raises(registry.UnknownAdapter) as info:
        registry.get("no_such_provider")
    msg = str(info.value)
    assert "no_such_provider" in msg
    for name in registry.available():
        assert name in msg


def test_builtin_simulator_is_available() -> None:
    registry.clear_cache()
    available = registry.available()
    assert "simulator" in available
    assert available["simulator"].name == "simulator"
    assert registry.get("simulator") is available["simulator"]
