"""Which Adyen call does what, and how its HTTP reply is read.

Checkout API v71 (``https://checkout-test.adyen.com`` in test):

=============  ============================================  ==================
hub operation  Adyen call                                    success answer
=============  ============================================  ==================
authorize      ``POST /v71/payments``                         200 + resultCode
authenticate   ``POST /v71/payments/details``                 200 + resultCode
capture        ``POST /v71/payments/{psp}/captures``          201 status=received
void           ``POST /v71/payments/{psp}/cancels``           201 status=received
refund         ``POST /v71/payments/{psp}/refunds``           201 status=received
=============  ============================================  ==================

Every call carries ``X-API-Key`` and ``Idempotency-Key`` (the operation's
provider key: Adyen returns the first response for a repeated key, so a
replay never performs the operation twice). Modifications are asynchronous:
``received`` means queued, and the CAPTURE / CANCELLATION / REFUND webhook
tells the outcome.

Base URL. ``account.base_url`` is the Checkout API root *without* the version
(test: ``https://checkout-test.adyen.com``). For live, Adyen gives each company
a prefix; set ``live_url_prefix`` in the account's settings (or credentials)
and the adapter calls
``https://{prefix}-checkout-live.adyenpayments.com/checkout/v71/...`` instead
(absolute URLs override the client's base_url).

HTTP statuses (after :func:`adapters.classify.classify_status`, which makes
429 RETRY and 5xx UNKNOWN):

* 401 / 403 -> FAILED provider_configuration (bad API key, no permission for
  the merchant account): definite, nothing processed;
* 422 errorCode 704 ("request already processed or in progress": the same
  Idempotency-Key is still being processed), an error naming the Idempotency-Key
  sent (the key was used with another body) and 409 -> UNKNOWN: this request did
  nothing, the original attempt may still succeed; resolve by replay/webhook;
* 400 / 422 validation errors -> FAILED invalid_request (definite);
* other 4xx -> FAILED provider_error (definite: rejected before processing);
* a 2xx body that does not parse -> UNKNOWN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import httpx
import msgspec

from adapters.adyen import mapping as m
from adapters.base import Account, Failure, FailureCode, InvalidRequest, Outcome, OutcomeStatus
from adapters.classify import classify_status, send, unparseable

API_VERSION = "v71"
LIVE_URL = "https://{prefix}-checkout-live.adyenpayments.com/checkout"
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")
MAX_IDEMPOTENCY_KEY = 64  # Adyen: at most 64 characters

# Adyen's error code for "request already processed or in progress" (idempotency)
IN_PROGRESS_ERROR_CODES = frozenset({"704"})


def live_url_prefix(account: Account) -> str | None:
    value = account.settings.get("live_url_prefix") or account.credentials.get("live_url_prefix")
    if value is None or value == "":
        return None
    return str(value)


def api_root(account: Account) -> str:
    """``""`` (relative to the client's base_url) or the live endpoint root."""
    prefix = live_url_prefix(account)
    if prefix is None:
        return ""
    if not _PREFIX.match(prefix):
        raise InvalidRequest(
            f"live_url_prefix {prefix!r} is not a valid Adyen live prefix", field="live_url_prefix"
        )
    return LIVE_URL.format(prefix=prefix)


def url(account: Account, path: str) -> str:
    return f"{api_root(account)}/{API_VERSION}{path}"


def payments_url(account: Account) -> str:
    return url(account, "/payments")


def details_url(account: Account) -> str:
    return url(account, "/payments/details")


def modification_url(account: Account, psp_reference: str, what: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", psp_reference):
        raise InvalidRequest(f"{psp_reference!r} is not an Adyen pspReference", field="provider_reference")
    return url(account, f"/payments/{psp_reference}/{what}")


def headers(account: Account, idempotency_key: str) -> dict[str, str]:
    if not idempotency_key or len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidRequest(
            f"Adyen idempotency keys are 1-{MAX_IDEMPOTENCY_KEY} characters", field="idempotency_key"
        )
    return {
        "X-API-Key": account.credentials.get("api_key", ""),
        "Idempotency-Key": idempotency_key,
        "Content-Type": "application/json",
        "Accept": "application/json",
    }


async def post(
    client: httpx.AsyncClient, account: Account, target: str, body: msgspec.Struct, idempotency_key: str
) -> httpx.Response | Outcome:
    return await send(
        client,
        "POST",
        target,
        content=msgspec.json.encode(body),
        headers=headers(account, idempotency_key),
    )


# --------------------------------------------------------------------------- replies


def _error_body(response: httpx.Response) -> m.ServiceError | None:
    try:
        return msgspec.json.decode(response.content, type=m.ServiceError)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _sent_key(response: httpx.Response) -> str | None:
    try:
        key: str | None = response.request.headers.get("Idempotency-Key")
    except RuntimeError:  # a response built without its request (tests)
        return None
    return key


def error_outcome(response: httpx.Response) -> Outcome | None:
    """The Outcome of a non-2xx reply, or None for a 2xx (the body decides)."""
    generic = classify_status(response)
    if generic is not None:
        return generic
    code = response.status_code
    if 200 <= code < 300:
        return None
    err = _error_body(response)
    provider_code = m.normalise_refusal_code(err.errorCode) if err else None
    message = (err.message if err and err.message else None) or f"HTTP {code}"
    summary: dict[str, Any] = {"http_status": code, "error_code": provider_code}
    if err is not None:
        summary["error_type"] = err.errorType
        if err.pspReference:
            summary["psp_reference"] = err.pspReference
    sent_key = _sent_key(response)
    if sent_key and sent_key in message:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            reason=f"Adyen refused the Idempotency-Key (used with another body?): {message}",
            summary=summary,
        )
    if code == 409 or provider_code in IN_PROGRESS_ERROR_CODES:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            reason=f"Adyen: the request with this Idempotency-Key is already in progress ({message})",
            summary=summary,
        )
    if code in (401, 403):
        failure_code = FailureCode.PROVIDER_CONFIGURATION
    elif code in (400, 422):
        failure_code = FailureCode.INVALID_REQUEST
    else:
        failure_code = FailureCode.PROVIDER_ERROR
    return Outcome(
        status=OutcomeStatus.FAILED,
        failure=Failure(code=failure_code, message=message, provider_code=provider_code),
        summary=summary,
    )


def decode_payment(response: httpx.Response) -> m.PaymentResponse | Outcome:
    try:
        return msgspec.json.decode(response.content, type=m.PaymentResponse)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return unparseable(response, f"not an Adyen payment response ({type(exc).__name__})")


def decode_modification(response: httpx.Response) -> m.ModificationResponse | Outcome:
    try:
        return msgspec.json.decode(response.content, type=m.ModificationResponse)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return unparseable(response, f"not an Adyen modification response ({type(exc).__name__})")


def settings_mapping(account: Account, key: str) -> Mapping[str, Any] | None:
    value = account.settings.get(key)
    return value if isinstance(value, Mapping) else None
