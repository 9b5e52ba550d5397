"""``payhub worker``: wait for the database and Redis, run the arq worker, stop gracefully.

SIGTERM (or Ctrl-C): the worker takes no new job, lets the jobs it holds run for up to
``shutdown_grace`` seconds, then cancels the rest, which arq puts back on the queue (a
retry: another worker, or this one after a restart, runs them again; every job is
idempotent and the operations it works on carry leases, so running one again is safe).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections.abc import Callable

from hub.config import Settings
from hub.jobs.arq_runner import WorkerHub
from hub.lifecycle.heap import settle_startup_heap
from hub.lifecycle.services import services_of
from hub.lifecycle.wait import wait_for_services
from hub.stream.runner import runs_relay

log = logging.getLogger("payhub.lifecycle")


def run_worker(settings: Settings, hub_factory: Callable[[], WorkerHub] | None = None) -> int:
    from hub.jobs.arq_runner import create_worker, worker_settings
    from hub.runtime import Hub

    if not settings.redis_url:
        print("payhub worker: set redis_url / PAYHUB_REDIS_URL (without Redis, jobs run inside payhub serve)",
              file=sys.stderr)
        return 2
    asyncio.run(wait_for_services(services_of(settings), settings.startup_timeout))
    grace = max(1, round(settings.shutdown_grace))

    def worker_hub() -> Hub:
        hub = Hub(settings)
        hub.run_event_relay = runs_relay(settings, worker=True)  # the Kafka relay, when configured
        return hub

    worker = create_worker(worker_settings(hub_factory or worker_hub), job_completion_wait=grace)
    settle_startup_heap()  # the imports and the hub built: never walked by the collector again
    worker.run()
    log.info("payhub worker stopped: %d jobs complete, %d failed, %d handed back",
             worker.jobs_complete, worker.jobs_failed, worker.jobs_retried)
    return 0
