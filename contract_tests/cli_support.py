"""Ready-made functions for the ``payhub`` CLI (the hub wires them to commands).

* ``payhub adapters list``            -> ``print(adapters_table())``
* ``payhub adapters new NAME``        -> ``text, code = new_adapter(NAME, repo_root)``
* ``payhub contract-test ADAPTER [--target fake|sandbox|all]``
                                      -> ``text, code = contract_test(ADAPTER, target)``

Each returns text to print and, where it can fail, an exit code. Nothing here
imports ``hub``.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from adapters import registry, scaffold, structure
from adapters.base import Adapter, Capability
from contract_tests import runner
from contract_tests.harness import load_fake_class
from contract_tests.sandbox import profile

__all__ = ["adapters_info", "adapters_table", "contract_test", "new_adapter"]


def _fake_status(name: str) -> str:
    try:
        return "yes" if load_fake_class(name) is not None else "no"
    except Exception as exc:
        return f"broken ({type(exc).__name__})"


def _sandbox_status(name: str) -> str:
    prof = profile(name)
    if prof is None:
        return "-"
    missing = prof.missing()
    return "ready" if not missing else "needs " + ", ".join(missing)


def adapters_info() -> list[dict[str, Any]]:
    """One dict per adapter (loaded or broken): name, source, capabilities, fake, sandbox, problems."""
    out: list[dict[str, Any]] = []
    sources = registry.sources()
    for name, cls in registry.available().items():
        caps = cls.capabilities
        out.append({
            "name": name,
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "source": sources.get(name, ""),
            "capabilities": caps.describe(),
            "optional_credentials": list(caps.optional_credentials),
            "fake": _fake_status(name),
            "sandbox": _sandbox_status(name),
            "problems": structure.check(cls),
        })
    for name, error in registry.errors().items():
        out.append({"name": name, "class": None, "source": "", "error": error, "fake": _fake_status(name),
                    "sandbox": _sandbox_status(name), "problems": [f"failed to load: {error}"]})
    return sorted(out, key=lambda d: d["name"])


def _features(cls: type[Adapter]) -> str:
    feats = cls.capabilities.features
    return " ".join(c.value for c in Capability if c in feats)


def adapters_table(width: int = 100) -> str:
    """``payhub adapters list``: each adapter with its capabilities, resolution strategies,
    credentials, whether a fake / sandbox profile exists, and structural problems."""
    info = adapters_info()
    if not info:
        return "no adapters found (entry points group payhub.adapters, or packages under adapters/)"
    lines: list[str] = []
    wrap = textwrap.TextWrapper(width=width, initial_indent="", subsequent_indent=" " * 16)
    for item in info:
        name = item["name"]
        if item.get("error"):
            lines.append(f"{name}  BROKEN")
            lines.append(wrap.fill(f"  error:        {item['error']}"))
            lines.append("")
            continue
        cls = registry.get(name)
        caps = item["capabilities"]
        status = "ok" if not item["problems"] else f"{len(item['problems'])} structural problem(s)"
        lines.append(f"{name}  ({item['class']}, {item['source']})  {status}")
        lines.append(wrap.fill(f"  features:     {_features(cls)}"))
        res = ", ".join(f"{k}: {'/'.join(v)}" for k, v in caps["resolution"].items()) or "-"
        lines.append(wrap.fill(f"  resolution:   {res}"))
        cur = caps["currencies"] if isinstance(caps["currencies"], str) else " ".join(caps["currencies"])
        lines.append(wrap.fill(f"  currencies:   {cur}"))
        creds = ", ".join(caps["credentials"]) or "-"
        if item["optional_credentials"]:
            creds += f"  (optional: {', '.join(item['optional_credentials'])})"
        lines.append(wrap.fill(f"  credentials:  {creds}"))
        lines.append(f"  fake:         {item['fake']}    sandbox: {item['sandbox']}")
        for problem in item["problems"]:
            lines.append(wrap.fill(f"  problem:      {problem}"))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def contract_test(adapter: str, target: str = "fake", *, quiet: bool = True) -> tuple[str, int]:
    """``payhub contract-test ADAPTER``: the scenario table and the exit code
    (0 nothing failed, 1 a scenario failed, 2 unknown adapter or bad target)."""
    if target not in ("fake", "sandbox", "all"):
        return f"--target must be fake, sandbox or all (got {target!r})\n", 2
    try:
        registry.get(adapter)
    except registry.UnknownAdapter as exc:
        return f"{exc}\n", 2
    rows, code = runner.run(adapter, target, quiet=quiet)
    return runner.format_table(rows) + "\n", code


def new_adapter(name: str, root: Path | None = None) -> tuple[str, int]:
    """``payhub adapters new NAME``: generate the package and its fake under ``root``
    (default: the directory holding the ``adapters`` package)."""
    import adapters

    base = root if root is not None else Path(next(iter(adapters.__path__))).parent
    try:
        written = scaffold.create(name, base)
    except scaffold.ScaffoldError as exc:
        return f"{exc}\n", 2
    rel = [str(p.relative_to(base)) if p.is_relative_to(base) else str(p) for p in written]
    text = "created:\n" + "".join(f"  {p}\n" for p in rel)
    text += (
        "\nnext:\n"
        f"  1. write contract_tests/fakes/{name}.py from the provider's public API docs\n"
        f"  2. grow adapters/{name}/flows.py + mapping.py, one capability at a time\n"
        f"  3. payhub contract-test {name}            (fake)\n"
        f"     payhub contract-test {name} --target sandbox   (add a profile in contract_tests/sandbox.py)\n"
        "  see docs/adapters.md\n"
    )
    return text, 0
