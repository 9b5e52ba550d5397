"""The pieces under the process tests: masking, reasons, the backoff, the config keys, draining
the in-process jobs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from hub.config import load_settings
from hub.domain.errors import ConfigError
from hub.jobs.inprocess import InProcessRunner
from hub.lifecycle.reasons import mask_url, reason_of
from hub.lifecycle.services import Service, ServiceUnavailable, services_of
from hub.lifecycle.wait import wait_for_services


def test_mask_url_hides_only_the_password() -> None:
    assert mask_url("postgresql+asyncpg://payhub:s3cret@db:5432/payhub") == "postgresql+asyncpg://payhub:***@db:5432/payhub"
    assert mask_url("redis://:pw@cache:6379/0") == "redis://:***@cache:6379/0"
    assert mask_url("postgresql+asyncpg://payhub@db/payhub") == "postgresql+asyncpg://payhub@db/payhub"
    assert mask_url("sqlite+aiosqlite:///./payhub.db") == "sqlite+aiosqlite:///./payhub.db"


def test_reasons_are_short_and_human() -> None:
    refused = OSError("Multiple exceptions: [Errno 111] Connect call failed ('::1', 5432, 0, 0)")
    assert reason_of(refused).startswith("connection refused")
    assert reason_of(ConnectionRefusedError(111, "Connection refused")).startswith("connection refused")
    assert reason_of(TimeoutError()).startswith("timed out")
    wrapped = RuntimeError("outer")
    wrapped.__cause__ = ValueError('password authentication failed for user "payhub"\nDETAIL: ...')
    assert reason_of(wrapped) == 'password authentication failed for user "payhub"'


async def test_wait_retries_with_backoff_logging_each_retry(caplog: pytest.LogCaptureFixture) -> None:
    tries: list[float] = []

    async def flaky(seconds: float) -> None:
        tries.append(seconds)
        if len(tries) < 3:
            raise ConnectionRefusedError(111, "Connection refused")

    with caplog.at_level(logging.INFO, logger="payhub.lifecycle"):
        await wait_for_services([Service("database", "postgresql+asyncpg://x:***@db/x", flaky)], 10)
    assert len(tries) == 3
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(retries) == 2 and "attempt 1" in retries[0] and "attempt 2" in retries[1]
    assert "waiting for the database at postgresql+asyncpg://x:***@db/x: connection refused" in retries[0]
    assert any("answers (after 3 attempts)" in r.getMessage() for r in caplog.records)


async def test_wait_gives_up_at_the_timeout_naming_the_service() -> None:
    async def down(seconds: float) -> None:
        raise ConnectionRefusedError(111, "Connection refused")

    async def up(seconds: float) -> None:
        return None

    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ServiceUnavailable) as caught:
        await wait_for_services([Service("database", "db", up), Service("redis", "redis://r", down)], 1.2)
    assert 1.2 <= loop.time() - started < 3
    assert caught.value.service == "redis"
    assert caught.value.line() == (
        "cannot reach the redis at redis://r: connection refused (nothing listens on that host and port) "
        "(gave up after 1.2 s: startup_timeout)"
    )


def test_startup_timeout_and_shutdown_grace(tmp_path: Path) -> None:
    defaults = load_settings(environ={})
    assert (defaults.startup_timeout, defaults.shutdown_grace) == (60.0, 30.0)
    env = {"PAYHUB_STARTUP_TIMEOUT": "5", "PAYHUB_SHUTDOWN_GRACE": "2.5"}
    settings = load_settings(environ=env)
    assert (settings.startup_timeout, settings.shutdown_grace) == (5.0, 2.5)
    with pytest.raises(ConfigError, match=r"^shutdown_grace: must be zero or positive"):
        load_settings(environ={"PAYHUB_SHUTDOWN_GRACE": "-1"})
    with pytest.raises(ConfigError, match="PAYHUB_STARTUP_TIMEOUT: expected a number"):
        load_settings(environ={"PAYHUB_STARTUP_TIMEOUT": "soon"})
    config = tmp_path / "p.toml"
    config.write_text('startup_timeout = 120\nredis_url = "redis://:pw@r:6379/0"\n')
    settings = load_settings(config, environ={})
    assert settings.startup_timeout == 120
    assert [(s.name, s.url) for s in services_of(settings)] == [
        ("database", "sqlite+aiosqlite:///./payhub.db"), ("redis", "redis://:***@r:6379/0")
    ]


async def test_drain_lets_running_jobs_finish_and_drops_waiting_ones() -> None:
    runner = InProcessRunner()
    done: list[str] = []

    async def job(label: str, seconds: float) -> None:
        await asyncio.sleep(seconds)
        done.append(label)

    runner.register("job", job)
    await runner.start()
    await runner.enqueue("job", label="running", seconds=0.3)
    await runner.enqueue("job", label="later", seconds=0.0, delay=30)
    await asyncio.sleep(0.05)
    assert await runner.drain(5) == 0
    assert done == ["running"]
    await runner.enqueue("job", label="after", seconds=0.0)  # refused while stopping
    await runner.stop()
    assert done == ["running"]


async def test_drain_gives_up_at_the_grace() -> None:
    runner = InProcessRunner()

    async def stuck() -> None:
        await asyncio.sleep(60)

    runner.register("stuck", stuck)
    await runner.start()
    await runner.enqueue("stuck")
    await asyncio.sleep(0.05)
    assert await runner.drain(0.2) == 1
    await runner.stop()
    assert runner.pending == 0


async def test_kafka_is_probed_when_events_kafka_names_bootstrap_servers() -> None:
    import socket
    from types import SimpleNamespace

    from hub.lifecycle.services import kafka_probe, kafka_servers

    assert kafka_servers(load_settings(environ={})) == []  # no [events.kafka]: no check
    listener = socket.create_server(("127.0.0.1", 0))
    closed = socket.create_server(("127.0.0.1", 0))
    closed_port = closed.getsockname()[1]
    closed.close()
    try:
        good = f"127.0.0.1:{listener.getsockname()[1]}"
        stand_in = SimpleNamespace(events=SimpleNamespace(kafka=SimpleNamespace(
            bootstrap_servers=f"127.0.0.1:{closed_port}, {good}")))
        servers = kafka_servers(stand_in)  # type: ignore[arg-type]
        assert servers == [f"127.0.0.1:{closed_port}", good]
        await kafka_probe(servers)(2)  # one answering bootstrap server is enough
        with pytest.raises(ConnectionRefusedError):
            await kafka_probe([f"127.0.0.1:{closed_port}"])(2)
    finally:
        listener.close()
