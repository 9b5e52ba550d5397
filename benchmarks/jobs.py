"""arq tuning: jobs/s and enqueue -> start latency, arq's defaults vs the settings ``payhub worker``
uses (hub/jobs/arq_runner.py ``worker_settings``: poll_delay, max_jobs).

Each job stands for a resolution step: ``job_ms`` of awaited I/O. Throughput: a backlog is
enqueued and the worker drains it for ``duration`` seconds. Latency: jobs trickle in at ``rate``
per second onto an idle worker (below arq's default capacity, so the figure is pure polling delay); each records when it started against when it was enqueued.

    python -m benchmarks.jobs [--redis-url redis://127.0.0.1:6379/14] [--duration 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import random
import time
from dataclasses import dataclass
from typing import Any

from arq.connections import RedisSettings, create_pool
from arq.worker import Worker, func

from benchmarks.stats import percentile
from hub.jobs.arq_runner import worker_settings

QUEUE = "payhub-bench:jobs"


@dataclass(frozen=True)
class ArqConfig:
    name: str
    poll_delay: float
    max_jobs: int


def configs() -> list[ArqConfig]:
    """arq's own defaults and the hub's ``payhub worker`` settings, read from their signatures."""
    arq_sig = inspect.signature(Worker.__init__).parameters
    hub_sig = inspect.signature(worker_settings).parameters
    return [
        ArqConfig("arq defaults", float(arq_sig["poll_delay"].default), int(arq_sig["max_jobs"].default)),
        ArqConfig("payhub worker", float(hub_sig["poll_delay"].default), int(hub_sig["max_jobs"].default)),
    ]


@dataclass
class JobFigures:
    config: ArqConfig
    jobs_per_s: float
    latency_p50_ms: float
    latency_p95_ms: float
    latency_max_ms: float


async def _run_worker(
    cfg: ArqConfig,
    redis: RedisSettings,
    job_ms: float,
    seconds: float,
    starts: list[float],
    finished: list[float] | None = None,
) -> int:
    """Run a worker for ``seconds``; each job appends (start - enqueued) to ``starts`` and its end
    (perf_counter) to ``finished``. Returns the number of jobs done."""
    done = 0

    async def job(ctx: dict[str, Any], enqueued: float) -> None:
        nonlocal done
        starts.append(time.time() - enqueued)
        await asyncio.sleep(job_ms / 1000)
        done += 1
        if finished is not None:
            finished.append(time.perf_counter())

    worker = Worker(
        functions=[func(job, name="job")],
        queue_name=QUEUE,
        redis_settings=redis,
        poll_delay=cfg.poll_delay,
        max_jobs=cfg.max_jobs,
        keep_result=0,
        handle_signals=False,
        log_results=False,
    )
    task = asyncio.create_task(worker.main())
    try:
        await asyncio.sleep(seconds)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        with contextlib.suppress(asyncio.CancelledError):  # close() cancels jobs still running
            await worker.close()
    return done


async def measure(
    cfg: ArqConfig, redis_url: str, *, duration: float, job_ms: float, rate: float, backlog: int = 2000
) -> JobFigures:
    redis = RedisSettings.from_dsn(redis_url)
    pool = await create_pool(redis, default_queue_name=QUEUE)
    try:
        # throughput: drain a backlog for at most `duration` (rate over the time actually busy)
        await pool.flushdb()
        for _ in range(0, backlog, 250):
            await asyncio.gather(
                *(pool.enqueue_job("job", time.time(), _queue_name=QUEUE) for _ in range(250))
            )
        stamps: list[float] = []
        began = time.perf_counter()
        done = await _run_worker(cfg, redis, job_ms, duration, [], stamps)
        busy = (max(stamps) - began) if done >= backlog and stamps else duration
        jobs_per_s = done / busy

        # latency: a trickle onto an idle worker
        await pool.flushdb()
        starts: list[float] = []
        worker = asyncio.create_task(_run_worker(cfg, redis, job_ms, duration + 0.7, starts))
        await asyncio.sleep(0.5)  # worker up
        n = max(1, int(rate * duration))
        for _ in range(n):
            await pool.enqueue_job("job", time.time(), _queue_name=QUEUE)
            await asyncio.sleep(random.expovariate(rate))  # Poisson arrivals: no phase lock with polling
        await worker
        await pool.flushdb()
    finally:
        await pool.aclose()
    lat = [s * 1000 for s in starts] or [float("nan")]
    return JobFigures(cfg, jobs_per_s, percentile(lat, 50), percentile(lat, 95), max(lat))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="arq defaults vs payhub worker settings")
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/14")
    ap.add_argument("--duration", type=float, default=3.0)
    ap.add_argument("--job-ms", type=float, default=5.0)
    ap.add_argument("--rate", type=float, default=10.0)
    args = ap.parse_args(argv)

    async def run() -> None:
        for cfg in configs():
            f = await measure(cfg, args.redis_url, duration=args.duration, job_ms=args.job_ms, rate=args.rate)
            print(
                f"{cfg.name:14s} poll_delay={cfg.poll_delay:<5} max_jobs={cfg.max_jobs:<3} "
                f"{f.jobs_per_s:7.0f} jobs/s   enqueue->start p50 {f.latency_p50_ms:6.1f} ms  "
                f"p95 {f.latency_p95_ms:6.1f} ms  max {f.latency_max_ms:6.1f} ms"
            )

    asyncio.run(run())


if __name__ == "__main__":
    main()
