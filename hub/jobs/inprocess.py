"""JobRunner on asyncio tasks, for the embedded mode (one process, no Redis).

Jobs live in memory only: a stop or a crash loses what was queued, which the
sweeper makes good from the database (the source of truth). A ``job_id`` dedupes
while the job is queued (waiting for its delay); once it starts running the same
id may be queued again.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from typing import Any

from hub.jobs.base import Task
from hub.telemetry.context import log_context

log = logging.getLogger("payhub.jobs")
_PERIODIC = "payhub-periodic:"


class InProcessRunner:
    def __init__(self) -> None:
        self._registry: dict[str, Task] = {}
        self._periodic: dict[str, float] = {}
        self._queued: dict[str, asyncio.Task[None]] = {}  # job_id -> task still waiting for its delay
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopping = False
        self._started = False
        self._running: set[asyncio.Task[Any] | None] = set()  # tasks inside a job right now (drain waits for them)

    # ---------------------------------------------------------------- JobRunner
    def register(self, name: str, task: Task) -> None:
        self._registry[name] = task

    def every(self, name: str, seconds: float) -> None:
        """Run the registered task ``name`` every ``seconds`` while started (the sweeper)."""
        self._periodic[name] = seconds
        if self._started:
            self._spawn(self._loop(name, seconds), name=f"{_PERIODIC}{name}")

    async def enqueue(
        self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kwargs: Any
    ) -> None:
        if name not in self._registry:
            raise LookupError(f"no job registered as {name!r}")
        if self._stopping:
            log.info("job %s not enqueued: runner stopping (the sweeper will recover it)", name)
            return
        if job_id is not None:
            queued = self._queued.get(job_id)
            if queued is not None and not queued.done():
                return
        task = self._spawn(self._run(name, max(0.0, delay), job_id, kwargs))
        if job_id is not None:
            self._queued[job_id] = task

    async def start(self) -> None:
        self._stopping = False
        if self._started:
            return
        self._started = True
        for name, seconds in self._periodic.items():
            self._spawn(self._loop(name, seconds), name=f"{_PERIODIC}{name}")

    async def drain(self, grace: float) -> int:
        """Graceful stop (SIGTERM): take no new job, drop the ones still waiting for their delay
        or their next period (their work is in the database: the sweeper finds it again), and
        give the jobs running now up to ``grace`` seconds to finish. Returns how many were
        still running then (``stop()`` cancels them)."""
        self._stopping = True
        for task in list(self._tasks):
            if task not in self._running:
                task.cancel()
        running = [t for t in self._running if t is not None]  # a periodic loop ends after its run
        if running:
            _, late = await asyncio.wait(running, timeout=grace)
            if late:
                log.warning("%d job(s) still running after the shutdown grace: cancelled", len(late))
            return len(late)
        return 0

    async def stop(self) -> None:
        self._stopping = True
        self._started = False
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._queued.clear()

    # ---------------------------------------------------------------- extras (tests, benchmarks)
    @property
    def pending(self) -> int:
        """One-off jobs queued or running."""
        return len(self._one_off())

    async def depth(self) -> int:
        """Queue depth for the payhub_job_queue_depth gauge."""
        return self.pending

    def _one_off(self) -> list[asyncio.Task[None]]:
        return [t for t in self._tasks if not t.get_name().startswith(_PERIODIC)]

    async def join(self) -> None:
        """Wait until no one-off job is queued or running (periodic loops excepted).
        Wrap in ``asyncio.timeout`` to bound it."""
        while True:
            busy = self._one_off()
            if not busy:
                return
            await asyncio.wait(busy)

    # ---------------------------------------------------------------- internals
    def _spawn(self, coro: Any, name: str | None = None) -> asyncio.Task[None]:
        # a fresh context, as under arq: a job's log lines never carry the enqueuing request's ids
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(
            coro, name=name, context=contextvars.Context()
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _run(self, name: str, delay: float, job_id: str | None, kwargs: dict[str, Any]) -> None:
        if delay:
            await asyncio.sleep(delay)
        if job_id is not None and self._queued.get(job_id) is asyncio.current_task():
            del self._queued[job_id]  # running now: the id may be queued again
        await self._call(name, kwargs)

    async def _call(self, name: str, kwargs: dict[str, Any]) -> None:
        current = asyncio.current_task()
        self._running.add(current)
        with log_context(job=name):
            try:
                await self._registry[name](**kwargs)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("job %s failed (it will be retried by the sweeper if still due)", name)
            finally:
                self._running.discard(current)

    async def _loop(self, name: str, seconds: float) -> None:
        while not self._stopping:
            await asyncio.sleep(seconds)
            await self._call(name, {})
