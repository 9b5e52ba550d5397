"""The ledger's cost and its hot accounts (issue 17).

- Throughput with the ledger against without it: purchases (``capture: "automatic"``: every one
  posts a capture entry touching ``sales`` and ``provider:{a}``, the two hot accounts) on the
  stack's hub, and the same load on a second hub process on the same database started with
  ``PAYHUB_BENCH_LEDGER_OFF=1`` (posts nothing). Runs alternate, on / off, each repeat.
- Balance-read latency with N entries stored (10k, then 1M): entries and postings bulk-loaded
  with generate_series, then ``ledger.account_balances(conn, "sales")`` read directly and
  ``GET /v1/ledger/accounts/sales`` through the hub. Striped balance rows keep both flat.
"""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import asyncpg
import msgspec

from benchmarks.loadgen import LoadResult, aiohttp_sender, aiohttp_session, clients, run_load
from benchmarks.stack import free_port, payhub_command
from benchmarks.stats import percentile

S_LEDGER = "Ledger: purchases (capture posts sales/provider entries) with vs without the ledger"
S_READ = "Ledger: balance read with N entries stored"

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}
PURCHASE = {
    "amount": 1099,
    "currency": "EUR",
    "capture": "automatic",
    "payment_method": {"type": "card", "card": CARD},
}

_ENTRIES = (
    "INSERT INTO ledger_entries (seq, id, cause, kind, resource, created_at) "
    "SELECT g, 'je_' || lpad(to_hex(g), 26, '0'), 'bench:' || g, 'capture', "
    "'pay_' || lpad(to_hex(g), 26, '0'), now() - make_interval(secs => g) "
    "FROM generate_series($1::bigint, $2::bigint) AS g"
)
_POSTINGS = (
    "INSERT INTO ledger_postings (entry_seq, account, currency, amount) "
    "SELECT g, a.account, 'EUR', a.sign * (1000 + g % 9000) "
    "FROM generate_series($1::bigint, $2::bigint) AS g, "
    "(VALUES ($3::text, 1), ('sales', -1)) AS a(account, sign)"
)
_BALANCES = (
    "INSERT INTO ledger_balances (account, currency, stripe, debits, credits) "
    "SELECT account, currency, (entry_seq % 32)::int, "
    "sum(CASE WHEN amount > 0 THEN amount ELSE 0 END), sum(CASE WHEN amount < 0 THEN -amount ELSE 0 END) "
    "FROM ledger_postings WHERE entry_seq BETWEEN $1 AND $2 GROUP BY account, currency, (entry_seq % 32)::int "
    "ON CONFLICT (account, currency, stripe) DO UPDATE SET "
    "debits = ledger_balances.debits + excluded.debits, credits = ledger_balances.credits + excluded.credits"
)
_OFFSET = 10_000_000_000  # bulk entries' seq numbers: clear of the hub's own


async def _purchases(bench: Any, url: str, pid: int, concurrency: int, tag: str) -> LoadResult:
    from benchmarks.loadgen import proc_cpu_seconds

    async with aiohttp_session(concurrency) as session:
        send = aiohttp_sender(
            session, f"{url}/v1/payments", msgspec.json.encode(PURCHASE), headers=bench.auth,
            ok_status=(200, 201), idempotency_prefix=f"ledger-{tag}-{time.monotonic_ns()}", expect=b'"captured"',
        )  # fmt: skip
        cpu0 = proc_cpu_seconds(pid)
        res = await run_load(
            send, concurrency=concurrency, duration=bench.opts.duration, warmup=bench.opts.warmup
        )
        res.cpu_ms = (proc_cpu_seconds(pid) - cpu0) * 1000 / max(1, res.total)
        return res


async def throughput_rounds(bench: Any) -> None:
    stack, rep = bench.stack, bench.report
    port = free_port()
    env = {**stack.hub_env(stack.workdir / "payhub.toml", port), "PAYHUB_BENCH_LEDGER_OFF": "1"}
    off = stack._spawn("hub-no-ledger", stack.hub_command or payhub_command("serve"), env)
    off_url = f"http://127.0.0.1:{port}"
    try:
        await stack._wait_http(off, f"{off_url}/ready", within=90)
        for r in range(bench.opts.repeats):
            for c in bench.opts.ledger_concurrency:
                runs = [("on", stack.hub_url, stack.hub_pid), ("off", off_url, off.popen.pid)]
                if r % 2:  # alternate which goes first: neither gets the quieter half every time
                    runs.reverse()
                got = {k: await _purchases(bench, url, pid, c, f"{k}{r}c{c}") for k, url, pid in runs}
                on_res, off_res = got["on"], got["off"]
                for who, res in (("with ledger", on_res), ("without ledger", off_res)):
                    key = "on" if who == "with ledger" else "off"
                    rep.add(
                        f"ledger.{key}.rps.c{c}",
                        res.rps,
                        label=f"{who}, {clients(c)}",
                        unit="payments/s",
                        section=S_LEDGER,
                    )
                    rep.add(
                        f"ledger.{key}.p50.c{c}",
                        res.p50,
                        label=f"{who} p50, {clients(c)}",
                        unit="ms",
                        section=S_LEDGER,
                    )
                    if res.cpu_ms is not None:
                        rep.add(
                            f"ledger.{key}.cpu.c{c}",
                            res.cpu_ms,
                            label=f"{who}: hub CPU per purchase, {clients(c)}",
                            unit="ms",
                            section=S_LEDGER,
                        )
                    if res.errors:
                        rep.notes.append(
                            f"ledger {who} at {c} clients: {res.errors} errors ({res.first_error})"
                        )
                if on_res.cpu_ms and off_res.cpu_ms:
                    rep.add(
                        f"ledger.cpu_ratio.c{c}", on_res.cpu_ms / off_res.cpu_ms,
                        label=f"hub CPU per purchase, with / without, {clients(c)}", unit="x", section=S_LEDGER,
                    )  # fmt: skip
                if off_res.rps > 0:
                    rep.add(
                        f"ledger.ratio.c{c}", on_res.rps / off_res.rps,
                        label=f"with / without (target >= 0.9), {clients(c)}", unit="x", section=S_LEDGER,
                    )  # fmt: skip
    finally:
        stack.processes.pop("hub-no-ledger", None)
        off.stop()


async def _fill(dsn: str, start: int, stop: int, provider: str, batch: int = 250_000) -> float:
    began = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SET synchronous_commit = off")  # a bulk load, not the measured path
        lo = start + 1
        while lo <= stop:
            hi = min(stop, lo + batch - 1)
            async with conn.transaction():
                await conn.execute(_ENTRIES, _OFFSET + lo, _OFFSET + hi)
                await conn.execute(_POSTINGS, _OFFSET + lo, _OFFSET + hi, provider)
                await conn.execute(_BALANCES, _OFFSET + lo, _OFFSET + hi)
            lo = hi + 1
        await conn.execute("VACUUM (ANALYZE) ledger_entries, ledger_postings, ledger_balances")
    finally:
        await conn.close()
    return time.perf_counter() - began


async def _read_direct(
    database_url: str, n: int, accounts: tuple[str, ...] = ("sales",)
) -> list[list[float]]:
    """``n`` reads of each of ``accounts``, interleaved (a busy machine slows them alike)."""
    import ledger
    from hub.store.db import create_engine

    engine = create_engine(database_url, pool_size=1)
    out: list[list[float]] = [[] for _ in accounts]
    try:
        async with engine.connect() as conn:
            for _ in range(n):
                for i, account in enumerate(accounts):
                    t0 = time.perf_counter()
                    balances = await ledger.account_balances(conn, account)
                    out[i].append((time.perf_counter() - t0) * 1000)
                    assert balances, f"no balance for {account}"
    finally:
        await engine.dispose()
    return out


async def _read_http(bench: Any, n: int) -> list[float]:
    out = []
    async with aiohttp.ClientSession() as session:
        for _ in range(n):
            t0 = time.perf_counter()
            async with session.get(
                f"{bench.stack.hub_url}/v1/ledger/accounts/sales", headers=bench.auth
            ) as resp:
                await resp.read()
                assert resp.status == 200, resp.status
            out.append((time.perf_counter() - t0) * 1000)
    return out


async def read_rounds(bench: Any) -> None:
    """Sequential: ``sales`` read with 10k, then 1M entries stored. Interleaved (the robust one on
    a busy machine): after the last fill, an account with the first size's entries and one
    with all the rest read turn about."""
    from benchmarks.steps import label_n

    rep, stored = bench.report, 0
    sizes = bench.opts.ledger_sizes
    for k, n in enumerate(sizes):
        took = await _fill(bench.stack.dsn, stored, n, "provider:small" if k == 0 else "provider:large")
        stored = n
        tag = label_n(n)
        rep.meta.setdefault("ledger_fill_seconds", {})[tag] = round(took, 1)
        for _ in range(bench.opts.repeats):
            (direct,) = await _read_direct(bench.stack.database_url, 300)
            http = await _read_http(bench, 300)
            rep.add(
                f"ledger.read.p50.{tag}",
                percentile(direct, 50),
                label=f"sales: ledger.account_balances p50, {tag} entries",
                unit="ms",
                section=S_READ,
            )
            rep.add(
                f"ledger.read.p99.{tag}",
                percentile(direct, 99),
                label=f"sales: ledger.account_balances p99, {tag} entries",
                unit="ms",
                section=S_READ,
            )
            rep.add(
                f"ledger.http.p50.{tag}",
                percentile(http, 50),
                label=f"GET /v1/ledger/accounts/sales p50, {tag} entries",
                unit="ms",
                section=S_READ,
            )
    first, last = label_n(sizes[0]), label_n(sizes[-1])
    for key, what in (("read", "sales: ledger.account_balances"), ("http", "GET")):
        a, b = (
            rep.figures[f"ledger.{key}.p50.{first}"].samples,
            rep.figures[f"ledger.{key}.p50.{last}"].samples,
        )
        for x, y in zip(a, b, strict=False):
            rep.add(
                f"ledger.{key}.ratio",
                y / x,
                label=f"{what} p50 {last} / {first} (sequential)",
                unit="x",
                section=S_READ,
            )
    rest = label_n(sizes[-1] - sizes[0])
    for _ in range(bench.opts.repeats):
        small, large = await _read_direct(bench.stack.database_url, 500, ("provider:small", "provider:large"))
        ps, pl = percentile(small, 50), percentile(large, 50)
        rep.add(
            f"ledger.turn.p50.{first}",
            ps,
            label=f"account with {first} entries: read p50 (interleaved)",
            unit="ms",
            section=S_READ,
        )
        rep.add(
            f"ledger.turn.p50.{rest}",
            pl,
            label=f"account with {rest} entries: read p50 (interleaved)",
            unit="ms",
            section=S_READ,
        )
        rep.add(
            "ledger.turn.ratio",
            pl / ps,
            label=f"read p50 {rest} / {first} entries (interleaved; flat: <= 1.1)",
            unit="x",
            section=S_READ,
        )


async def post_cost(bench: Any, n: int = 500) -> None:
    """What one capture entry adds inside its transaction: ``ledger.post`` timed alone (one
    client, so a busy machine distorts it least), beside the hub's CPU per purchase above."""
    import datetime as dt

    from sqlalchemy import text

    import ledger
    from hub.store.db import create_engine

    engine = create_engine(bench.stack.database_url, pool_size=1)
    took: list[float] = []
    trip: list[float] = []  # a bare SELECT 1 in the same transaction: what one round trip costs here
    try:
        for i in range(n):
            async with engine.begin() as conn:
                t0 = time.perf_counter()
                await conn.execute(text("SELECT 1"))
                trip.append((time.perf_counter() - t0) * 1000)
                lines = ledger.transfer("provider:cost", "sales", "EUR", 1099)
                t0 = time.perf_counter()
                await ledger.post(
                    conn, kind="capture", cause=f"bench-cost-{time.monotonic_ns()}-{i}",
                    resource=f"pay_cost{i}", lines=lines, now=dt.datetime.now(dt.UTC),
                )  # fmt: skip
                took.append((time.perf_counter() - t0) * 1000)
    finally:
        await engine.dispose()
    rep = bench.report
    rep.add(
        "ledger.post.p50",
        percentile(took, 50),
        label="ledger.post in the capture's transaction, p50",
        unit="ms",
        section=S_LEDGER,
    )
    rep.add(
        "ledger.post.p99",
        percentile(took, 99),
        label="ledger.post in the capture's transaction, p99",
        unit="ms",
        section=S_LEDGER,
    )


async def rounds(bench: Any) -> None:
    await throughput_rounds(bench)
    for _ in range(bench.opts.repeats):
        await post_cost(bench)
    await read_rounds(bench)
