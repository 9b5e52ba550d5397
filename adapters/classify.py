"""Classification of transport faults and HTTP statuses, in one place (DESIGN §4).

* connect failure / pool timeout: the request never left -> RETRY (definite, safe to resend)
* read timeout, connection dropped after sending, write errors -> UNKNOWN (ambiguous)
* 5xx -> UNKNOWN;  429 -> RETRY (with Retry-After)
* a 2xx whose body does not parse -> UNKNOWN (see ``unparseable``)

Adapters call :func:`send`, get either a response or an Outcome for a fault, and
refine the status mapping for their provider where its documentation says more
(for example a 503 that the provider documents as "not processed").
"""

from __future__ import annotations

from typing import Any

import httpx

from adapters.base import Outcome, OutcomeStatus

# exceptions raised before a single byte of the request reached the provider
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def classify_exception(exc: Exception) -> Outcome:
    """An Outcome for a transport exception raised while calling the provider."""
    name = type(exc).__name__
    if isinstance(exc, _NOT_SENT):
        return Outcome(status=OutcomeStatus.RETRY, reason=f"request not sent: {name}")
    if isinstance(exc, httpx.TimeoutException):
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"no reply in time: {name}")
    if isinstance(exc, httpx.TransportError):
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"connection failed after sending: {name}")
    raise exc


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def classify_status(response: httpx.Response) -> Outcome | None:
    """The generic meaning of a status code, or None when the body must decide."""
    code = response.status_code
    if code == 429:
        return Outcome(
            status=OutcomeStatus.RETRY,
            retry_after=retry_after_seconds(response),
            reason="rate limited (429): not processed",
            summary={"http_status": code},
        )
    if code >= 500:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            reason=f"provider error {code}: may or may not have been processed",
            summary={"http_status": code},
        )
    return None


def unparseable(response: httpx.Response, detail: str = "") -> Outcome:
    """A reply we cannot read: if it was 2xx, something may have happened."""
    return Outcome(
        status=OutcomeStatus.UNKNOWN,
        reason=f"unreadable reply (HTTP {response.status_code}){': ' + detail if detail else ''}",
        summary={"http_status": response.status_code},
    )


async def send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response | Outcome:
    """Send one request; a transport fault comes back as a classified Outcome."""
    try:
        return await client.request(method, url, **kwargs)
    except httpx.HTTPError as exc:
        return classify_exception(exc)
