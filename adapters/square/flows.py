"""The Square adapter (Payments API v2, Refunds API, webhooks).

Calls (``Authorization: Bearer <access_token>``, a pinned ``Square-Version``, JSON):

=============  ================================================================
authorize      POST /v2/payments (source_id, idempotency_key, amount_money,
               autocomplete false for manual capture, location_id,
               reference_id = payment id, note = payment id + operation id)
capture        GET /v2/payments/{id}; for less than authorized PUT /v2/payments/{id}
               (idempotency_key, payment.amount_money: edit the amount down); then
               POST /v2/payments/{id}/complete
void           POST /v2/payments/{id}/cancel
refund         POST /v2/refunds (idempotency_key, payment_id, amount_money,
               reason = "payhub refund <refund id> <operation id>")
lookup         GET /v2/payments/{id}, GET /v2/refunds/{id},
               GET /v2/payments?begin_time=... (matched by reference_id)
=============  ================================================================

``idempotency_key`` travels in the body of every call whose request type has one
(CreatePayment, RefundPayment); CompletePayment and CancelPayment have none in Square's
OpenAPI document (they only take an optional ``version_token``): completing or canceling
twice cannot move money twice, and Square refuses unknown body fields.

Payment methods: Square takes only ``provider_token`` payment methods (a Web Payments SDK
nonce ``cnon:...`` or a card on file ``ccof:...``); a raw card is refused before anything
is sent (422 ``unsupported_payment_method``), so no PAN ever reaches Square. Square's 3DS
(SCA) runs in the buyer's browser (``verifyBuyer``), so ``three_ds`` is not offered; a card
that needed it is a decline ``CARD_DECLINED_VERIFICATION_REQUIRED``.

Errors: ``PAYMENT_METHOD_ERROR`` -> FAILED card_declined (code mapped, the FAILED payment's
id kept); ``IDEMPOTENCY_KEY_REUSED`` -> UNKNOWN (the first request stands); 401/403 and
authentication codes -> FAILED provider_configuration; other 400/404 -> FAILED
invalid_request; 429 -> RETRY; 5xx, timeouts after sending, unreadable 2xx -> UNKNOWN.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import httpx
import msgspec

from adapters.base import (
    Adapter,
    AuthorizeRequest,
    Capabilities,
    Capability,
    CaptureRequest,
    Failure,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    OperationKind,
    Outcome,
    OutcomeStatus,
    ProviderEvent,
    RefundRequest,
    Strategy,
    VoidRequest,
)
from adapters.classify import classify_status, send, unparseable
from adapters.square import mapping as m
from adapters.square.webhook import parse_events

T = TypeVar("T")
SQUARE_VERSION = "2025-10-16"  # pinned: every request sends it; bump deliberately
DEFAULT_BASE_URL = "https://connect.squareup.com"
# a refund / payment not found this long after the request was never created
NOT_FOUND_GRACE_SECONDS = 600
# Square does not publish how long it keeps an idempotency key: replays are asked for only
# within this conservative window after the first attempt
REPLAY_WINDOW_SECONDS = 3600
_ID = re.compile(r"^[A-Za-z0-9_-]{1,192}$")


def _safe_id(value: str | None, field: str) -> str:
    if not value or not _ID.match(value):
        raise InvalidRequest(f"{(value or '')[:40]!r} is not a Square id", field=field)
    return value


class SquareAdapter(Adapter):
    name: ClassVar[str] = "square"
    capabilities: ClassVar[Capabilities] = Capabilities(
        features=frozenset(
            {
                Capability.AUTHORIZE,
                Capability.CAPTURE,
                Capability.PARTIAL_CAPTURE,
                Capability.VOID,
                Capability.REFUND,
                Capability.PARTIAL_REFUND,
                Capability.MULTIPLE_REFUNDS,
                Capability.PROVIDER_TOKEN,
                Capability.LOOKUP,
                Capability.WEBHOOKS,
            }
        ),
        currencies=None,
        resolution={
            # lookup lists recent payments by reference_id; only when none is found, and only
            # inside REPLAY_WINDOW_SECONDS, does it ask for a replay (Square publishes no
            # retention for idempotency keys: a late replay of a card on file could charge again)
            OperationKind.AUTHORIZE: (Strategy.LOOKUP, Strategy.REPLAY, Strategy.WEBHOOK),
            OperationKind.CAPTURE: (Strategy.LOOKUP, Strategy.REPLAY),
            OperationKind.VOID: (Strategy.LOOKUP, Strategy.REPLAY),
            OperationKind.REFUND: (Strategy.LOOKUP, Strategy.WEBHOOK),
        },
        required_credentials=("access_token", "location_id", "webhook_signature_key", "webhook_url"),
    )

    # ------------------------------------------------------------------ plumbing

    def _url(self, path: str) -> str:
        return (self.account.base_url or DEFAULT_BASE_URL).rstrip("/") + path

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.account.credentials.get('access_token', '')}",
            "Square-Version": SQUARE_VERSION,
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    async def _post(self, path: str, body: dict[str, Any]) -> httpx.Response | Outcome:
        return await send(self.client, "POST", self._url(path), content=msgspec.json.encode(body),
                          headers=self._headers())

    async def _get(self, path: str, params: list[tuple[str, str]] | None = None) -> httpx.Response | Outcome:
        headers = {k: v for k, v in self._headers().items() if k != "Content-Type"}
        return await send(self.client, "GET", self._url(path), params=params or [], headers=headers)

    @staticmethod
    def _decode(result: httpx.Response | Outcome, type_: type[T]) -> T | Outcome:
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            return error_outcome(result)
        try:
            return msgspec.json.decode(result.content, type=type_)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return unparseable(result, f"not a Square {type_.__name__}: {exc}")

    def _payment_of(self, reply: m.PaymentReply | Outcome) -> m.Payment | Outcome:
        if isinstance(reply, Outcome):
            return reply
        if reply.payment is None:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="Square answered without a payment")
        return reply.payment

    # ------------------------------------------------------------------ authorize

    def authorize_body(self, request: AuthorizeRequest) -> dict[str, Any]:
        method = request.payment_method
        if method.type != "provider_token" or not method.token:
            raise InvalidRequest(
                "Square accepts only provider_token payment methods (a Web Payments SDK nonce or a card "
                "on file); card data is never sent to Square",
                code="unsupported_payment_method",
                field="payment_method",
            )
        if request.amount <= 0:
            raise InvalidRequest("amount must be a positive integer", code="invalid_amount", field="amount")
        body: dict[str, Any] = {
            "source_id": method.token,
            "idempotency_key": m.idempotency_key(request.idempotency_key),
            "amount_money": {"amount": request.amount, "currency": request.currency.upper()},
            "autocomplete": request.capture,
            "location_id": self.account.credentials.get("location_id", ""),
            "reference_id": m.reference_id(request.payment_id),
            "note": m.payment_note(request.payment_id, request.operation_id, request.reference),
        }
        return body

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        body = self.authorize_body(request)
        result = await self._post("/v2/payments", body)
        if isinstance(result, httpx.Response) and not result.is_success:
            return error_outcome(result)
        payment = self._payment_of(self._decode(result, m.PaymentReply))
        if isinstance(payment, Outcome):
            return payment
        return m.payment_outcome(payment)

    # ------------------------------------------------------------------ capture / void

    async def _transition(self, path: str, provider_reference: str) -> m.Payment | Outcome:
        """complete / cancel; a refusal that may mean "already done" is checked on the payment."""
        result = await self._post(path, {})
        if isinstance(result, httpx.Response) and result.status_code == 400:
            current = self._payment_of(self._decode(await self._get(f"/v2/payments/{provider_reference}"),
                                                    m.PaymentReply))
            if not isinstance(current, Outcome) and current.status in ("COMPLETED", "CANCELED"):
                return current
            return error_outcome(result)
        return self._payment_of(self._decode(result, m.PaymentReply))

    async def _edit_amount_down(self, request: CaptureRequest, ref: str) -> Outcome | None:
        """A partial capture: bring the APPROVED payment's amount down to what is captured
        (Square's EDIT_AMOUNT_DOWN). A retry finds the amount already edited and skips it."""
        current = self._payment_of(self._decode(await self._get(f"/v2/payments/{ref}"), m.PaymentReply))
        if isinstance(current, Outcome):
            if current.status is OutcomeStatus.FAILED:  # Square refused the read (no such payment, ...)
                return _with_reference(current, ref)
            return Outcome(status=OutcomeStatus.RETRY, provider_reference=ref,
                           reason=f"capture not sent: the payment could not be read ({current.reason})")
        amount = current.amount_money.amount if current.amount_money else None
        if current.status != "APPROVED" or amount is None or amount == request.amount:
            return None
        if request.amount > amount:
            raise InvalidRequest("the capture exceeds the authorized amount", code="amount_exceeds_capturable",
                                 field="amount")
        if "EDIT_AMOUNT_DOWN" not in current.capabilities:
            raise InvalidRequest("Square does not allow this payment's amount to be edited down: capture all of it",
                                 code="not_supported", field="amount")
        body = {"idempotency_key": m.idempotency_key(request.idempotency_key, "amount"),
                "payment": {"amount_money": {"amount": request.amount, "currency": request.currency.upper()}}}
        result = await send(self.client, "PUT", self._url(f"/v2/payments/{ref}"),
                            content=msgspec.json.encode(body), headers=self._headers())
        edited = self._payment_of(self._decode(result, m.PaymentReply))
        return _with_reference(edited, ref) if isinstance(edited, Outcome) else None

    async def capture(self, request: CaptureRequest) -> Outcome:
        if not request.final:
            raise InvalidRequest("Square completes a payment once: multiple captures are not supported",
                                 code="not_supported")
        ref = _safe_id(request.provider_reference, "provider_reference")
        refused = await self._edit_amount_down(request, ref)
        if refused is not None:
            return refused
        payment = await self._transition(f"/v2/payments/{ref}/complete", ref)
        if isinstance(payment, Outcome):
            return _with_reference(payment, ref)
        # what the payment says after complete is definite (a CANCELED one captured nothing)
        return m.capture_outcome(payment, lookup=True)

    async def void(self, request: VoidRequest) -> Outcome:
        ref = _safe_id(request.provider_reference, "provider_reference")
        payment = await self._transition(f"/v2/payments/{ref}/cancel", ref)
        if isinstance(payment, Outcome):
            return _with_reference(payment, ref)
        return m.void_outcome(payment, lookup=True)

    # ------------------------------------------------------------------ refund

    async def refund(self, request: RefundRequest) -> Outcome:
        body = {
            "idempotency_key": m.idempotency_key(request.idempotency_key),
            "amount_money": {"amount": request.amount, "currency": request.currency.upper()},
            "payment_id": _safe_id(request.provider_reference, "provider_reference"),
            "reason": m.refund_reason(request.refund_id, request.operation_id),
        }
        reply = self._decode(await self._post("/v2/refunds", body), m.RefundReply)
        if isinstance(reply, Outcome):
            return _with_reference(reply, request.provider_reference)
        if reply.refund is None:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="Square answered without a refund")
        return m.refund_outcome(reply.refund)

    # ------------------------------------------------------------------ lookup

    async def lookup(self, request: LookupRequest) -> Outcome:
        kind = request.kind
        if kind is OperationKind.AUTHORIZE and not request.provider_reference:
            return await self._find_payment(request)
        if not request.provider_reference or not _ID.match(request.provider_reference):
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="no Square payment id to look up")
        payment = self._payment_of(self._decode(await self._get(f"/v2/payments/{request.provider_reference}"),
                                                m.PaymentReply))
        if isinstance(payment, Outcome):
            return _lookup_failed(payment)
        if kind is OperationKind.AUTHORIZE:
            return m.payment_outcome(payment)
        if kind is OperationKind.CAPTURE:
            return m.capture_outcome(payment, lookup=True)
        if kind is OperationKind.VOID:
            return m.void_outcome(payment, lookup=True)
        if kind is OperationKind.REFUND:
            return await self._find_refund(request, payment)
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"cannot look up {kind.value}")

    async def _find_payment(self, request: LookupRequest) -> Outcome:
        since = (request.created_at or datetime.now(UTC)) - timedelta(minutes=5)
        params = [("begin_time", since.strftime("%Y-%m-%dT%H:%M:%SZ")), ("sort_order", "DESC"),
                  ("location_id", self.account.credentials.get("location_id", "")), ("limit", "100")]
        page = self._decode(await self._get("/v2/payments", params), m.PaymentList)
        if isinstance(page, Outcome):
            return _lookup_failed(page)
        for payment in page.payments:
            if payment.reference_id == request.payment_id:
                return m.payment_outcome(payment)
        age = None if request.created_at is None else time.time() - request.created_at.timestamp()
        if age is None or age < REPLAY_WINDOW_SECONDS:
            return Outcome(status=OutcomeStatus.UNKNOWN, summary={"needs": Strategy.REPLAY.value},
                           reason="no Square payment with this reference_id: a replay with the same key is safe")
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="no Square payment with this reference_id (yet)")

    async def _find_refund(self, request: LookupRequest, payment: m.Payment) -> Outcome:
        ids = [request.operation_reference] if request.operation_reference else list(payment.refund_ids)
        for refund_id in ids:
            if not refund_id or not _ID.match(refund_id):
                continue
            reply = self._decode(await self._get(f"/v2/refunds/{refund_id}"), m.RefundReply)
            if isinstance(reply, Outcome):
                return _lookup_failed(reply)
            refund = reply.refund
            if refund is not None and (request.operation_reference or (
                    m.refund_id_of(refund.reason) == request.refund_id)):
                return m.refund_outcome(refund)
        age = None if request.created_at is None else time.time() - request.created_at.timestamp()
        if age is not None and age > NOT_FOUND_GRACE_SECONDS:
            return Outcome(status=OutcomeStatus.FAILED, provider_reference=payment.id, failure=Failure(
                code=FailureCode.PROVIDER_ERROR, provider_code="refund_not_found",
                message="Square has no refund for this operation: the request never took effect"))
        return Outcome(status=OutcomeStatus.UNKNOWN, provider_reference=payment.id,
                       reason="no refund with the hub's refund id on the payment (yet)")

    # ------------------------------------------------------------------ webhooks

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        creds = self.account.credentials
        return parse_events(headers, body, creds.get("webhook_signature_key", ""), creds.get("webhook_url", ""))


def error_outcome(response: httpx.Response) -> Outcome:
    generic = classify_status(response)
    if generic is not None:
        return generic
    code = response.status_code
    try:
        reply = msgspec.json.decode(response.content, type=m.PaymentReply)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return unparseable(response, "not a Square error body")
    if not reply.errors:
        return unparseable(response, "a Square error without errors")
    first = reply.errors[0]
    summary: dict[str, Any] = {"http_status": code, "category": first.category, "code": first.code}
    ref = reply.payment.id if reply.payment else None
    decline = m.first_decline(reply.errors)
    if decline is not None:
        return Outcome(status=OutcomeStatus.FAILED, provider_reference=ref, failure=m.decline_failure(decline),
                       summary=summary)
    if first.code == "IDEMPOTENCY_KEY_REUSED":
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="idempotency_key already used with other parameters: "
                       "the first request's outcome is not known from this reply", summary=summary)
    if code in (401, 403) or first.category == "AUTHENTICATION_ERROR" or first.code in m.AUTH_CODES:
        return Outcome(status=OutcomeStatus.FAILED, failure=Failure(
            code=FailureCode.PROVIDER_CONFIGURATION, message=first.detail or "Square refused the credentials",
            provider_code=first.code), summary=summary)
    if code in (400, 404) or first.code in m.SOURCE_CODES:
        return Outcome(status=OutcomeStatus.FAILED, provider_reference=ref, failure=Failure(
            code=FailureCode.INVALID_REQUEST, message=first.detail or "Square rejected the request",
            provider_code=first.code), summary=summary)
    return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"Square answered {code} ({first.code})", summary=summary)


def _lookup_failed(outcome: Outcome) -> Outcome:
    if outcome.status in (OutcomeStatus.FAILED, OutcomeStatus.RETRY):
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="lookup not answered", summary=outcome.summary)
    return outcome


def _with_reference(outcome: Outcome, ref: str) -> Outcome:
    return outcome if outcome.provider_reference else msgspec.structs.replace(outcome, provider_reference=ref)
