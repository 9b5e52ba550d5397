"""``Payhub``: the generated endpoints, called with retries, typed errors and paging."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from collections.abc import AsyncIterator
from types import ModuleType, TracebackType
from typing import Any

import httpx

from payhub_client._generated.api.payments import (
    capture_payment,
    create_payment,
    create_refund,
    get_payment,
    list_payments,
    void_payment,
)
from payhub_client._generated.client import AuthenticatedClient
from payhub_client._generated.models import CaptureIn, Payment, PaymentCreate, Refund, RefundIn
from payhub_client._generated.types import Response
from payhub_client.errors import IdempotencyKeyInUse, PayhubError, ServerError, error_from

#: answers worth another try with the same Idempotency-Key (nothing can happen twice)
RETRY_STATUSES = frozenset({409, 429, 500, 502, 503, 504})


class Payhub:
    """An async payhub client. Every mutating call carries an Idempotency-Key (yours, or a fresh
    one) and a retry resends the very same key, so a timeout or a 5xx is safe to retry."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        retries: int = 3,
        backoff: float = 0.25,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        httpx_args: dict[str, Any] = {"transport": transport} if transport is not None else {}
        self.api = AuthenticatedClient(
            base_url=base_url, token=api_key, timeout=httpx.Timeout(timeout), httpx_args=httpx_args
        )
        self.retries = retries
        self.backoff = backoff

    async def __aenter__(self) -> Payhub:
        await self.api.__aenter__()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.api.__aexit__(kind, exc, tb)

    async def call(self, endpoint: ModuleType, **kwargs: Any) -> Any:
        """Call a generated endpoint module (e.g. ``payments.create_payment``); answer its parsed
        model or raise a :class:`PayhubError`. Retries transport errors and retryable statuses."""
        if "idempotency_key" in inspect.signature(endpoint.asyncio_detailed).parameters:
            kwargs.setdefault("idempotency_key", str(uuid.uuid4()))
        attempt = 0
        while True:
            try:
                response: Response[Any] = await endpoint.asyncio_detailed(client=self.api, **kwargs)
            except httpx.TransportError:
                if attempt >= self.retries:
                    raise
            else:
                status = int(response.status_code)
                if status < 400:
                    return response.parsed
                error = error_from(status, _json(response.content))
                if not _retryable(error) or attempt >= self.retries:
                    raise error
            attempt += 1
            await asyncio.sleep(self.backoff * 2 ** (attempt - 1))

    async def paginate(self, endpoint: ModuleType, **kwargs: Any) -> AsyncIterator[Any]:
        """Every item of a cursor-paged list endpoint (e.g. ``payments.list_payments``)."""
        cursor: str | None = kwargs.pop("cursor", None)
        while True:
            page = await self.call(endpoint, **({"cursor": cursor} if cursor else {}), **kwargs)
            for item in page.data:
                yield item
            if not page.has_more or not page.next_cursor:
                return
            cursor = page.next_cursor

    # the main flow, typed
    async def create_payment(self, body: PaymentCreate, *, idempotency_key: str | None = None) -> Payment:
        return await self.call(create_payment, body=body, **_key(idempotency_key))  # type: ignore[no-any-return]

    async def capture_payment(
        self, payment_id: str, body: CaptureIn | None = None, *, idempotency_key: str | None = None
    ) -> Payment:
        return await self.call(  # type: ignore[no-any-return]
            capture_payment, payment_id=payment_id, body=body or CaptureIn(), **_key(idempotency_key)
        )

    async def void_payment(self, payment_id: str, *, idempotency_key: str | None = None) -> Payment:
        from payhub_client._generated.models import EmptyIn

        return await self.call(  # type: ignore[no-any-return]
            void_payment, payment_id=payment_id, body=EmptyIn(), **_key(idempotency_key)
        )

    async def refund_payment(
        self, payment_id: str, body: RefundIn | None = None, *, idempotency_key: str | None = None
    ) -> Refund:
        return await self.call(  # type: ignore[no-any-return]
            create_refund, payment_id=payment_id, body=body or RefundIn(), **_key(idempotency_key)
        )

    async def get_payment(self, payment_id: str) -> Payment:
        return await self.call(get_payment, payment_id=payment_id)  # type: ignore[no-any-return]

    def list_payments(self, **filters: Any) -> AsyncIterator[Payment]:
        return self.paginate(list_payments, **filters)


def _retryable(error: PayhubError) -> bool:
    if isinstance(error, ServerError):
        return True
    if error.status == 409:
        return isinstance(error, IdempotencyKeyInUse)
    return error.status in RETRY_STATUSES


def _key(key: str | None) -> dict[str, str]:
    return {"idempotency_key": key} if key is not None else {}


def _json(content: bytes) -> Any:
    import json

    try:
        return json.loads(content)
    except ValueError:
        return None
