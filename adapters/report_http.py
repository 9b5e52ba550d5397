"""Fetching a provider's report for reconciliation: transport faults and HTTP statuses as
:class:`adapters.settlement.ReportError` (DESIGN §14), in one place for every adapter.

* connect failure, timeout, dropped connection, 5xx, 429 -> ``report_unavailable`` (try later)
* 401 / 403 -> ``report_unauthorized`` (the report credentials are wrong)
* any other status the caller did not expect -> ``report_malformed``

Reading a report moves no money, so every fault is simply "the run fails, nothing posted".
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any

import httpx

from adapters.settlement import ReportError, ReportErrorCode


async def get_report(
    client: httpx.AsyncClient,
    url: str,
    what: str,
    *,
    accept: Container[int] = (200,),
    **kwargs: Any,
) -> httpx.Response:
    """``GET url``; the response when its status is in ``accept`` (401/403, 429 and 5xx never
    are), else a ReportError."""
    try:
        response = await client.get(url, **kwargs)
    except httpx.HTTPError as exc:
        raise ReportError(ReportErrorCode.UNAVAILABLE, f"{what}: {type(exc).__name__}") from exc
    return check_status(response, what, accept)


def check_status(response: httpx.Response, what: str, accept: Container[int] = (200,)) -> httpx.Response:
    """``response`` when its status is in ``accept``, else the ReportError its status means."""
    code = response.status_code
    if code in (401, 403):
        raise ReportError(
            ReportErrorCode.UNAUTHORIZED, f"{what}: HTTP {code}, the report credentials were refused"
        )
    if code >= 500 or code == 429:
        raise ReportError(ReportErrorCode.UNAVAILABLE, f"{what}: HTTP {code}")
    if code in accept:
        return response
    raise ReportError(ReportErrorCode.MALFORMED, f"{what}: unexpected HTTP {code}")
