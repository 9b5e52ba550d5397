"""The measurements of the standard set, each feeding figures into the Report.

One ``Bench`` per run holds the stack (benchmarks/stack.py) and the options; ``benchmarks.run``
calls its steps in order: throughput and replay once per repeat, then webhooks, resolution,
transports, arq jobs and, last (it truncates the payments), scale.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import inspect
import json
import subprocess
import sys
import time
from typing import Any

import aiohttp
import asyncpg
import msgspec

from benchmarks import jobs as arq_bench
from benchmarks import resolution, scale, transports
from benchmarks.loadgen import (
    LoadResult,
    aiohttp_sender,
    aiohttp_session,
    clients,
    proc_cpu_seconds,
    run_load,
)
from benchmarks.options import Options
from benchmarks.report import Report
from benchmarks.stack import SHORT_ACCOUNT, Stack, pick_redis_db
from benchmarks.stats import percentile

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
PAYMENT = {
    "amount": 1099,
    "currency": "EUR",
    "capture": "manual",
    "payment_method": {"type": "card", "card": CARD},
}
CHARGE = {"amount": 1099, "currency": "EUR", "capture": False, "card": CARD}

S_STANDIN = "Stand-in alone (POST /v1/charges; the load generator's ceiling)"
S_FLOOR = "Floor (asyncpg + aiohttp, 2 durable commits + 1 provider call, no framework)"
S_HUB = "Hub: POST /v1/payments (1 API process, PostgreSQL, Redis)"
S_ADDED = "Hub-added latency (hub - stand-in, same run)"
S_VS_FLOOR = "Hub vs floor"
S_CPU = "CPU per request (ms of one core, warm-up included; robust on a busy machine)"
S_XACT = "Database write transactions per payment (xid delta, cluster-wide)"
S_REPLAY = "Idempotent replay (same key, same request)"
S_WEBHOOKS = "Webhook ingestion (POST /v1/webhooks/{account})"
S_RESOLUTION = "Ambiguous -> resolved (default schedule, arq + payhub worker)"
S_SCALE = "Scale: authorize at 1 client with N payments stored"
S_JOBS = "arq: defaults vs payhub worker settings"
S_TRANSPORTS = "Transports against the stand-in (req/s)"


def label_n(n: int) -> str:
    return (
        f"{n // 1_000_000}M"
        if n >= 1_000_000 and n % 1_000_000 == 0
        else f"{n // 1000}k"
        if n >= 1000
        else str(n)
    )


class Bench:
    def __init__(self, opts: Options, stack: Stack, report: Report) -> None:
        self.opts = opts
        self.stack = stack
        self.report = report
        self.auth = {"Authorization": f"Bearer {stack.admin_key}"}

    # ---------------------------------------------------------------- helpers
    def add_load(self, prefix: str, section: str, who: str, r: LoadResult, what: str = "payments/s") -> None:
        c = r.concurrency
        self.report.add(
            f"{prefix}.rps.c{c}", r.rps, label=f"{who} throughput, {clients(c)}", unit=what, section=section
        )
        self.report.add(
            f"{prefix}.p50.c{c}", r.p50, label=f"{who} p50, {clients(c)}", unit="ms", section=section
        )
        self.report.add(
            f"{prefix}.p99.c{c}", r.p99, label=f"{who} p99, {clients(c)}", unit="ms", section=section
        )
        if r.cpu_ms is not None:
            self.report.add(
                f"cpu.{prefix}.c{c}", r.cpu_ms, label=f"{who}, {clients(c)}", unit="ms", section=S_CPU
            )
        if r.errors or r.first_error:
            self.report.notes.append(f"{prefix} at {c} clients: {r.errors} errors (first: {r.first_error})")

    async def hub_load(self, concurrency: int, duration: float, tag: str) -> LoadResult:
        body = msgspec.json.encode(PAYMENT)
        async with aiohttp_session(concurrency) as session:
            send = aiohttp_sender(
                session,
                f"{self.stack.hub_url}/v1/payments",
                body,
                headers=self.auth,
                ok_status=(200, 201),
                idempotency_prefix=f"bench-{tag}-{time.monotonic_ns()}",
                expect=b'"authorized"',
            )
            cpu0 = proc_cpu_seconds(self.stack.hub_pid)
            res = await run_load(send, concurrency=concurrency, duration=duration, warmup=self.opts.warmup)
            res.cpu_ms = (proc_cpu_seconds(self.stack.hub_pid) - cpu0) * 1000 / max(1, res.total)
            return res

    async def standin_load(self, concurrency: int) -> LoadResult:
        body = msgspec.json.encode(CHARGE)
        async with aiohttp_session(concurrency) as session:
            send = aiohttp_sender(
                session,
                f"{self.stack.sim_url}/v1/charges",
                body,
                headers={},
                ok_status=(200,),
                idempotency_prefix=f"standin-{time.monotonic_ns()}",
                expect=b'"authorized"',
            )
            sim_pid = self.stack.processes["simulator"].popen.pid
            cpu0, own0, wall0 = proc_cpu_seconds(sim_pid), time.process_time(), time.perf_counter()
            res = await run_load(
                send, concurrency=concurrency, duration=self.opts.duration, warmup=self.opts.warmup
            )
            res.cpu_ms = (proc_cpu_seconds(sim_pid) - cpu0) * 1000 / max(1, res.total)
            busy = (time.process_time() - own0) / (time.perf_counter() - wall0)
            self.report.add(
                f"loadgen.busy.c{concurrency}", busy, label=f"load generator CPU busy, {clients(concurrency)}",
                unit="cores", section=S_STANDIN,
            )  # fmt: skip
            return res

    async def next_xid(self) -> int:
        conn = await asyncpg.connect(self.stack.dsn)
        try:
            return int(await conn.fetchval("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint"))
        finally:
            await conn.close()

    async def floor_run(self) -> list[dict[str, Any]]:
        cmd = [
            sys.executable, "-m", "benchmarks.floor", "--dsn", self.stack.dsn, "--sim-url", self.stack.sim_url,
            "--concurrency", ",".join(map(str, self.opts.concurrency)),
            "--duration", str(self.opts.duration), "--warmup", str(self.opts.warmup),
        ]  # fmt: skip
        proc = await asyncio.create_subprocess_exec(*cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await proc.communicate()
        if proc.returncode != 0:
            raise RuntimeError(f"benchmarks.floor failed ({proc.returncode}):\n{err.decode()[-2000:]}")
        result: list[dict[str, Any]] = json.loads(out)
        return result

    # ---------------------------------------------------------------- the set
    async def throughput_round(self, r: int) -> None:
        """One repeat of: stand-in alone, floor, hub at each concurrency, and the derived figures."""
        rep = self.report
        standin = {c: await self.standin_load(c) for c in self.opts.concurrency}
        for res in standin.values():
            self.add_load("standin", S_STANDIN, "stand-in", res, "req/s")

        xid0 = await self.next_xid()
        floor = {f["concurrency"]: f for f in await self.floor_run()}
        xid1 = await self.next_xid()
        for c, f in floor.items():
            rep.add(
                f"floor.rps.c{c}",
                f["rps"],
                label=f"floor throughput, {clients(c)}",
                unit="payments/s",
                section=S_FLOOR,
            )
            rep.add(f"floor.p50.c{c}", f["p50"], label=f"floor p50, {clients(c)}", unit="ms", section=S_FLOOR)
            rep.add(f"floor.p99.c{c}", f["p99"], label=f"floor p99, {clients(c)}", unit="ms", section=S_FLOOR)
            rep.add(f"cpu.floor.c{c}", f["cpu_ms"], label=f"floor, {clients(c)}", unit="ms", section=S_CPU)
            if f["errors"] or f["first_error"]:
                rep.notes.append(f"floor at {c} clients: {f['errors']} errors (first: {f['first_error']})")
        floor_total = sum(f["total"] for f in floor.values())

        hub: dict[int, LoadResult] = {}
        hub_total = 0
        xid2 = await self.next_xid()
        for c in self.opts.concurrency:
            hub[c] = await self.hub_load(c, self.opts.duration, f"r{r}c{c}")
            hub_total += hub[c].total
            self.add_load("hub", S_HUB, "hub", hub[c])
        xid3 = await self.next_xid()

        for c in self.opts.concurrency:
            h, s = hub[c], standin[c]
            fl = floor.get(c)
            rep.add(f"added.p50.c{c}", h.p50 - s.p50, label=f"p50, {clients(c)}", unit="ms", section=S_ADDED)
            rep.add(f"added.p99.c{c}", h.p99 - s.p99, label=f"p99, {clients(c)}", unit="ms", section=S_ADDED)
            if fl is not None and fl["rps"] > 0:
                rep.add(
                    f"floor.ratio.c{c}",
                    h.rps / fl["rps"],
                    label=f"hub / floor throughput, {clients(c)}",
                    unit="x",
                    section=S_VS_FLOOR,
                )
                rep.add(
                    f"floor.p50_gap.c{c}",
                    h.p50 - fl["p50"],
                    label=f"hub p50 - floor p50, {clients(c)}",
                    unit="ms",
                    section=S_VS_FLOOR,
                )
                rep.add(
                    f"floor.p99_gap.c{c}",
                    h.p99 - fl["p99"],
                    label=f"hub p99 - floor p99, {clients(c)}",
                    unit="ms",
                    section=S_VS_FLOOR,
                )
            if h.rps > 0:
                rep.add(
                    f"loadgen.headroom.c{c}",
                    s.rps / h.rps,
                    label=f"stand-in rps / hub rps, {clients(c)}",
                    unit="x",
                    section=S_VS_FLOOR,
                )
        if floor_total:
            rep.add(
                "xact.floor", (xid1 - xid0 - 2) / floor_total, label="floor", unit="xacts", section=S_XACT
            )
        if hub_total:
            rep.add("xact.hub", (xid3 - xid2 - 1) / hub_total, label="hub", unit="xacts", section=S_XACT)

    async def replay_round(self) -> None:
        """The same Idempotency-Key and body over and over: every answer a stored replay."""
        key = f"replay-{time.monotonic_ns()}"
        body = msgspec.json.encode(PAYMENT)
        headers = {**self.auth, "Idempotency-Key": key}
        async with aiohttp_session(self.opts.replay_concurrency) as session:
            async with session.post(
                f"{self.stack.hub_url}/v1/payments",
                data=body,
                headers={**headers, "Content-Type": "application/json"},
            ) as resp:
                if resp.status not in (200, 201):
                    raise RuntimeError(f"replay setup: HTTP {resp.status}: {await resp.text()}")
            send = aiohttp_sender(
                session, f"{self.stack.hub_url}/v1/payments", body, headers=headers,
                expect=b'"authorized"', expect_header=("Idempotent-Replayed", "true"),
            )  # fmt: skip
            res = await run_load(
                send,
                concurrency=self.opts.replay_concurrency,
                duration=self.opts.duration,
                warmup=self.opts.warmup,
            )
        self.add_load("replay", S_REPLAY, "replay", res, "replays/s")

    async def webhooks_round(self) -> None:
        if importlib.util.find_spec("benchmarks.webhooks") is None:
            for key, label, unit in (
                ("webhooks.rate", "ingestion rate", "events/s"),
                ("webhooks.ack_p99", "ack p99", "ms"),
            ):
                self.report.missing(key, "n/a (not landed)", label=label, unit=unit, section=S_WEBHOOKS)
            return
        module = importlib.import_module("benchmarks.webhooks")
        entry = next(
            (getattr(module, n) for n in ("bench", "measure", "run") if callable(getattr(module, n, None))),
            None,
        )
        if entry is None:
            self.report.notes.append(
                "benchmarks/webhooks.py has no bench()/measure()/run(): webhook figures skipped"
            )
            return
        available: dict[str, Any] = {
            "stack": self.stack, "hub_url": self.stack.hub_url, "sim_url": self.stack.sim_url,
            "admin_key": self.stack.admin_key, "api_key": self.stack.admin_key, "account": "sim",
            "account_id": "sim", "webhook_secret": self.stack.webhook_secret, "dsn": self.stack.dsn,
            "database_url": self.stack.database_url, "duration": self.opts.duration, "warmup": self.opts.warmup,
            "concurrency": self.opts.webhook_concurrency,
        }  # fmt: skip
        params = inspect.signature(entry).parameters
        kwargs = {k: v for k, v in available.items() if k in params}
        # Once per repeat, like the payment figures (one 3 s sample on a shared machine varied by
        # +-10% run to run); each run starts with the worker caught up on the one before.
        for _ in range(self.opts.repeats):
            await self._inbox_applied()
            result = entry(**kwargs)
            if inspect.isawaitable(result):
                result = await result
            result = result if isinstance(result, dict) else {}
            for key, value in result.items():
                if value is False or key == "first_error":
                    self.report.notes.append(f"webhooks: {key} = {value}")
            for key, value in _flatten(result).items():
                name, unit = _webhook_figure(key)
                self.report.add(name, value, label=key.replace("_", " "), unit=unit, section=S_WEBHOOKS)

    async def _inbox_applied(self) -> int:
        """Wait (at most 180 s) until the worker has applied every stored webhook; how many
        it has applied in all."""
        start = time.monotonic()
        conn = await asyncpg.connect(self.stack.dsn)
        try:
            while time.monotonic() - start < 180:
                left = await conn.fetchval(
                    "SELECT count(*) FROM webhook_inbox WHERE status IN ('received', 'retry')"
                )
                if not left:
                    break
                await asyncio.sleep(0.25)
            return int(await conn.fetchval("SELECT count(*) FROM webhook_inbox WHERE status <> 'received'"))
        finally:
            await conn.close()

    async def _drain_inbox(self) -> None:
        """Wait until the worker has applied every stored webhook: the resolution figure is
        the default schedule's, not the time spent queued behind the previous step's events.
        How long the drain took is reported: it is the worker's webhook processing rate in
        disguise."""
        start = time.monotonic()
        processed = await self._inbox_applied()
        waited = time.monotonic() - start
        if processed:
            self.report.add(
                "resolution.inbox_drain",
                waited,
                label="wait for the worker to apply the webhook step's events first",
                unit="s",
                section=S_RESOLUTION,
            )

    async def resolution_round(self) -> None:
        from hub.store.db import create_engine

        await self._drain_inbox()
        async with aiohttp.ClientSession() as session:

            async def one(i: int) -> str:
                req = resolution.ambiguous_request(i, account=SHORT_ACCOUNT)
                async with session.post(
                    f"{self.stack.hub_url}/v1/payments", json=req, headers=self.auth
                ) as resp:
                    body = await resp.json()
                    if body.get("status") != "processing":
                        raise RuntimeError(f"expected an ambiguous payment, got {resp.status} {body}")
                    return str(body["id"])

            ids = await asyncio.gather(*(one(i) for i in range(self.opts.resolution_n)))
        engine = create_engine(self.stack.database_url, pool_size=2)
        try:
            try:
                await resolution.wait_resolved(engine, ids, within=resolution.WAIT_WITHIN)
            except TimeoutError:
                self.report.notes.extend(await resolution.unresolved(engine, ids))
                raise
            times = await resolution.resolution_times(engine, ids)
        finally:
            await engine.dispose()
        v = times["all"]
        self.report.add(
            "resolution.median",
            float(sorted(v)[len(v) // 2]) if v else float("nan"),
            label="median",
            unit="s",
            section=S_RESOLUTION,
        )
        self.report.add("resolution.p95", percentile(v, 95), label="p95", unit="s", section=S_RESOLUTION)
        self.report.add("resolution.max", max(v), label="max", unit="s", section=S_RESOLUTION)
        self.report.add(
            "resolution.checks",
            times["checks"][0] / max(1, len(v)),
            label="provider checks per operation",
            unit="",
            section=S_RESOLUTION,
        )

    async def scale_rounds(self) -> None:
        await scale.truncate_growing(self.stack.dsn)
        stored = 0
        for n in self.opts.scale_sizes:
            took = await scale.fill_to(self.stack.dsn, stored, n)
            stored = n
            self.report.meta.setdefault("scale_fill_seconds", {})[label_n(n)] = round(took, 1)
            for r in range(self.opts.repeats):
                res = await self.hub_load(1, self.opts.scale_duration, f"scale{n}r{r}")
                tag = label_n(n)
                self.report.add(
                    f"scale.p50.{tag}", res.p50, label=f"p50, {tag} stored", unit="ms", section=S_SCALE
                )
                self.report.add(
                    f"scale.p99.{tag}", res.p99, label=f"p99, {tag} stored", unit="ms", section=S_SCALE
                )
        first, last = label_n(self.opts.scale_sizes[0]), label_n(self.opts.scale_sizes[-1])
        a, b = (
            self.report.figures[f"scale.p50.{first}"].samples,
            self.report.figures[f"scale.p50.{last}"].samples,
        )
        for x, y in zip(a, b, strict=False):
            self.report.add(
                "scale.p50_ratio", y / x, label=f"p50 {last} / p50 {first}", unit="x", section=S_SCALE
            )

    async def jobs_rounds(self) -> None:
        hub_cfg = arq_bench.configs()[-1]
        if hub_cfg.poll_delay >= 0.5 or hub_cfg.max_jobs <= 10:
            self.report.notes.append(
                f"payhub worker runs arq untuned (poll_delay {hub_cfg.poll_delay}, max_jobs {hub_cfg.max_jobs}): "
                "propose poll_delay 0.05 and max_jobs 50 in hub/jobs/arq_runner.py worker_settings"
            )
        db = await pick_redis_db(None, exclude=(self.stack.redis_db or 0,))
        url = f"{self.stack.redis_url.rsplit('/', 1)[0]}/{db}"
        for _ in range(self.opts.aux_repeats or self.opts.repeats):
            for cfg in arq_bench.configs():
                f = await arq_bench.measure(cfg, url, duration=self.opts.jobs_duration, job_ms=5.0, rate=10.0)
                name = f"{cfg.name} (poll_delay {cfg.poll_delay}, max_jobs {cfg.max_jobs})"
                key = cfg.name.replace(" ", "_")
                self.report.add(
                    f"jobs.rate.{key}",
                    f.jobs_per_s,
                    label=f"{name}: jobs/s (5 ms jobs)",
                    unit="jobs/s",
                    section=S_JOBS,
                )
                self.report.add(
                    f"jobs.p50.{key}",
                    f.latency_p50_ms,
                    label=f"{name}: enqueue->start p50",
                    unit="ms",
                    section=S_JOBS,
                )
                self.report.add(
                    f"jobs.p95.{key}",
                    f.latency_p95_ms,
                    label=f"{name}: enqueue->start p95",
                    unit="ms",
                    section=S_JOBS,
                )

    async def transport_rounds(self) -> None:
        for _ in range(self.opts.aux_repeats or self.opts.repeats):
            res = await transports.compare(
                self.stack.sim_url,
                self.opts.concurrency,
                duration=self.opts.transport_duration,
                warmup=min(0.3, self.opts.warmup),
            )
            for (name, c), r in res.items():
                key = (
                    name.split()[0]
                    if name.startswith("raw")
                    else ("httpx_default" if "default" in name else "httpx_hub")
                )
                self.report.add(
                    f"transport.rps.{key}.c{c}",
                    r.rps,
                    label=f"{name}, {c} concurrent",
                    unit="req/s",
                    section=S_TRANSPORTS,
                )
                if r.errors:
                    self.report.notes.append(f"transport {name} at {c}: {r.errors} errors ({r.first_error})")


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        name = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, f"{name}_"))
        elif isinstance(v, int | float) and not isinstance(v, bool):
            out[name] = float(v)
    return out


def _webhook_figure(key: str) -> tuple[str, str]:
    low = key.lower()
    if "p99" in low and ("ack" in low or "latency" in low or low.startswith("p99")):
        return "webhooks.ack_p99", "ms"
    if low in ("rate", "rps", "events_per_s", "ingestion_rate"):
        return "webhooks.rate", "events/s"
    unit = (
        "ms"
        if any(p in low for p in ("p50", "p95", "p99", "_ms"))
        else ("/s" if "rate" in low or "rps" in low else "")
    )
    return f"webhooks.{low}", unit
