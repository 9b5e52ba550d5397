"""The transport under the adapters' ``httpx.AsyncClient``.

httpx's own pool (httpcore) collapses above ~10 concurrent requests; the
``httpx-aiohttp`` transport keeps httpx as the adapters' API while aiohttp's
connector does the I/O (see benchmarks/ for the measurement). One fix on top:
httpx-aiohttp maps *every* aiohttp ClientConnectionError to ConnectTimeout,
including a server that dropped the connection after our request went out;
that must be ambiguous (the provider may have acted), never "not sent".
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


class SafeAiohttpTransport(AiohttpTransport):
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except httpx.ConnectTimeout as exc:
            cause = exc.__cause__
            if isinstance(cause, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError):
                raise
            if isinstance(cause, aiohttp.ClientConnectionError):
                raise httpx.RemoteProtocolError(f"connection lost: {cause!r}", request=request) from cause
            raise


def make_transport(
    kind: str = "aiohttp", *, max_connections: int = 200, **options: object
) -> httpx.AsyncBaseTransport:
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    if kind == "aiohttp":
        return SafeAiohttpTransport(limits=limits, **options)  # type: ignore[arg-type]
    if kind == "httpx":
        return httpx.AsyncHTTPTransport(limits=limits, **options)  # type: ignore[arg-type]
    raise ValueError(f"unknown http transport {kind!r} (aiohttp | httpx)")


class NoCookies(httpx.Cookies):
    """A provider API is not a browser: a ``Set-Cookie`` it sends is neither parsed nor sent
    back (no state carried from one call to the next; and parsing it on every response was
    a measurable part of a provider call's CPU)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def without_cookies(client: httpx.AsyncClient) -> httpx.AsyncClient:
    """``client`` with a cookie jar that keeps nothing (the ``cookies`` setter would copy it
    into a plain ``httpx.Cookies``, so the jar is set where httpx keeps it)."""
    client._cookies = NoCookies()
    return client


class ProviderClient(httpx.AsyncClient):
    """The adapters' client: a relative URL is joined to ``base_url`` once per path, not on every
    request (httpx parses the path and re-validates the joined URL each time: ~55 µs of a
    provider call's ~85 µs of request building, measured). The join is httpx's own
    (``_merge_url``); the most recently used paths are kept (ids in paths make many)."""

    MERGED = 256

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._merged: OrderedDict[str, httpx.URL] = OrderedDict()
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def base_url(self) -> httpx.URL:
        return super().base_url

    @base_url.setter
    def base_url(self, url: httpx.URL | str) -> None:
        self._merged.clear()  # joined to the old base
        httpx.AsyncClient.base_url.fset(self, url)  # type: ignore[attr-defined]

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        if not isinstance(url, str):
            return super()._merge_url(url)
        merged = self._merged.get(url)
        if merged is not None:
            self._merged.move_to_end(url)
            return merged
        merged = self._merged[url] = super()._merge_url(url)
        if len(self._merged) > self.MERGED:
            self._merged.popitem(last=False)
        return merged
