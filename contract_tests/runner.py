"""Run the conformance suite programmatically and print a scenario × result table.

``run("stripe", "fake")`` runs ``pytest.main`` on the scenarios with a plugin
that collects one :class:`Row` per scenario; ``format_table(rows)`` renders
them. ``payhub contract-test ADAPTER [--target fake|sandbox|all]`` is
``rows, code = run(...); print(format_table(rows)); sys.exit(code)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SCENARIOS_DIR = Path(__file__).resolve().parent
PASS, FAIL, SKIP, ERROR = "PASS", "FAIL", "SKIP", "ERROR"
_ORDER = {FAIL: 0, ERROR: 1, PASS: 2, SKIP: 3}


@dataclass
class Row:
    adapter: str
    target: str
    scenario: str
    result: str  # PASS | FAIL | SKIP | ERROR
    reason: str = ""
    duration: float = 0.0
    nodeid: str = ""

    @property
    def ok(self) -> bool:
        return self.result in (PASS, SKIP)


def _props(report: pytest.TestReport) -> dict[str, Any]:
    return dict(report.user_properties)


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        reason = str(longrepr[2])
    else:
        reason = str(longrepr or "")
    return reason.removeprefix("Skipped: ")


def _fail_reason(report: pytest.TestReport) -> str:
    crash = getattr(report.longrepr, "reprcrash", None)
    if crash is not None and getattr(crash, "message", None):
        return str(crash.message)
    text = str(report.longrepr or "").strip()
    return text.splitlines()[-1] if text else "failed"


@dataclass
class Collector:
    """A pytest plugin collecting one Row per contract scenario."""

    rows: list[Row] = field(default_factory=list)
    _by_id: dict[str, Row] = field(default_factory=dict)

    def _row(self, report: pytest.TestReport) -> Row | None:
        props = _props(report)
        if "contract_scenario" not in props:
            return None
        row = self._by_id.get(report.nodeid)
        if row is None:
            row = Row(
                adapter=str(props["contract_adapter"]),
                target=str(props["contract_target"]),
                scenario=str(props["contract_scenario"]),
                result=PASS,
                nodeid=report.nodeid,
            )
            self._by_id[report.nodeid] = row
            self.rows.append(row)
        return row

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        row = self._row(report)
        if row is None:
            return
        row.duration += report.duration
        if report.skipped and row.result == PASS:
            row.result, row.reason = SKIP, _skip_reason(report)
        elif report.failed:
            if report.when == "call":
                row.result, row.reason = FAIL, _fail_reason(report)
            elif row.result != FAIL:  # setup/teardown failure: an error of the scenario's world
                row.result = FAIL if report.when == "setup" else ERROR
                row.reason = f"{report.when}: {_fail_reason(report)}"


def run(
    adapter: str | Sequence[str] | None,
    target: str = "fake",
    *,
    extra_args: Iterable[str] = (),
    quiet: bool = True,
    path: Path | None = None,
) -> tuple[list[Row], int]:
    """Run the suite for ``adapter`` (a name, several, or None = all) on ``target``
    (fake | sandbox | all). Returns the rows and an exit code: 0 when nothing failed,
    1 when a scenario failed, pytest's own code for usage/internal errors,
    5 when no scenario was collected."""
    names = [adapter] if isinstance(adapter, str) else list(adapter or [])
    args = [
        str(path or SCENARIOS_DIR), "--target", target, "-p", "no:cacheprovider",
        # the suite's own settings, also when payhub is installed without its pyproject.toml
        "-o", "asyncio_mode=auto", "-o", "asyncio_default_fixture_loop_scope=function",
    ]
    for name in names:
        args += ["--adapter", name]
    if quiet:
        args += ["-q", "-q", "--tb=no", "-rN", "--no-header"]
    args += list(extra_args)
    collector = Collector()
    saved = {k: os.environ.pop(k) for k in ("PAYHUB_CONTRACT_ADAPTERS", "PAYHUB_CONTRACT_TARGET")
             if k in os.environ}
    try:
        code = int(pytest.main(args, plugins=[collector]))
    finally:
        os.environ.update(saved)
    rows = collector.rows
    if any(r.result in (FAIL, ERROR) for r in rows):
        return rows, 1
    if code in (int(pytest.ExitCode.OK), int(pytest.ExitCode.TESTS_FAILED)):
        return rows, 0 if rows else int(pytest.ExitCode.NO_TESTS_COLLECTED)
    return rows, code


def summary(rows: Sequence[Row]) -> dict[str, int]:
    counts = {PASS: 0, FAIL: 0, ERROR: 0, SKIP: 0}
    for r in rows:
        counts[r.result] = counts.get(r.result, 0) + 1
    return counts


def format_table(rows: Sequence[Row], *, width: int = 120) -> str:
    """One block per adapter/target; scenarios in suite order, with the reason of
    every SKIP and FAIL; a summary line at the end."""
    if not rows:
        return "no contract scenarios ran"
    scen_w = max(len("scenario"), *(len(r.scenario) for r in rows))
    lines: list[str] = []
    groups: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        groups.setdefault((r.adapter, r.target), []).append(r)
    for (adapter, target), group in groups.items():
        counts = summary(group)
        head = f"{adapter} [{target}]  " + "  ".join(f"{k.lower()} {v}" for k, v in counts.items() if v)
        lines.append(head)
        lines.append(f"  {'scenario':<{scen_w}}  result  reason")
        lines.append(f"  {'-' * scen_w}  ------  {'-' * 6}")
        for r in group:
            reason = " ".join(r.reason.split())
            room = max(20, width - scen_w - 12)
            if len(reason) > room:
                reason = reason[: room - 1] + "…"
            lines.append(f"  {r.scenario:<{scen_w}}  {r.result:<6}  {reason}".rstrip())
        lines.append("")
    total = summary(rows)
    lines.append("total: " + ", ".join(f"{v} {k.lower()}" for k, v in total.items()))
    return "\n".join(lines)
