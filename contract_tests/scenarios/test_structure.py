"""Structural checks (adapters/structure.py) as a scenario row."""

from __future__ import annotations

import pytest

from adapters import registry, structure
from contract_tests.harness import FAKE, Target


def test_structure(target: Target) -> None:
    if target.kind != FAKE:
        pytest.skip("structure is checked once, on the fake target")
    if target.error and not target.error.startswith("fake "):
        pytest.fail(target.error, pytrace=False)
    problems = structure.check(registry.get(target.adapter))
    assert not problems, "structural problems:\n  " + "\n  ".join(problems)
