"""Wait for the services at start, with backoff, each retry logged, bounded by ``startup_timeout``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence

from hub.lifecycle.reasons import reason_of
from hub.lifecycle.services import Service, ServiceUnavailable

log = logging.getLogger("payhub.lifecycle")

FIRST_DELAY = 0.5
MAX_DELAY = 5.0
MAX_PROBE_TIMEOUT = 5.0
MIN_PROBE_TIMEOUT = 2.0


async def wait_for_services(
    services: Sequence[Service],
    budget: float,
    *,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Return when every service answered; raise :class:`ServiceUnavailable` for the first one
    that did not answer by ``budget`` seconds from now (``budget=0``: one try each)."""
    deadline = clock() + budget
    for service in services:
        delay = FIRST_DELAY
        attempt = 0
        while True:
            attempt += 1
            left = deadline - clock()
            probe_timeout = min(MAX_PROBE_TIMEOUT, max(MIN_PROBE_TIMEOUT, left))
            try:
                await service.probe(probe_timeout)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                reason = reason_of(exc)
                log.debug("probe of %s failed", service.name, exc_info=True)
                left = deadline - clock()
                if left <= 0:
                    raise ServiceUnavailable(
                        service.name, service.url, reason, waited=budget or None, hint=service.hint
                    ) from exc
                pause = min(delay, left)
                log.warning(
                    "waiting for the %s at %s: %s (attempt %d; next in %.1f s, %.0f s left of startup_timeout)",
                    service.name, service.url, reason, attempt, pause, left,
                )
                await asyncio.sleep(pause)
                delay = min(delay * 2, MAX_DELAY)
                continue
            if attempt > 1:
                log.info("the %s at %s answers (after %d attempts)", service.name, service.url, attempt)
            break
