"""Profile ONE hub process under load: ``python -m benchmarks.profile [--clients 16] [--seconds 10]``.

Starts the same stack as benchmarks.run, with ``payhub serve`` under pyinstrument
(benchmarks/profiled_serve.py), drives POST /v1/payments from N clients, samples only while the
load runs (after a warm-up), and writes to benchmarks/results/profile/:

* profile.html          pyinstrument's interactive view
* profile.txt           the call tree (library frames folded)
* profile-self.txt      flat: where the samples were (self time)
* profile-top.txt       the top costs per payment: self time by function, and inclusive time of
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

import msgspec
from pyinstrument.frame import Frame
from pyinstrument.session import Session

from benchmarks.loadgen import aiohttp_sender, aiohttp_session, proc_cpu_seconds, run_load
from benchmarks.options import RESULTS
from benchmarks.stack import Stack
from benchmarks.steps import PAYMENT

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


def top_costs(root: Frame, payments: int, n: int = 15) -> str:
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
        f"= {busy / total:.0%}; {payments} payments -> {busy * per:.2f} ms busy per payment "
        "(wall time: includes time descheduled on a shared machine)",
        "",
        f"Top {n} by SELF time (share of busy time, ms per payment):",
    ]
    for key, t in sorted(self_by.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    lines += ["", "SELF time by package (share of busy time, ms per payment):"]
    for key, t in sorted(by_package.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    lines += ["", f"Top {n} payhub functions by INCLUSIVE time (share of busy time, ms per payment):"]
    for key, t in sorted(inclusive.items(), key=lambda kv: -kv[1])[:n]:
        lines.append(f"  {t / busy:6.1%}  {t * per:7.3f} ms  {key}")
    return "\n".join(lines) + "\n"


async def profile(clients: int, seconds: float, warmup: float, out: Path) -> str:
    done = out / "done"
    hub_cmd = [sys.executable, "-m", "benchmarks.profiled_serve", "--out", str(out), "serve"]
    async with Stack(hub_command=hub_cmd) as stack:
        body = msgspec.json.encode(PAYMENT)
        async with aiohttp_session(clients) as session:
            send = aiohttp_sender(
                session, f"{stack.hub_url}/v1/payments", body,
                headers={"Authorization": f"Bearer {stack.admin_key}"},
                idempotency_prefix=f"profile-{time.monotonic_ns()}", expect=b'"authorized"',
            )  # fmt: skip
            load = asyncio.create_task(run_load(send, concurrency=clients, duration=seconds, warmup=warmup))
            await asyncio.sleep(warmup)
            os.kill(stack.hub_pid, signal.SIGUSR1)
            cpu0 = proc_cpu_seconds(stack.hub_pid)
            result = await load
            cpu = proc_cpu_seconds(stack.hub_pid) - cpu0
            os.kill(stack.hub_pid, signal.SIGUSR2)
        deadline = time.monotonic() + 120
        while not done.exists():
            if time.monotonic() > deadline:
                raise RuntimeError(f"the profiled hub wrote no profile:\n{stack.processes['hub'].tail()}")
            await asyncio.sleep(0.2)
    root = Session.load(str(out / "profile.json")).root_frame()
    header = (
        f"hub under {clients} clients for {seconds:g}s: {result.rps:.0f} payments/s, p50 {result.p50:.1f} ms, "
        f"p99 {result.p99:.1f} ms, errors {result.errors}; hub process CPU {cpu * 1000 / max(1, result.total):.2f} ms "
        "per payment (profiler overhead included)\n"
    )
    text = header + (top_costs(root, result.count) if root else "no samples\n")
    (out / "profile-top.txt").write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pyinstrument profile of one hub process under load")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=2.0)
    ap.add_argument("--out", type=Path, default=RESULTS / "profile")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "done").unlink(missing_ok=True)
    print(asyncio.run(profile(args.clients, args.seconds, args.warmup, args.out)))
    print(f"profile: {args.out}/profile.html, profile.txt, profile-self.txt, profile-top.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
