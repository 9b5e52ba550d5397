"""PayPal OAuth 2.0 client-credentials tokens: fetched once per account, reused until
shortly before they expire, refreshed when PayPal answers 401.

``POST /v1/oauth2/token`` with HTTP basic auth ``client_id:client_secret`` and the form
``grant_type=client_credentials`` answers ``{"access_token", "token_type": "Bearer",
"expires_in": <seconds>, ...}`` (https://developer.paypal.com/api/rest/authentication/).
One :class:`TokenCache` lives on the adapter instance, which serves one account; a lock
makes concurrent calls share one token request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
import msgspec

from adapters.base import Account, Failure, FailureCode, Outcome, OutcomeStatus
from adapters.classify import classify_status, send
from adapters.paypal import mapping as m

TOKEN_PATH = "/v1/oauth2/token"
# refresh this long before PayPal's expiry (or a tenth of the lifetime, if shorter)
REFRESH_MARGIN_SECONDS = 300.0


def not_sent(outcome: Outcome, what: str) -> Outcome:
    """No token means the operation itself never left: definite, safe to send again,
    unless the credentials are refused (then it is a configuration failure)."""
    if outcome.status is OutcomeStatus.FAILED:
        return outcome
    return Outcome(
        status=OutcomeStatus.RETRY,
        retry_after=outcome.retry_after,
        reason=f"{what} not sent: no PayPal access token ({outcome.reason})",
        summary=outcome.summary,
    )


class TokenCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()
        self.fetches = 0  # token requests made (tests and stats)

    def current(self) -> str | None:
        if self._token is not None and self._clock() < self._expires_at:
            return self._token
        return None

    async def token(
        self, client: httpx.AsyncClient, account: Account, *, stale: str | None = None
    ) -> str | Outcome:
        """A valid access token; ``stale`` is one PayPal just refused (fetch a new one
        unless another call already did)."""
        token = self.current()
        if token is not None and token != stale:
            return token
        async with self._lock:
            token = self.current()
            if token is not None and token != stale:
                return token
            return await self._fetch(client, account)

    def forget(self) -> None:
        self._token, self._expires_at = None, 0.0

    async def _fetch(self, client: httpx.AsyncClient, account: Account) -> str | Outcome:
        creds = account.credentials
        self.fetches += 1
        started = self._clock()
        result = await send(
            client,
            "POST",
            account.base_url.rstrip("/") + TOKEN_PATH,
            content=b"grant_type=client_credentials",
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            auth=(creds.get("client_id", ""), creds.get("client_secret", "")),
        )
        if isinstance(result, Outcome):
            return result
        if result.status_code in (400, 401, 403):
            try:
                err = msgspec.json.decode(result.content, type=m.ErrorBody)
                code = err.error or err.name or f"http_{result.status_code}"
                message = err.error_description or err.message or "PayPal refused the client credentials"
            except (msgspec.DecodeError, msgspec.ValidationError):
                code, message = f"http_{result.status_code}", "PayPal refused the client credentials"
            return Outcome(
                status=OutcomeStatus.FAILED,
                failure=Failure(code=FailureCode.PROVIDER_CONFIGURATION, message=message, provider_code=code),
                summary={"http_status": result.status_code},
            )
        generic = classify_status(result)
        if generic is not None:
            return generic
        try:
            reply = msgspec.json.decode(result.content, type=m.TokenReply)
        except (msgspec.DecodeError, msgspec.ValidationError):
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="unreadable PayPal token reply")
        lifetime = float(max(reply.expires_in, 0))
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 10)
        self._token = reply.access_token
        self._expires_at = started + lifetime - margin
        return reply.access_token
