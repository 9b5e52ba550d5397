"""``payhub serve --workers N`` (several API processes on one port): throughput and latency.

A second hub set (``payhub serve --workers 2``) on its own port, against the same database,
Redis and stand-in as the single-process hub of the throughput step, under the same load;
CPU per payment sums the parent and its workers. On this 2-core machine the database, the
stand-in and the load generator share the cores with the workers, so the figure says what a
second process buys here, not what N cores would give.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import msgspec

from benchmarks.loadgen import aiohttp_sender, aiohttp_session, clients, proc_cpu_seconds, run_load
from benchmarks.stack import descendants, free_port, payhub_command, running

S_WORKERS = "Hub with `payhub serve --workers 2` (2 API processes, one port)"
WORKERS = 2
STOP_WITHIN = 35.0  # the hub's default shutdown_grace (30 s) and a margin


def _tree(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(p) for p in path.read_text().split()] if path.exists() else []
    return [pid, *kids]


def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            total += proc_cpu_seconds(pid)
        except FileNotFoundError:
            pass
    return total


async def rounds(bench: Any) -> None:
    from benchmarks.steps import PAYMENT

    stack = bench.stack
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = stack.hub_env(stack.workdir / "payhub.toml", port)
    proc = stack._spawn("hub-workers", payhub_command("serve", "--workers", str(WORKERS)), env)
    try:
        await stack._wait_http(proc, f"{url}/ready", within=90)
        await asyncio.sleep(2.0)  # every worker up (the first to answer is not the last to start)
        pids = _tree(proc.popen.pid)
        body = msgspec.json.encode(PAYMENT)
        for c in bench.opts.concurrency:
            async with aiohttp_session(c) as session:
                send = aiohttp_sender(
                    session, f"{url}/v1/payments", body, headers=bench.auth, ok_status=(200, 201),
                    idempotency_prefix=f"bench-workers-c{c}-{time.monotonic_ns()}", expect=b'"authorized"',
                )  # fmt: skip
                cpu0 = _cpu(pids)
                res = await run_load(send, concurrency=c, duration=bench.opts.duration, warmup=bench.opts.warmup)
                res.cpu_ms = (_cpu(pids) - cpu0) * 1000 / max(1, res.total)
            bench.report.add(f"workers.rps.c{c}", res.rps, label=f"throughput, {clients(c)}",
                             unit="payments/s", section=S_WORKERS)  # fmt: skip
            bench.report.add(f"workers.p50.c{c}", res.p50, label=f"p50, {clients(c)}", unit="ms", section=S_WORKERS)
            bench.report.add(f"workers.p99.c{c}", res.p99, label=f"p99, {clients(c)}", unit="ms", section=S_WORKERS)
            bench.report.add(f"workers.cpu.c{c}", res.cpu_ms, label=f"CPU per payment, {clients(c)}",
                             unit="ms", section=S_WORKERS)  # fmt: skip
            if res.errors or res.first_error:
                bench.report.notes.append(f"workers at {c} clients: {res.errors} errors (first: {res.first_error})")
    finally:
        popped = stack.processes.pop("hub-workers", None)
        if popped is not None:
            # the set's shutdown_grace (30 s) and a margin, not the stack's 10 s: SIGKILLed at
            # 10 s, the parent would leave its workers to finish stopping during the next steps
            pids = descendants(popped.popen.pid)
            began = time.monotonic()
            await asyncio.to_thread(popped.stop, STOP_WITHIN)
            left = [pid for pid in pids if running(pid)]
            bench.report.notes.append(
                f"workers: the set stopped in {time.monotonic() - began:.1f}s"
                + (f"; still running after it: {left}" if left else "")
            )
