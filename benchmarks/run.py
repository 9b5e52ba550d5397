"""``make bench``: the standard set, one table, one JSON (benchmarks/results/latest.json).

    python -m benchmarks.run                 # the full set, <= ~5 min on 2 cores
    python -m benchmarks.run --quick         # ~60 s smoke run (figures not meaningful)
    python -m benchmarks.run --help          # every duration, size and repeat count

Everything runs on a fresh PostgreSQL database (dropped after) and a free Redis db index, with
the stand-in, the hub and a worker as separate processes on loopback (benchmarks/stack.py).
Each figure is measured R times (--repeats) and reported as median [min, max].
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import importlib.util
import json
import logging
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import asyncpg

from benchmarks import ledger as ledger_bench
from benchmarks import reconciliation as reconciliation_bench
from benchmarks import stream as stream_bench
from benchmarks import workers as workers_bench
from benchmarks.options import Options
from benchmarks.report import Report
from benchmarks.stack import Stack
from benchmarks.steps import Bench

log = logging.getLogger("benchmarks")


def environment() -> dict[str, Any]:
    def has(mod: str) -> bool:
        return importlib.util.find_spec(mod) is not None

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "loadavg_at_start": os.getloadavg(),
        "commit": commit,
        "uvloop": has("uvloop"),
        "httptools": has("httptools"),
    }


async def pg_settings(dsn: str) -> dict[str, str]:
    conn = await asyncpg.connect(dsn)
    try:
        return {
            name: str(await conn.fetchval(f"SHOW {name}"))
            for name in ("server_version", "synchronous_commit", "fsync", "max_connections")
        }
    finally:
        await conn.close()


async def run(opts: Options) -> Report:
    report = Report()
    began = time.perf_counter()
    report.meta = {
        "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "options": {k: (str(v) if isinstance(v, Path) else v) for k, v in asdict(opts).items()},
        "environment": environment(),
    }
    load1 = report.meta["environment"]["loadavg_at_start"][0]
    if load1 > 0.5 * (os.cpu_count() or 1):
        report.notes.append(
            f"the machine was busy at start (load average {load1:.2f}): figures are not comparable"
        )
    async with Stack(redis_db=opts.redis_db, keep_logs=opts.keep_logs) as stack:
        report.meta["stack"] = stack.describe()
        report.meta["postgres"] = pg = await pg_settings(stack.dsn)
        if pg["synchronous_commit"] != "on" or pg["fsync"] != "on":
            report.notes.append(f"PostgreSQL commits are NOT durable here ({pg}): figures are optimistic")
        bench = Bench(opts, stack, report)
        steps: list[tuple[str, Callable[[], Any]]] = []
        for r in range(opts.repeats):
            steps.append(("throughput", functools.partial(bench.throughput_round, r)))
            steps.append(("replay", bench.replay_round))
        steps += [
            ("workers", functools.partial(workers_bench.rounds, bench)),  # payhub serve --workers 2
            ("webhooks", bench.webhooks_round),
            ("resolution", bench.resolution_round),
            ("transports", bench.transport_rounds),
            ("jobs", bench.jobs_rounds),
            ("ledger", functools.partial(ledger_bench.rounds, bench)),  # with vs without; balance reads
            ("stream", functools.partial(stream_bench.rounds, bench)),  # relay throughput, commit -> ack
            ("reconciliation", functools.partial(reconciliation_bench.rounds, bench)),  # lines/s, peak memory
            ("scale", bench.scale_rounds),  # last: it truncates the payments
        ]
        for name, step in steps:
            if name in opts.skip:
                continue
            t0 = time.perf_counter()
            print(f"  {name} ...", end="", flush=True, file=sys.stderr)
            try:
                await step()
            except Exception as exc:
                report.notes.append(f"step {name} failed: {exc!r}")
                log.exception("step %s failed", name)
            print(f" {time.perf_counter() - t0:.1f}s", flush=True, file=sys.stderr)
    report.meta["seconds"] = round(time.perf_counter() - began, 1)
    return report


def parse(argv: Sequence[str] | None = None) -> Options:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description="payhub's standard benchmark set"
    )
    ap.add_argument("--quick", action="store_true", help="~60 s smoke run (short durations, small sizes)")
    ap.add_argument("--repeats", type=int, help="R: runs per figure (median, min, max); default 3")
    ap.add_argument("--duration", type=float, help="seconds measured per load run (default 3)")
    ap.add_argument("--warmup", type=float, help="seconds discarded before each load run (default 1)")
    ap.add_argument("--concurrency", help="comma-separated client counts (default 1,16,64)")
    ap.add_argument("--replay-concurrency", type=int)
    ap.add_argument("--scale-sizes", help="comma-separated stored payment counts (default 10000,1000000)")
    ap.add_argument("--scale-duration", type=float)
    ap.add_argument("--resolution-n", type=int, help="ambiguous payments to resolve (default 40)")
    ap.add_argument("--transport-duration", type=float)
    ap.add_argument("--jobs-duration", type=float)
    ap.add_argument(
        "--skip",
        default="",
        help="comma-separated steps to skip: throughput,replay,workers,webhooks,resolution,transports,jobs,ledger,stream,reconciliation,scale",
    )
    ap.add_argument(
        "--redis-db", type=int, help="Redis db index for the run (default: first empty from 15 down)"
    )
    ap.add_argument("--out", type=Path, help="JSON output (default benchmarks/results/latest.json)")
    ap.add_argument("--keep-logs", action="store_true", help="keep the processes' logs (path in the JSON)")
    a = ap.parse_args(argv)
    overrides: dict[str, Any] = {}
    for name in ("repeats", "duration", "warmup", "replay_concurrency", "scale_duration", "resolution_n",
                 "transport_duration", "jobs_duration", "redis_db", "out"):  # fmt: skip
        value = getattr(a, name)
        if value is not None:
            overrides[name] = value
    if a.concurrency:
        overrides["concurrency"] = [int(c) for c in a.concurrency.split(",")]
    if a.scale_sizes:
        overrides["scale_sizes"] = [int(n) for n in a.scale_sizes.split(",")]
    overrides["skip"] = [s for s in a.skip.split(",") if s]
    overrides["keep_logs"] = a.keep_logs
    return Options.quick_run(**overrides) if a.quick else Options(**overrides)


def main(argv: Sequence[str] | None = None) -> int:
    opts = parse(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    print(
        f"payhub benchmarks: {opts.repeats} repeats, {opts.duration}s per run{' (quick)' if opts.quick else ''}",
        file=sys.stderr,
    )
    report = asyncio.run(run(opts))
    title = (
        f"payhub benchmarks - median [min, max] over {opts.repeats} runs; {opts.duration:g}s per run after "
        f"{opts.warmup:g}s warm-up; {report.meta['seconds']}s total{'  (QUICK: not meaningful)' if opts.quick else ''}"
    )
    print(report.table(title))
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    print(f"\nJSON: {opts.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
