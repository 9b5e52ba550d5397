"""Outbound delivery of the hub's events, signed per the Standard Webhooks spec.

Pure helpers: building the signed request, the retry schedule, and one
delivery attempt that reports what happened instead of raising. Persisting the
attempts and scheduling the retries is the hub's job.

Outcomes of an attempt:

``delivered``  the endpoint answered 2xx.
``disable``    the endpoint answered 410 Gone: stop sending to it.
``retry``      any other answer (3xx redirects are not followed, 4xx, 5xx), a
               timeout or a network error: try again per the schedule.
``failed``     retrying cannot help (the URL is unusable) or, when ``attempt``
               is given, the schedule is exhausted.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from typing import Final, Literal

import httpx
import msgspec

from webhooks import standard

Outcome = Literal["delivered", "retry", "disable", "failed"]

USER_AGENT: Final = "payhub-webhooks/1"
CONTENT_TYPE: Final = "application/json"
#: how much of the endpoint's answer is kept with the attempt record
RESPONSE_SNIPPET_BYTES: Final = 1024

_MINUTE = 60.0
_HOUR = 3600.0
#: Delay before each attempt, the first being immediate: Svix's schedule
#: (now, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with the 10 h step repeated
#: until the last attempt lands about three days (~67 h) after the first.
RETRY_SCHEDULE: Final[tuple[float, ...]] = (
    0.0,
    5.0,
    5 * _MINUTE,
    30 * _MINUTE,
    2 * _HOUR,
    5 * _HOUR,
    *(10 * _HOUR,) * 6,
)
MAX_ATTEMPTS: Final = len(RETRY_SCHEDULE)


def next_attempt_delay(attempt_number: int, *, jitter: float = 0.0) -> float | None:
    """Seconds to wait after ``attempt_number`` attempts have failed; None = give up.

    ``next_attempt_delay(0)`` is 0 (the first attempt goes out at once),
    ``next_attempt_delay(1)`` is 5 s, ... and after the last scheduled attempt
    the answer is None. ``jitter`` (0..1) spreads each delay by up to that
    fraction either way so that an endpoint coming back is not hit by every
    pending event in the same second.
    """
    if attempt_number < 0:
        raise ValueError("attempt_number must be >= 0")
    if not 0.0 <= jitter <= 1.0:
        raise ValueError("jitter must be between 0 and 1")
    if attempt_number >= MAX_ATTEMPTS:
        return None
    delay = RETRY_SCHEDULE[attempt_number]
    if jitter and delay:
        delay *= 1.0 + random.uniform(-jitter, jitter)
    return delay


class DeliveryResult(msgspec.Struct, frozen=True, kw_only=True):
    """What one delivery attempt did (recorded as an attempt row by the hub)."""

    outcome: Outcome
    status_code: int | None = None  # None: no HTTP answer (timeout, network error)
    duration_ms: float = 0.0
    error: str | None = None  # why it was not delivered, for the attempt log
    response_body: str | None = None  # the first bytes of the endpoint's answer
    next_delay: float | None = None  # seconds until the next attempt, when known (``attempt`` given)

    @property
    def ok(self) -> bool:
        return self.outcome == "delivered"


def build_headers(
    event_id: str,
    payload: bytes,
    secret: str | Sequence[str],
    *,
    timestamp: int | None = None,
) -> dict[str, str]:
    """``webhook-id`` (the event id, stable across retries so receivers can dedupe),
    ``webhook-timestamp`` (this attempt), ``webhook-signature`` (one ``v1,`` entry
    per secret: pass old and new during a rotation), content type and user agent."""
    headers = standard.sign_headers(secret, event_id, payload, timestamp)
    headers["content-type"] = CONTENT_TYPE
    headers["user-agent"] = USER_AGENT
    return headers


def build_request(
    url: str,
    event_id: str,
    payload: bytes,
    secret: str | Sequence[str],
    *,
    timestamp: int | None = None,
    timeout: float = 10.0,
) -> httpx.Request:
    """The signed ``POST`` for one attempt (sign at send time: the timestamp is checked).

    Raises ValueError for a URL that is not absolute http(s).
    """
    target = httpx.URL(url)
    if target.scheme not in ("http", "https") or not target.host:
        raise ValueError(f"endpoint URL must be absolute http(s), got {url!r}")
    return httpx.Request(
        "POST",
        target,
        headers=build_headers(event_id, payload, secret, timestamp=timestamp),
        content=payload,
        extensions={"timeout": httpx.Timeout(timeout).as_dict()},
    )


def classify_status(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return "delivered"
    if status_code == 410:
        return "disable"
    return "retry"


def _finish(
    outcome: Outcome,
    attempt: int | None,
    *,
    started: float,
    status_code: int | None = None,
    error: str | None = None,
    response_body: str | None = None,
) -> DeliveryResult:
    next_delay: float | None = None
    if outcome == "retry" and attempt is not None:
        next_delay = next_attempt_delay(attempt)
        if next_delay is None:
            outcome = "failed"
            error = f"{error or 'not delivered'}; gave up after {attempt} attempts"
    return DeliveryResult(
        outcome=outcome,
        status_code=status_code,
        duration_ms=round((time.perf_counter() - started) * 1000.0, 3),
        error=error,
        response_body=response_body,
        next_delay=next_delay,
    )


async def _read_snippet(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size >= RESPONSE_SNIPPET_BYTES:
            break
    return b"".join(chunks)[:RESPONSE_SNIPPET_BYTES].decode("utf-8", errors="replace")


async def deliver(
    client: httpx.AsyncClient,
    url: str,
    event_id: str,
    payload: bytes,
    secret: str | Sequence[str],
    timeout: float = 10.0,  # noqa: ASYNC109 - part of the contract; enforced with asyncio.timeout
    *,
    attempt: int | None = None,
    timestamp: int | None = None,
) -> DeliveryResult:
    """POST ``payload`` to ``url`` signed with ``secret``; never raises on network errors.

    ``timeout`` bounds the whole attempt (connect, send, answer). ``attempt`` is
    this attempt's 1-based number: when given, the result carries the delay
    until the next attempt and a retryable failure on the last scheduled
    attempt comes back as ``failed``. Redirects are not followed.
    """
    if attempt is not None and attempt < 1:
        raise ValueError("attempt is 1-based")
    started = time.perf_counter()
    try:
        request = build_request(url, event_id, payload, secret, timestamp=timestamp, timeout=timeout)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError) as exc:
        return _finish("failed", None, started=started, error=f"cannot build request: {exc}")
    try:
        async with asyncio.timeout(timeout):
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                snippet = await _read_snippet(response)
            finally:
                await response.aclose()
    except (TimeoutError, httpx.TimeoutException) as exc:
        return _finish("retry", attempt, started=started, error=f"timeout after {timeout:g}s: {exc!r}")
    except httpx.UnsupportedProtocol as exc:
        return _finish("failed", None, started=started, error=f"unsupported URL: {exc}")
    except (httpx.HTTPError, httpx.InvalidURL, OSError) as exc:
        return _finish("retry", attempt, started=started, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a delivery attempt must always be recorded, whatever broke
        return _finish("retry", attempt, started=started, error=f"unexpected {type(exc).__name__}: {exc}")
    outcome = classify_status(response.status_code)
    error = None if outcome == "delivered" else f"HTTP {response.status_code}"
    return _finish(
        outcome,
        attempt,
        started=started,
        status_code=response.status_code,
        error=error,
        response_body=snippet,
    )
