"""The relay as a background task of ``payhub worker`` (and of ``payhub serve`` in the
embedded default, where there is no worker) when ``[events.kafka]`` is configured."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from hub.config import Settings
from hub.stream.config import KafkaConfig

log = logging.getLogger("payhub.stream")


def runs_relay(settings: Settings, *, worker: bool) -> bool:
    """The relay belongs to ``payhub worker``; without Redis there is no worker, so to
    ``payhub serve``. Other commands (migrate, api-keys, replay ...) never run it."""
    return settings.events.kafka.enabled and (worker or settings.redis_url is None)


class StreamRunner:
    def __init__(self, engine: AsyncEngine, cfg: KafkaConfig) -> None:
        self.engine = engine
        self.cfg = cfg
        self.task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return self.cfg.enabled

    def start(self) -> None:
        if not self.enabled or self.task is not None:
            return
        try:
            import confluent_kafka  # noqa: F401
        except ImportError:
            raise SystemExit(
                "events.kafka.bootstrap_servers is set but confluent-kafka is not installed: "
                "pip install 'payhub[events]'"
            ) from None
        from hub.stream.relay import Relay

        self.task = asyncio.create_task(Relay(self.engine, self.cfg).run(), name="payhub-event-relay")

    async def stop(self) -> None:
        if self.task is None:
            return
        task, self.task = self.task, None
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
