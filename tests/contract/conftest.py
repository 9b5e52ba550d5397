"""Helpers for the tests of the registry, structural checks, faults, scaffold and runner."""

from __future__ import annotations

import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from adapters import registry


@pytest.fixture
def make_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., str]]:
    """Write a throw-away top-level package (``{relative path: source}``) and make it importable.
    Returns its (unique) name."""
    created: list[str] = []
    monkeypatch.syspath_prepend(str(tmp_path))

    def make(files: dict[str, str], name: str | None = None) -> str:
        pkg = name or f"tmppkg_{uuid.uuid4().hex[:8]}"
        root = tmp_path / pkg
        root.mkdir()
        (root / "__init__.py").write_text("")
        for rel, src in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(src))
        created.append(pkg)
        return pkg

    yield make
    for mod in list(sys.modules):
        if any(mod == p or mod.startswith(p + ".") for p in created):
            del sys.modules[mod]
    registry.clear_cache()


GOOD_FLOWS = '''
from __future__ import annotations

from typing import ClassVar

from adapters.base import (
    Adapter, AuthorizeRequest, Capabilities, Capability, LookupRequest, OperationKind,
    Outcome, OutcomeStatus, Strategy,
)


class GoodAdapter(Adapter):
    name: ClassVar[str] = "{name}"
    capabilities: ClassVar[Capabilities] = Capabilities(
        features=frozenset({{Capability.AUTHORIZE, Capability.PROVIDER_TOKEN, Capability.LOOKUP}}),
        resolution={{OperationKind.AUTHORIZE: (Strategy.LOOKUP,)}},
        required_credentials=("api_key",),
    )

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        key = self.account.credentials["api_key"]
        return Outcome(status=OutcomeStatus.SUCCEEDED, provider_reference=key[:0] + "p_1")

    async def lookup(self, request: LookupRequest) -> Outcome:
        return Outcome(status=OutcomeStatus.UNKNOWN)
'''


def _provider_package(name: str, flows: str | None = None, *, mapping: bool = True,
                     extra: dict[str, str] | None = None) -> dict[str, str]:
    """Files of a provider sub-package ``<name>/`` exporting GoodAdapter (or ``flows``)."""
    files = {
        f"{name}/__init__.py": "from .flows import GoodAdapter\n__all__ = ['GoodAdapter']\n",
        f"{name}/flows.py": flows if flows is not None else GOOD_FLOWS.format(name=name),
    }
    if mapping:
        files[f"{name}/mapping.py"] = "STATUS: dict[str, str] = {}\n"
    files.update(extra or {})
    return files


@pytest.fixture
def provider_package() -> Callable[..., dict[str, str]]:
    """``provider_package(name, flows=None, mapping=True, extra=None)`` -> files of a provider
    sub-package exporting ``GoodAdapter``."""
    return _provider_package


@pytest.fixture
def good_flows() -> str:
    return GOOD_FLOWS
