"""Profile ONE hub process under load: ``python -m benchmarks.profile [--clients 16] [--seconds 10]``.

Starts the same stack as benchmarks.run, with ``payhub serve`` under pyinstrument
(benchmarks/profiled_serve.py), drives POST /v1/payments from N clients (``--webhooks``: signed
inbound webhooks to /v1/webhooks/sim, as benchmarks.webhooks sends them), samples only while the
load runs (after a warm-up), and writes to benchmarks/results/profile/ (profile-webhooks/):

* profile.html          pyinstrument's interactive view
* profile.txt           the call tree (library frames folded)
* profile-self.txt      flat: where the samples were (self time)
* profile-top.txt       the top costs per payment (webhook): self time by function, and inclusive time of
                        payhub's own functions, as a share of the process's busy (non-idle) time
                        and as milliseconds of one core per payment
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import msgspec
from pyinstrument.frame import Frame
from pyinstrument.session import Session

from benchmarks.loadgen import Send, aiohttp_sender, aiohttp_session, proc_cpu_seconds, run_load
from benchmarks.options import RESULTS
from benchmarks.stack import MAIN_ACCOUNT, Stack
from benchmarks.steps import PAYMENT
from benchmarks.webhooks import webhook_sender

PROJECT = ("/hub/", "/adapters/", "/idempotency/", "/vault/", "/webhooks/")
IDLE = {("selectors.py", "select"), ("<built-in>", "epoll.poll"), ("<built-in>", "select.select")}


def _frames(frame: Frame) -> Iterator[Frame]:
    yield frame
    for child in frame.children:
        yield from _frames(child)


def _key(frame: Frame) -> str:
    path = frame.file_path or ""
    for root in PROJECT:
        if root in path:
            path = root.strip("/") + "/" + path.split(root, 1)[1]
            break
    else:
        path = frame.file_path_short or path
    return f"{path}:{frame.function}"


def _package(frame: Frame) -> str:
    path = frame.file_path or ""
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    for root in PROJECT:
        if root in path:
            return root.strip("/")
    if path.startswith("<"):
        return path
    parts = path.split("/")
    return (
        parts[-2]
        if len(parts) > 1 and parts[-2] != "python3.11"
        else os.path.basename(path).removesuffix(".py")
    )


def _is_idle(frame: Frame) -> bool:
    name = os.path.basename(frame.file_path or "")
    return (name, frame.function) in IDLE or (frame.file_path or "", frame.function) in IDLE


def top_costs(root: Frame, payments: int, n: int = 15, *, what: str = "payment") -> str:
    total = root.time
    self_by: dict[str, float] = defaultdict(float)
    by_package: dict[str, float] = defaultdict(float)
    idle = 0.0
    for frame in _frames(root):
        st = frame.total_self_time if not frame.is_synthetic else 0.0
        if frame.is_synthetic or st <= 0:
            continue
        if _is_idle(frame):
            idle += st
        else:
            self_by[_key(frame)] += st
            by_package[_package(frame)] += st
    busy = max(total - idle, 1e-9)

    inclusive: dict[str, float] = defaultdict(float)

    def walk(frame: Frame, on_path: frozenset[str]) -> None:
        key = _key(frame)
        inside = any(root in (frame.file_path or "") for root in PROJECT)
        if inside and key not in on_path:
            inclusive[key] += frame.time
            on_path = on_path | {key}
        for child in frame.children:
            walk(child, on_path)

    walk(root, frozenset())
    per = 1000.0 / payments if payments else float("nan")
    lines = [
        f"sampled {total:.2f}s of wall time; busy (not waiting in the event loop) {busy:.2f}s "
        f"= {busy / total:.0%}; {payments} {what}s -> {busy * per:.2f} ms busy per {what} "
        "(wall time: includes time descheduled on a shared machine)",
        "",
        f"Top {n} by SELF time (share of busy time, ms per {what}):",
    ]
    for key, t in sorted(self_by.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    lines += ["", f"SELF time by package (share of busy time, ms per {what}):"]
    for key, t in sorted(by_package.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    lines += ["", f"Top {n} payhub functions by INCLUSIVE time (share of busy time, ms per {what}):"]
    for key, t in sorted(inclusive.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    return "\n".join(lines) + "\n"


async def _sender(stack: Stack, session: aiohttp.ClientSession, webhooks: bool) -> Send:
    if webhooks:  # signed inbound webhooks (benchmarks.webhooks), a new event id each
        if not stack.webhook_secret:
            raise RuntimeError("the simulator's webhook secret is needed to sign the events")
        send, _ = await webhook_sender(
            session, stack.hub_url, stack.sim_url, stack.admin_key, MAIN_ACCOUNT, stack.webhook_secret
        )
        return send
    return aiohttp_sender(
        session, f"{stack.hub_url}/v1/payments", msgspec.json.encode(PAYMENT),
        headers={"Authorization": f"Bearer {stack.admin_key}"},
        idempotency_prefix=f"profile-{time.monotonic_ns()}", expect=b'"authorized"',
    )  # fmt: skip


async def profile(
    clients: int, seconds: float, warmup: float, out: Path, *, webhooks: bool = False, worker: bool = False
) -> str:
    done = out / "done"
    what = "webhook" if webhooks else "payment"
    profiled = [sys.executable, "-m", "benchmarks.profiled_serve", "--out", str(out)]
    process = "worker" if worker else "hub"
    stack = Stack(worker_command=[*profiled, "worker"]) if worker else Stack(hub_command=[*profiled, "serve"])
    async with stack:
        async with aiohttp_session(clients) as session:
            send = await _sender(stack, session, webhooks)
            load = asyncio.create_task(run_load(send, concurrency=clients, duration=seconds, warmup=warmup))
            await asyncio.sleep(warmup)
            pid = stack.processes[process].popen.pid
            os.kill(pid, signal.SIGUSR1)
            cpu0 = proc_cpu_seconds(pid)
            result = await load
            cpu = proc_cpu_seconds(pid) - cpu0
            os.kill(pid, signal.SIGUSR2)
        deadline = time.monotonic() + 120
        while not done.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the profiled {process} wrote no profile:\n{stack.processes[process].tail()}")
            await asyncio.sleep(0.2)
    root = Session.load(str(out / "profile.json")).root_frame()
    header = (
        f"{process} under {clients} clients for {seconds:g}s: {result.rps:.0f} {what}s/s, p50 {result.p50:.1f} ms, "
        f"p99 {result.p99:.1f} ms, errors {result.errors}; {process} process CPU {cpu * 1000 / max(1, result.total):.2f} ms "
        f"per {what} (profiler overhead included)\n"
    )
    text = header + (top_costs(root, result.count, what=what) if root else "no samples\n")
    (out / "profile-top.txt").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pyinstrument profile of one hub process under load")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--webhooks", action="store_true", help="POST signed inbound webhooks instead of payments")
    ap.add_argument("--worker", action="store_true", help="profile the payhub worker instead of the hub")
    args = ap.parse_args(argv)
    name = "profile" + ("-webhooks" if args.webhooks else "") + ("-worker" if args.worker else "")
    args.out = args.out or RESULTS / name
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "done").unlink(missing_ok=True)
    print(asyncio.run(profile(args.clients, args.seconds, args.warmup, args.out, webhooks=args.webhooks, worker=args.worker)))
    print(f"profile: {args.out}/profile.html, profile.txt, profile-self.txt, profile-top.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
