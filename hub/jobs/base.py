"""The hub's job interface. Tasks are named async functions taking JSON-able kwargs;
they must be idempotent (a job may run twice, or be lost: the sweeper re-enqueues
from the database, which stays the source of truth)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

Task = Callable[..., Awaitable[Any]]


class JobRunner(Protocol):
    def register(self, name: str, task: Task) -> None:
        """Make ``task`` runnable under ``name`` (in every process that runs jobs)."""

    async def enqueue(
        self, name: str, *, delay: float = 0.0, job_id: str | None = None, **kwargs: Any
    ) -> None:
        """Run ``name(**kwargs)`` after ``delay`` seconds. ``job_id`` dedupes queued jobs."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
