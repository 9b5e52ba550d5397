"""JobRunner over arq + Redis (the split deployment: ``payhub serve`` enqueues, ``payhub worker`` runs).

arq is in maintenance mode, so nothing outside this module imports it: the hub
talks to :class:`hub.jobs.base.JobRunner`, and swapping the queue means writing
one more runner. Redis holds no state that matters: a lost job (Redis restart,
FLUSHDB, a worker killed mid-job) is re-enqueued by the sweeper from the database.

Job ids: arq refuses a job whose id is queued, running, or whose result is still
kept; the worker keeps no results (``keep_result=0``) so an id is free again as
soon as its job has finished.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from arq import cron
from arq.connections import ArqRedis, RedisSettings, create_pool
from arq.cron import CronJob
from arq.worker import Function, Worker, func

from hub.jobs.base import JobRunner, Task
from hub.telemetry.context import log_context
from hub.telemetry.exposition import serve_worker_metrics

log = logging.getLogger("payhub.jobs")

QUEUE_NAME = "payhub:queue"


class ArqRunner:
    def __init__(self, redis_url: str, *, queue_name: str = QUEUE_NAME, conn_retries: int = 3) -> None:
        self.redis_settings = RedisSettings.from_dsn(redis_url)
        self.redis_settings.conn_retries = conn_retries
        self.queue_name = queue_name
        self._registry: dict[str, Task] = {}
        self._periodic: dict[str, float] = {}
        self._pool: ArqRedis | None = None

    # ---------------------------------------------------------------- JobRunner
    def register(self, name: str, task: Task) -> None:
        self._registry[name] = task

    def every(self, name: str, seconds: float) -> None:
        """Run ``name`` every ``seconds`` as an arq cron job (in the worker only)."""
        self._periodic[name] = seconds

    async def enqueue(
        self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kwargs: Any
    ) -> None:
        if name not in self._registry:
            raise LookupError(f"no job registered as {name!r}")
        pool = await self._ensure_pool()
        await pool.enqueue_job(
            name,
            _job_id=job_id,
            _defer_by=delay if delay > 0 else None,
            _queue_name=self.queue_name,
            **kwargs,
        )

    async def start(self) -> None:
        await self._ensure_pool()

    async def depth(self) -> int:
        """Jobs waiting in the Redis queue (a sorted set), for the payhub_job_queue_depth gauge."""
        pool = await self._ensure_pool()
        return int(await pool.zcard(self.queue_name))

    async def stop(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.aclose()

    # ---------------------------------------------------------------- worker side
    @property
    def names(self) -> list[str]:
        return sorted(self._registry)

    @property
    def pool(self) -> ArqRedis:
        if self._pool is None:
            raise RuntimeError("ArqRunner is not started")
        return self._pool

    def functions(self) -> list[Function]:
        return [func(_adapt(task, name), name=name, max_tries=3) for name, task in self._registry.items()]

    def cron_jobs(self) -> list[CronJob]:
        jobs = []
        for name, seconds in self._periodic.items():
            step = max(1, min(60, round(seconds)))
            seconds_set = set(range(0, 60, step))
            jobs.append(
                cron(
                    _adapt(self._registry[name], name),
                    name=f"cron:{name}",
                    second=seconds_set,
                    run_at_startup=True,
                    unique=True,
                    timeout=max(60.0, seconds * 4),
                )
            )
        return jobs

    async def _ensure_pool(self) -> ArqRedis:
        if self._pool is None:
            self._pool = await create_pool(self.redis_settings, default_queue_name=self.queue_name)
        return self._pool


def _adapt(task: Task, name: str) -> Callable[..., Any]:
    async def job(ctx: dict[str, Any], **kwargs: Any) -> None:
        with log_context(job=name, job_id=ctx.get("job_id")):
            await task(**kwargs)

    job.__qualname__ = getattr(task, "__qualname__", "job")
    return job


class WorkerHub(Protocol):
    """What the worker needs of the Hub (hub.runtime.Hub)."""

    jobs: JobRunner
    started: bool

    async def start(self) -> None: ...
    async def stop(self) -> None: ...


def worker_settings(
    hub_factory: Callable[[], WorkerHub],
    *,
    poll_delay: float = 0.05,
    max_jobs: int = 50,
    job_timeout: float = 300.0,
) -> dict[str, Any]:
    """arq Worker settings for ``payhub worker``: the hub's registered jobs + cron for periodic ones.

    The hub is built here (its __init__ registers the jobs) and started in the worker's
    on_startup; ``hub.jobs`` must be an :class:`ArqRunner`.
    """
    hub = hub_factory()
    runner = hub.jobs
    if not isinstance(runner, ArqRunner):
        raise TypeError("payhub worker needs redis_url: hub.jobs must be an ArqRunner")
    owns = {"started_here": False}

    async def on_startup(ctx: dict[str, Any]) -> None:
        if not hub.started:
            await hub.start()
            owns["started_here"] = True
        ctx["hub"] = hub
        serve_worker_metrics(getattr(hub, "settings", None))
        log.info("payhub worker started: jobs %s", ", ".join(runner.names))

    async def on_shutdown(ctx: dict[str, Any]) -> None:
        if owns["started_here"]:
            await hub.stop()

    return {
        "functions": runner.functions(),
        "cron_jobs": runner.cron_jobs(),
        "redis_settings": runner.redis_settings,
        "queue_name": runner.queue_name,
        "on_startup": on_startup,
        "on_shutdown": on_shutdown,
        "poll_delay": poll_delay,
        "max_jobs": max_jobs,
        "job_timeout": job_timeout,
        "keep_result": 0,
        "max_tries": 3,
    }


def create_worker(settings: dict[str, Any], **overrides: Any) -> Worker:
    return Worker(**{**settings, **overrides})


def run_worker(settings: dict[str, Any]) -> None:
    """Blocking: run the worker until SIGINT/SIGTERM (``payhub worker``)."""
    create_worker(settings).run()
