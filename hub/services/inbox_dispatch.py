"""Group enqueue for the webhook inbox: one job for the rows stored while an enqueue is in flight.

The webhook endpoint answers once its events are committed (``inbox_writer``) and hands the new
rows in here without waiting (:meth:`InboxDispatcher.submit`): the enqueue happens after the
answer, off the request. Enqueuing one job per row costs a Redis
round-trip (arq: three) per delivery, more than the rest of the acknowledgement; here the rows
handed in while an enqueue is in flight go together in the next one, as a single
``process_webhook_batch`` job (a lone row keeps its ``process_webhook`` job, as before). The
worker applies a batch's rows in one transaction (``hub.services.inbox``), each decided exactly
as the per-row job decides it; nothing is decided on the batch as a whole, and a row that raises
sends the batch back to one transaction per row.

Nothing rests on the job: every stored row that needs processing has ``next_attempt_at`` (its
receipt plus ``lost_job_after``), so a job that is never enqueued (the hub killed after the 2xx,
Redis down or flushed, a worker killed mid-batch) leaves its rows ``received`` and due, and the
sweeper (``Inbox.sweep``, a periodic job) enqueues them again from the database. A row processed
twice is harmless: processing locks it and leaves a settled row alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from hub.services.inbox_writer import take_batch

log = logging.getLogger("payhub.webhooks")

MAX_IDS = 500  # inbox ids in one batch job
LINGER = 0.005  # seconds an enqueue waits for more rows to join it (the worker polls every 50 ms)

Enqueue = Callable[[list[str]], Awaitable[None]]  # one job for these ids; raises if it could not
Pending = tuple[list[str], "asyncio.Future[None]"]


class InboxDispatcher:
    def __init__(self, enqueue: Enqueue, *, linger: float = LINGER) -> None:
        self._enqueue = enqueue
        self.linger = linger
        self._queue: list[Pending] = []
        self._task: asyncio.Task[None] | None = None

    def submit(self, inbox_ids: list[str]) -> asyncio.Future[None]:
        """Hand ``inbox_ids`` in for the next job, at once; the future is done once it is
        enqueued (or could not be: then the sweeper has them; logged, never raised)."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not inbox_ids:
            future.set_result(None)
            return future
        self._queue.append((inbox_ids, future))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return future

    async def dispatch(self, inbox_ids: list[str]) -> None:
        """:meth:`submit`, and wait until that job is enqueued."""
        await asyncio.shield(self.submit(inbox_ids))  # a cancelled caller cancels no one's enqueue

    async def join(self) -> None:
        """Wait until everything handed in so far is enqueued (tests; a graceful stop bounds it
        with ``asyncio.timeout``: what is left when the process ends is the sweeper's)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._queue:
            if self.linger > 0:
                await asyncio.sleep(self.linger)  # the rows stored meanwhile join this job
            batch = take_batch(self._queue, MAX_IDS)
            ids = [inbox_id for ids, _ in batch for inbox_id in ids]
            try:
                await self._enqueue(ids)
            except Exception:  # Redis down: the rows are stored and due; the sweeper enqueues them
                log.warning(
                    "could not enqueue %d inbox row(s) (%s...); the sweeper will pick them up",
                    len(ids), ids[0], exc_info=True,
                )  # fmt: skip
            for _, future in batch:
                if not future.done():
                    future.set_result(None)


