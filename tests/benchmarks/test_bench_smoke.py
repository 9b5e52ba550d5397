"""The benchmark suite's pure helpers on fixed inputs (no load, no timing, no services)."""

from __future__ import annotations

import pytest

from benchmarks.report import Report, Target, fmt, format_table
from benchmarks.scale import insert_sql
from benchmarks.stats import Spread, percentile
from benchmarks.steps import _flatten, _webhook_figure, label_n
from hub.store import tables as t


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50
    assert percentile(values, 99) == 99
    assert percentile(values, 100) == 100
    assert percentile(values, 0) == 1
    assert percentile([7.0], 99) == 7.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # unsorted input


def test_percentile_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        percentile([], 50)
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_spread_is_median_min_max() -> None:
    s = Spread.of([5.0, 1.0, 3.0, 10.0])
    assert (s.median, s.min, s.max, s.n) == (4.0, 1.0, 10.0, 4)
    with pytest.raises(ValueError):
        Spread.of([])


def test_table_groups_sections_and_judges_targets() -> None:
    report = Report(targets=[Target("a.gap", "<=", 2.0, "gap within 2"), Target("b.ratio", ">=", 0.5, "ratio"),
                             Target("c.none", "<=", 1.0, "never measured")])  # fmt: skip
    for v in (1.0, 3.0, 1.5):
        report.add("a.gap", v, label="gap", unit="ms", section="A")
    report.add("b.ratio", 0.25, label="ratio", unit="x", section="B")
    report.add("a.other", 7.0, label="other", unit="ms", section="A")  # added after B: still listed under A
    report.missing("w.rate", "n/a (not landed)", label="rate", unit="events/s", section="W")
    verdicts = {v.target.key: v.word for v in report.verdicts()}
    assert verdicts == {"a.gap": "met", "b.ratio": "MISSED", "c.none": "n/a"}

    text = report.table("title")
    lines = text.splitlines()
    assert lines[0] == "title"
    a, b = lines.index("A"), lines.index("B")
    assert a < next(i for i, line in enumerate(lines) if "other" in line) < b
    gap = next(line for line in lines if line.strip().startswith("gap "))
    assert gap.split()[1:4] == ["1.50", "1.00", "3.00"]  # median, min, max
    assert "n/a (not landed)" in text

    doc = report.to_json()
    assert doc["figures"]["a.gap"]["median"] == 1.5 and doc["figures"]["a.gap"]["samples"] == [1.0, 3.0, 1.5]
    assert doc["figures"]["w.rate"]["missing"] == "n/a (not landed)"
    assert [x["verdict"] for x in doc["targets"]] == ["met", "MISSED", "n/a"]


def test_format_table_aligns_columns() -> None:
    out = format_table(["name", "n", "unit"], [["a", "1", "ms"], ["long name", "1234", "req/s"]]).splitlines()
    assert out[0].startswith("name     ")
    assert out[2].index("1") == out[3].index("1234") + 3  # numbers right-aligned
    with pytest.raises(ValueError):
        format_table(["a", "b"], [["only one"]])


def test_number_formats() -> None:
    assert [fmt(1234.4), fmt(12.345), fmt(0.01234), fmt(0)] == ["1234", "12.35", "0.0123", "0"]
    assert [label_n(10_000), label_n(1_000_000), label_n(100_000), label_n(500)] == ["10k", "1M", "100k", "500"]


def test_scale_rows_fill_every_required_payments_column() -> None:
    sql = insert_sql()
    columns = sql.split("(", 1)[1].split(")", 1)[0]
    for column in t.payments.columns:
        if not column.nullable:
            assert f'"{column.name}"' in columns, column.name
    assert "generate_series($1::bigint, $2::bigint)" in sql


def test_webhook_results_map_to_target_figures() -> None:
    flat = _flatten({"rate": 2100.0, "ack_p50": 3.2, "ack_p99": 11.0, "errors": 0, "stored_all": True, "x": "s"})
    assert flat == {"rate": 2100.0, "ack_p50": 3.2, "ack_p99": 11.0, "errors": 0.0}
    assert _webhook_figure("ack_p99") == ("webhooks.ack_p99", "ms")
    assert _webhook_figure("rate") == ("webhooks.rate", "events/s")


def test_stopping_a_process_also_stops_the_children_it_leaves(tmp_path: object) -> None:
    """A parent that outlives the stop's timeout is SIGKILLed, and so are its children (as
    ``serve --workers`` would leave its workers shutting down alone during the next steps)."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    from benchmarks.stack import Process, descendants, running

    script = (
        "import signal, subprocess, sys, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "subprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); time.sleep(60)']); print('up', flush=True); time.sleep(60)"
    )
    log = Path(str(tmp_path)) / "p.log"
    out = log.open("wb")
    popen = subprocess.Popen([sys.executable, "-c", script], stdout=out, stderr=subprocess.STDOUT)
    proc = Process("p", popen, log, out)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (descendants(popen.pid) and "up" in log.read_text()):
        time.sleep(0.05)
    [child] = descendants(popen.pid)
    proc.stop(timeout=0.5)
    assert popen.returncode == -signal.SIGKILL
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and running(child):
        time.sleep(0.05)
    assert not running(child)
