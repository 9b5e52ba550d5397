"""Loads the conformance-suite plugin for everything under contract_tests/."""

from contract_tests.plugin import (  # noqa: F401  (pytest finds hooks and fixtures by name)
    h,
    pytest_addoption,
    pytest_collection_modifyitems,
    pytest_configure,
    pytest_generate_tests,
)
