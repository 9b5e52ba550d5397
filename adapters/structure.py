"""Structural checks every adapter passes before any scenario runs.

:func:`check` looks at an adapter class and the package it lives in and
returns a list of problems (empty = fine). It does not call the provider. The
checks:

* ``name`` is a lower-case identifier; ``capabilities`` is a :class:`Capabilities`;
* every operation kind the adapter supports has at least one resolution
  strategy, and each strategy is backed by a capability (``lookup`` needs
  LOOKUP, ``webhook`` needs WEBHOOKS or NOTIFICATION_POLLING);
* every declared capability's method is overridden, and refinements
  (partial capture, ...) come with the base feature;
* credentials are declared, and every credential the package reads with a
  constant key (``credentials["k"]``, ``credentials.get("k")``) is declared;
* the package has ``flows`` and ``mapping`` modules;
* nothing in the package imports ``hub``, ``vault``, ``idempotency`` or
  ``contract_tests`` (DESIGN §1: adapters import only themselves and webhooks).
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from adapters.base import (
    REQUIRED_CAPABILITY,
    Adapter,
    Capabilities,
    Capability,
    OperationKind,
    Strategy,
)

__all__ = [
    "FORBIDDEN_IMPORTS",
    "METHOD_FOR",
    "check",
    "check_all",
    "credential_keys_read",
    "forbidden_imports",
    "package_dir_of",
]

FORBIDDEN_IMPORTS = frozenset({"hub", "vault", "idempotency", "contract_tests"})

# the method a capability needs overridden
METHOD_FOR: dict[Capability, str] = {
    Capability.AUTHORIZE: "authorize",
    Capability.CAPTURE: "capture",
    Capability.PARTIAL_CAPTURE: "capture",
    Capability.MULTIPLE_CAPTURES: "capture",
    Capability.VOID: "void",
    Capability.REFUND: "refund",
    Capability.PARTIAL_REFUND: "refund",
    Capability.MULTIPLE_REFUNDS: "refund",
    Capability.THREE_DS: "authenticate",
    Capability.RAW_CARD: "authorize",
    Capability.PROVIDER_TOKEN: "authorize",
    Capability.TOKENIZE: "tokenize",
    Capability.PAYOUT: "payout",
    Capability.PAYOUT_TO_CARD: "payout",
    Capability.LOOKUP: "lookup",
    Capability.WEBHOOKS: "parse_webhook",
    Capability.NOTIFICATION_POLLING: "poll_notifications",
    Capability.RECONCILIATION: "settlement_lines",
}

# a refinement needs its base feature
REQUIRES: dict[Capability, Capability] = {
    Capability.PARTIAL_CAPTURE: Capability.CAPTURE,
    Capability.MULTIPLE_CAPTURES: Capability.CAPTURE,
    Capability.PARTIAL_REFUND: Capability.REFUND,
    Capability.MULTIPLE_REFUNDS: Capability.REFUND,
    Capability.THREE_DS: Capability.AUTHORIZE,
    Capability.RAW_CARD: Capability.AUTHORIZE,
    Capability.PROVIDER_TOKEN: Capability.AUTHORIZE,
    Capability.TOKENIZE: Capability.RAW_CARD,  # a raw card is what gets tokenized
    Capability.CAPTURE: Capability.AUTHORIZE,
    Capability.VOID: Capability.AUTHORIZE,
    Capability.REFUND: Capability.AUTHORIZE,
}

REQUIRED_MODULES = ("flows", "mapping")

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def supported_kinds(capabilities: Capabilities) -> list[OperationKind]:
    """The operation kinds an adapter with these capabilities performs."""
    kinds = [k for k, cap in REQUIRED_CAPABILITY.items() if cap in capabilities.features]
    if Capability.PAYOUT_TO_CARD in capabilities.features and OperationKind.PAYOUT not in kinds:
        kinds.append(OperationKind.PAYOUT)
    return kinds


def _check_capabilities(cls: type[Adapter], caps: Capabilities) -> list[str]:
    problems: list[str] = []
    features = caps.features
    bad = [f for f in features if not isinstance(f, Capability)]
    if bad:
        problems.append(f"capabilities.features holds non-Capability values: {bad!r}")
        return problems
    if not features:
        problems.append("capabilities.features is empty: the adapter does nothing")

    for feature, base in REQUIRES.items():
        if feature in features and base not in features:
            problems.append(f"capability {feature.value} is declared without {base.value}")
    if Capability.AUTHORIZE in features and not (
        features & {Capability.RAW_CARD, Capability.PROVIDER_TOKEN}
    ):
        problems.append(
            "capability authorize is declared without raw_card or provider_token: "
            "say which payment methods the adapter accepts"
        )

    # every declared capability's method is implemented
    for feature in sorted(features):
        method = METHOD_FOR.get(feature)
        if method is None:
            continue
        mine = getattr(cls, method, None)
        if mine is None or mine is getattr(Adapter, method):
            problems.append(f"capability {feature.value} is declared but {cls.__name__}.{method}() is not implemented")

    # a resolution strategy for every supported operation kind
    resolution = caps.resolution
    for kind in supported_kinds(caps):
        strategies = tuple(resolution.get(kind, ()))
        if not strategies:
            problems.append(f"no resolution strategy declared for {kind.value} (capabilities.resolution)")
    for kind, strategies in resolution.items():
        if not isinstance(kind, OperationKind):
            problems.append(f"capabilities.resolution key {kind!r} is not an OperationKind")
            continue
        if not isinstance(strategies, tuple) or not all(isinstance(s, Strategy) for s in strategies):
            problems.append(f"capabilities.resolution[{kind.value}] must be a tuple of Strategy")
            continue
        for strategy in strategies:
            if strategy is Strategy.LOOKUP and Capability.LOOKUP not in features:
                problems.append(f"resolution of {kind.value} uses lookup but capability lookup is not declared")
            if strategy is Strategy.WEBHOOK and not (
                features & {Capability.WEBHOOKS, Capability.NOTIFICATION_POLLING}
            ):
                problems.append(
                    f"resolution of {kind.value} uses webhook but neither webhooks nor "
                    "notification_polling is declared"
                )

    # credentials and currencies
    required = caps.required_credentials
    if not isinstance(required, tuple) or not all(isinstance(c, str) and c for c in required):
        problems.append("capabilities.required_credentials must be a tuple of non-empty strings")
    optional = caps.optional_credentials
    if not isinstance(optional, tuple) or not all(isinstance(c, str) and c for c in optional):
        problems.append("capabilities.optional_credentials must be a tuple of non-empty strings")
    elif not required and not optional:
        problems.append(
            "no credentials declared: list what an account must carry in capabilities.required_credentials "
            "(and what it may carry in optional_credentials)"
        )
    if caps.currencies is not None:
        odd = sorted(c for c in caps.currencies if not isinstance(c, str) or not _CURRENCY.match(c))
        if odd:
            problems.append(f"capabilities.currencies holds non-ISO-4217 codes: {odd}")
        if not caps.currencies:
            problems.append("capabilities.currencies is empty (use None for any currency)")
    return problems


def package_dir_of(cls: type) -> Path | None:
    """The directory of the package the class lives in (its provider package)."""
    module = sys.modules.get(cls.__module__)
    if module is None:
        try:
            module = importlib.import_module(cls.__module__)
        except Exception:
            return None
    if hasattr(module, "__path__"):  # defined in the package's __init__
        return Path(next(iter(module.__path__)))
    file = getattr(module, "__file__", None)
    if not file:
        return None
    return Path(file).resolve().parent


def _imported_roots(tree: ast.AST) -> Iterable[tuple[str, int]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                yield node.module.split(".")[0], node.lineno
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, (ast.Attribute, ast.Name))
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value.split(".")[0], node.lineno


def forbidden_imports(package_dir: Path, forbidden: frozenset[str] = FORBIDDEN_IMPORTS) -> list[str]:
    """``file:line imports X`` for every import of a forbidden top-level package."""
    problems: list[str] = []
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        rel = path.relative_to(package_dir.parent)
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except (SyntaxError, UnicodeDecodeError, OSError) as exc:
            problems.append(f"{rel}: cannot be parsed: {exc}")
            continue
        for root, lineno in _imported_roots(tree):
            if root in forbidden:
                problems.append(f"{rel}:{lineno} imports {root} (adapters may import only adapters and webhooks)")
    return problems


_CREDENTIAL_HOLDERS = frozenset({"credentials", "creds"})


def _holder(node: ast.expr) -> bool:
    """``x.credentials`` / ``credentials`` / ``creds``: an expression holding the credentials."""
    if isinstance(node, ast.Attribute):
        return node.attr == "credentials"
    return isinstance(node, ast.Name) and node.id in _CREDENTIAL_HOLDERS


def credential_keys_read(package_dir: Path) -> dict[str, str]:
    """Credential names the package reads with a constant key (``credentials["k"]``,
    ``credentials.get("k")``), each with where it is first read."""
    found: dict[str, str] = {}
    for path in sorted(package_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (SyntaxError, UnicodeDecodeError, OSError):
            continue
        rel = path.relative_to(package_dir.parent)
        for node in ast.walk(tree):
            key: object = None
            if isinstance(node, ast.Subscript) and _holder(node.value) and isinstance(node.slice, ast.Constant):
                key = node.slice.value
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "get"
                and _holder(node.func.value)
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                key = node.args[0].value
            if isinstance(key, str):
                found.setdefault(key, f"{rel}:{getattr(node, 'lineno', 0)}")
    return found


def _check_package(package_dir: Path, caps: Capabilities | None = None) -> list[str]:
    problems: list[str] = []
    for module in REQUIRED_MODULES:
        if not (package_dir / f"{module}.py").is_file() and not (package_dir / module / "__init__.py").is_file():
            problems.append(f"package {package_dir.name} has no {module} module ({module}.py)")
    problems.extend(forbidden_imports(package_dir))
    if caps is not None and isinstance(caps.required_credentials, tuple) and isinstance(
        caps.optional_credentials, tuple
    ):
        declared = set(caps.required_credentials) | set(caps.optional_credentials)
        for key, where in sorted(credential_keys_read(package_dir).items()):
            if key not in declared:
                problems.append(
                    f"{where} reads credentials[{key!r}] which is neither in required_credentials "
                    "nor in optional_credentials"
                )
    return problems


def check(cls: type[Adapter], *, package_dir: Path | None = None) -> list[str]:
    """Every structural problem of ``cls`` (empty list: it passes)."""
    problems: list[str] = []
    if not isinstance(cls, type) or not issubclass(cls, Adapter):
        return [f"{cls!r} is not an Adapter subclass"]
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        problems.append(f"{cls.__name__}.name is not set")
    elif not _NAME.match(name):
        problems.append(f"{cls.__name__}.name {name!r} must be a lower-case identifier")
    caps = getattr(cls, "capabilities", None)
    if not isinstance(caps, Capabilities):
        problems.append(f"{cls.__name__}.capabilities is not a Capabilities instance (got {type(caps).__name__})")
    else:
        problems.extend(_check_capabilities(cls, caps))
    pkg = package_dir if package_dir is not None else package_dir_of(cls)
    if pkg is None:
        problems.append(f"cannot locate the package of {cls.__module__}")
    elif pkg.name == "adapters" or ((pkg / "base.py").is_file() and (pkg / "registry.py").is_file()):
        problems.append(f"{cls.__name__} must live in its own package (adapters/<name>/), not in {pkg}")
    else:
        problems.extend(_check_package(pkg, caps if isinstance(caps, Capabilities) else None))
    return problems


def check_all() -> dict[str, list[str]]:
    """Problems per adapter the registry knows (broken plugins included)."""
    from adapters import registry

    result = {name: check(cls) for name, cls in registry.available().items()}
    for name, error in registry.errors().items():
        result.setdefault(name, [f"failed to load: {error}"])
    return dict(sorted(result.items()))
