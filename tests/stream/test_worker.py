"""``payhub worker`` runs the relay (the split deployment: API processes with Redis do not), and a
worker killed with SIGKILL loses no event: the next worker takes over once the lease ran out."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ADMIN_KEY, SANDBOX_TOML, redis_test_url, start_harness
from tests.stream.kafka_kit import kafka_toml as ktoml
from tests.stream.test_relay_faults import assert_all_arrived, outbox_lag, wait_outbox_empty
from tests.stream.test_relay_order import pay_capture_refund

pytestmark = [pytest.mark.redis, pytest.mark.slow]


def start_worker(db_url: str, tmp_path, redis_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PAYHUB_CONFIG": str(tmp_path / "payhub.toml"),  # written by start_harness
        "PAYHUB_DATABASE_URL": db_url,
        "PAYHUB_REDIS_URL": redis_url,
        "PAYHUB_MASTER_KEY_FILE": str(tmp_path / "payhub.key"),
        "PAYHUB_BOOTSTRAP_API_KEY": ADMIN_KEY,
        "PAYHUB_LOG_FORMAT": "text",
    }
    log = (tmp_path / f"worker-{time.monotonic_ns()}.log").open("wb")
    return subprocess.Popen([sys.executable, "-m", "hub.cli", "worker"], env=env, stdout=log, stderr=log)


async def test_payhub_worker_publishes_and_a_killed_worker_loses_nothing(
    db_url, tmp_path, broker, topic
) -> None:
    redis_url = redis_test_url()
    toml = SANDBOX_TOML + ktoml(broker.bootstrap, topic, lease_seconds=2.0)
    try:
        h = await start_harness(db_url, tmp_path, config_toml=toml, env={"PAYHUB_REDIS_URL": redis_url})
    except Exception as exc:  # Redis unreachable
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"Redis unavailable: {exc!r}")
        pytest.skip(f"Redis unavailable: {exc!r}")
    workers: list[subprocess.Popen[bytes]] = []
    try:
        assert h.hub.stream.task is None  # an API process with Redis does not run the relay
        await pay_capture_refund(h, 3)
        await asyncio.sleep(0.5)
        assert await outbox_lag(h.hub) >= 9  # nobody publishes yet

        workers.append(start_worker(db_url, tmp_path, redis_url))
        await wait_outbox_empty(h.hub, timeout=60)
        workers[0].send_signal(signal.SIGKILL)  # no shutdown, no lease release
        workers[0].wait(10)

        await pay_capture_refund(h, 3)
        workers.append(start_worker(db_url, tmp_path, redis_url))
        await wait_outbox_empty(h.hub, timeout=60)
        await assert_all_arrived(h, broker.bootstrap, topic, duplicates_allowed=False)
    finally:
        for w in workers:
            if w.poll() is None:
                w.send_signal(signal.SIGKILL)
                w.wait(10)
        await h.client.aclose()
        await h.hub.stop()
