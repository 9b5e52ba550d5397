"""The services a configuration names (database, Redis, Kafka) and a probe of each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from hub.config import Settings
from hub.lifecycle.reasons import mask_url

Probe = Callable[[float], Awaitable[None]]  # raises when the service does not answer within N seconds


class ServiceUnavailable(Exception):
    """A service the configuration names could not be reached: one line for a person."""

    def __init__(self, service: str, url: str, reason: str, *, waited: float | None = None, hint: str = ""):
        self.service = service
        self.url = url
        self.reason = reason
        self.waited = waited
        self.hint = hint
        super().__init__(self.line())

    def line(self) -> str:
        text = f"cannot reach the {self.service} at {self.url}: {self.reason}"
        if self.waited:
            text += f" (gave up after {self.waited:g} s: startup_timeout)"
        if self.hint:
            text += f"; {self.hint}"
        return text


@dataclass(frozen=True)
class Service:
    name: str  # database | redis | kafka
    url: str  # masked
    probe: Probe
    hint: str = ""


def database_probe(url: str) -> Probe:
    async def probe(seconds: float) -> None:
        from sqlalchemy import text
        from sqlalchemy.ext.asyncio import create_async_engine
        from sqlalchemy.pool import NullPool

        connect_args: dict[str, Any] = {"timeout": seconds}
        engine = create_async_engine(url, poolclass=NullPool, connect_args=connect_args)
        try:
            async with asyncio.timeout(seconds):
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
        finally:
            await engine.dispose()

    return probe


def redis_probe(url: str) -> Probe:
    async def probe(seconds: float) -> None:
        import redis.asyncio as aioredis

        client = aioredis.Redis.from_url(url, socket_connect_timeout=seconds, socket_timeout=seconds)
        try:
            async with asyncio.timeout(seconds):
                await client.ping()
        finally:
            await client.aclose()

    return probe


def kafka_servers(settings: Settings) -> list[str]:
    """``[events.kafka] bootstrap_servers`` when that section exists and is set (§16)."""
    kafka = getattr(getattr(settings, "events", None), "kafka", None)
    servers = getattr(kafka, "bootstrap_servers", None)
    if not servers:
        return []
    if isinstance(servers, str):
        return [s.strip() for s in servers.split(",") if s.strip()]
    return [str(s) for s in servers]


def kafka_probe(servers: list[str]) -> Probe:
    """A TCP connection to any bootstrap server (the client finds the rest of the cluster)."""

    async def probe(seconds: float) -> None:
        last: BaseException | None = None
        for server in servers:
            host, _, port = server.rpartition(":")
            try:
                async with asyncio.timeout(seconds):
                    _, writer = await asyncio.open_connection(host or server, int(port or 9092))
                writer.close()
                await writer.wait_closed()
                return
            except (OSError, TimeoutError, ValueError) as exc:
                last = exc
        assert last is not None
        raise last

    return probe


def services_of(settings: Settings, *, redis: bool = True, kafka: bool = True) -> list[Service]:
    """What this configuration needs, in start-up order."""
    found = [Service("database", mask_url(settings.database_url), database_probe(settings.database_url))]
    if redis and settings.redis_url:
        found.append(Service("redis", mask_url(settings.redis_url), redis_probe(settings.redis_url)))
    servers = kafka_servers(settings) if kafka else []
    if servers:
        found.append(Service("kafka", ",".join(servers), kafka_probe(servers)))
    return found
