"""One PayPal REST call: bearer token, ``PayPal-Request-Id``, JSON, and how a reply is classified.

Every POST carries ``PayPal-Request-Id`` (at most 108 characters) derived from the hub's
operation idempotency key; PayPal keeps it 6 hours and answers a repeat with the first
request's result. ``Prefer: return=representation`` asks for whole resources, so a reply
says what state the order / authorization / capture is in.

Error classification (https://developer.paypal.com/api/rest/responses/):

* 400 ``INVALID_REQUEST``, 404 ``RESOURCE_NOT_FOUND``  -> FAILED invalid_request (validated
  before anything ran; nothing happened)
* 401 -> the token is refreshed and the call sent once more (a 401 proves the request was
  not processed); a second 401, or 403 ``NOT_AUTHORIZED`` -> FAILED provider_configuration
* 409 (a request with this PayPal-Request-Id is still being processed) -> UNKNOWN
* 422 with ``DUPLICATE_REQUEST_ID`` (the id was used with another body) -> UNKNOWN: the first
  request's outcome stands and is not known from this reply
* 422 with a decline issue (``INSTRUMENT_DECLINED``, ``CARD_EXPIRED``, ...) -> FAILED card_declined
* other 422 -> FAILED invalid_request with the issue as provider_code (callers refine the
  issues that say the state already moved on)
* 429 -> RETRY; 5xx, timeouts after sending, dropped connections, unreadable 2xx -> UNKNOWN
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import httpx
import msgspec

from adapters.base import Account, Failure, FailureCode, InvalidRequest, Outcome, OutcomeStatus
from adapters.classify import classify_status, retry_after_seconds, send, unparseable
from adapters.paypal import declines as d
from adapters.paypal import mapping as m
from adapters.paypal.auth import TokenCache, not_sent

T = TypeVar("T")
DEFAULT_BASE_URL = "https://api-m.paypal.com"
REQUEST_ID_MAX = 108
_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


def request_id(idempotency_key: str, step: str | None = None) -> str:
    """The ``PayPal-Request-Id`` of one step of an operation (the same on every retry)."""
    value = idempotency_key if step is None else f"{idempotency_key}-{step}"
    if len(value) > REQUEST_ID_MAX:
        raise InvalidRequest("the idempotency key is too long for PayPal-Request-Id (108 characters)")
    return value


def safe_id(value: str | None, field: str) -> str:
    """A PayPal object id fit for a URL path (ids may come from a shopper's browser)."""
    if not value or not _ID.match(value):
        raise InvalidRequest(f"{(value or '')[:40]!r} is not a PayPal id", field=field)
    return value


def error_body(response: httpx.Response) -> m.ErrorBody | None:
    try:
        return msgspec.json.decode(response.content, type=m.ErrorBody)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def issue_of(err: m.ErrorBody | None) -> str | None:
    return err.details[0].issue if err is not None and err.details else None


def error_outcome(response: httpx.Response) -> Outcome:
    code = response.status_code
    generic = classify_status(response)
    if generic is not None:
        return generic
    err = error_body(response)
    issue = issue_of(err)
    summary: dict[str, Any] = {"http_status": code, "name": err.name if err else None, "issue": issue,
                               "debug_id": err.debug_id if err else None}
    message = (err.details[0].description if err and err.details else None) or (err.message if err else None)
    if code in (401, 403):
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(code=FailureCode.PROVIDER_CONFIGURATION,
                            message=message or f"PayPal refused the credentials ({code})",
                            provider_code=(err.name if err else None) or f"http_{code}"),
            summary=summary,
        )
    if err is None or not (err.name or err.details):
        return unparseable(response, "not a PayPal error body")
    if code == 409:
        return Outcome(status=OutcomeStatus.UNKNOWN, retry_after=retry_after_seconds(response) or 1.0,
                       reason="a request with this PayPal-Request-Id is still being processed (409)",
                       summary=summary)
    if issue == d.DUPLICATE_REQUEST:
        return Outcome(status=OutcomeStatus.UNKNOWN,
                       reason="PayPal-Request-Id already used with a different body: the first request's "
                       "outcome is not known from this reply", summary=summary)
    if code == 422 and issue in d.DECLINE_ISSUES:
        return Outcome(status=OutcomeStatus.FAILED, failure=d.decline_failure(None, issue, message),
                       summary=summary)
    if code in (400, 404, 422):
        return Outcome(
            status=OutcomeStatus.FAILED,
            failure=Failure(code=FailureCode.INVALID_REQUEST, message=message or "PayPal rejected the request",
                            provider_code=issue or (err.name if err else None)),
            summary=summary,
        )
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"PayPal answered {code} ({issue})", summary=summary)


class PayPalCalls:
    """The HTTP side of the adapter for one account."""

    def __init__(self, account: Account, client: httpx.AsyncClient, tokens: TokenCache) -> None:
        self.account = account
        self.client = client
        self.tokens = tokens

    def url(self, path: str) -> str:
        return (self.account.base_url or DEFAULT_BASE_URL).rstrip("/") + path

    @staticmethod
    def headers(token: str, paypal_request_id: str | None, *, json_body: bool = False) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Prefer": "return=representation",
        }
        if json_body:
            headers["Content-Type"] = "application/json"
        if paypal_request_id is not None:
            headers["PayPal-Request-Id"] = paypal_request_id
        return headers

    async def call(
        self, method: str, path: str, *, body: bytes | None = None, paypal_request_id: str | None = None
    ) -> httpx.Response | Outcome:
        """Send with a valid token; on 401 refresh the token once and send again."""
        token = await self.tokens.token(self.client, self.account)
        if isinstance(token, Outcome):
            return not_sent(token, f"{method} {path}")
        response = await send(self.client, method, self.url(path), content=body,
                              headers=self.headers(token, paypal_request_id, json_body=body is not None))
        if isinstance(response, httpx.Response) and response.status_code == 401:
            token = await self.tokens.token(self.client, self.account, stale=token)
            if isinstance(token, Outcome):
                return not_sent(token, f"{method} {path}")
            response = await send(self.client, method, self.url(path), content=body,
                                  headers=self.headers(token, paypal_request_id, json_body=body is not None))
        return response

    async def post(self, path: str, body: dict[str, Any] | None, paypal_request_id: str) -> httpx.Response | Outcome:
        content = msgspec.json.encode(body) if body is not None else None
        return await self.call("POST", path, body=content, paypal_request_id=paypal_request_id)

    async def get(self, path: str) -> httpx.Response | Outcome:
        return await self.call("GET", path)

    @staticmethod
    def decode(result: httpx.Response | Outcome, type_: type[T]) -> T | Outcome:
        """The resource of a 2xx reply, or the classified Outcome of anything else."""
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            return error_outcome(result)
        try:
            return msgspec.json.decode(result.content, type=type_)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return unparseable(result, f"not a PayPal {getattr(type_, '__name__', 'object')}: {exc}")

    async def order(self, order_id: str) -> m.Order | Outcome:
        return self.decode(await self.get(f"/v2/checkout/orders/{safe_id(order_id, 'provider_reference')}"),
                           m.Order)
