"""A JobRunner on virtual time: jobs wait in a heap and run one at a time, in due order,
when the history lets time pass. A crash empties the queue (as the in-process runner's
memory is lost); a lost-job fault drops one enqueue. The sweeper (a periodic job) makes
both good from the database, as in production."""

from __future__ import annotations

import heapq
import logging
import random
from typing import Any

from hub.jobs.base import Task
from hub.simulation.clock import VirtualClock

log = logging.getLogger("payhub.simulation")


class VirtualJobs:
    def __init__(self, clock: VirtualClock, rng: random.Random, *, lose_rate: float = 0.0) -> None:
        self.clock = clock
        self.rng = rng
        self.lose_rate = lose_rate
        self.faults_enabled = True
        self._registry: dict[str, Task] = {}
        self._periodic: dict[str, float] = {}
        self._heap: list[tuple[float, int, str, str | None, dict[str, Any]]] = []
        self._queued_ids: set[str] = set()
        self._seq = 0
        self.lost = 0
        self.ran = 0

    # ---------------------------------------------------------------- JobRunner
    def register(self, name: str, task: Task) -> None:
        self._registry[name] = task

    def every(self, name: str, seconds: float) -> None:
        self._periodic[name] = seconds

    async def enqueue(self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kwargs: Any) -> None:
        if name not in self._registry:
            raise LookupError(f"no job registered as {name!r}")
        if job_id is not None and job_id in self._queued_ids:
            return
        if self.faults_enabled and self.lose_rate and self.rng.random() < self.lose_rate:
            self.lost += 1
            return
        self._push(self.clock.seconds + max(0.0, delay), name, job_id, kwargs)

    async def start(self) -> None:
        for name, seconds in sorted(self._periodic.items()):
            self._push(self.clock.seconds + seconds, name, f"periodic:{name}", {})

    async def stop(self) -> None:
        self._heap.clear()
        self._queued_ids.clear()

    async def depth(self) -> int:
        return len(self._heap)

    # ---------------------------------------------------------------- driving
    def _push(self, due: float, name: str, job_id: str | None, kwargs: dict[str, Any]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, name, job_id, kwargs))
        if job_id is not None:
            self._queued_ids.add(job_id)

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    async def run_until(self, until: float) -> None:
        """Run every job due up to ``until`` (virtual seconds), moving the clock to each."""
        while self._heap and self._heap[0][0] <= until:
            due, _, name, job_id, kwargs = heapq.heappop(self._heap)
            if job_id is not None:
                self._queued_ids.discard(job_id)
            self.clock.advance_to(due)
            if name in self._periodic and job_id == f"periodic:{name}":
                self._push(due + self._periodic[name], name, job_id, {})
            self.ran += 1
            try:
                await self._registry[name](**kwargs)
            except Exception:
                log.debug("job %s raised", name, exc_info=True)
        self.clock.advance_to(until)
