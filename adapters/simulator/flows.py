"""The simulator adapter: which call does what, and what each reply means.

Every call goes through :func:`adapters.classify.send` (transport faults classified
in one place), sends ``Idempotency-Key: request.idempotency_key`` on every POST, and
sends the hub's ``payment_id`` as the charge's / payout's ``reference`` (the refund's
``reference`` is the hub's refund id), so lookups and early webhooks can be matched.

Reply classification (see also ``adapters.classify``):

* connect failure -> RETRY; read timeout / dropped connection -> UNKNOWN; 429 -> RETRY;
  5xx -> UNKNOWN; a 2xx whose body does not parse -> UNKNOWN.
* 402 ``card_error`` -> FAILED ``card_declined`` (``authentication_failed`` for a failed
  3DS challenge) with the unified ``decline_code`` and the simulator's ``provider_code``.
* 401/403 -> FAILED ``provider_configuration``.
* 409 ``idempotency_key_in_use`` -> UNKNOWN (the first request with this key is still
  running); 400 ``idempotency_key_reused`` -> UNKNOWN (this request did nothing, but
  what the first one with the key did is not known from here: look it up).
* any other 4xx -> FAILED ``invalid_request``: the simulator documents that a 4xx never
  has an effect.
* pending payout -> PENDING.

Lookup (the resolution strategy for every kind) and why it may answer FAILED:

1. With a provider reference: read the charge / payout and map its status.
2. Authorize / payout without one: search by ``reference`` (the hub's id). The
   simulator writes a charge *before* it answers (even the hang card), so a charge
   that exists is found here even while its request is still hanging.
3. Otherwise, ask what the request sent with ``request.idempotency_key`` did
   (``GET /v1/idempotency/{key}``):
   - ``in_flight`` -> UNKNOWN (still executing);
   - completed with a 2xx/4xx -> that saved reply, mapped as if it had just arrived;
   - completed with a 5xx -> FAILED ``provider_error`` "no record at provider": the
     simulator's 5xx answers (the 500 card) are produced without recording anything,
     and the reference search above found nothing, so nothing happened;
   - never seen -> ``POST /v1/idempotency/{key}/seal``. If the key is still unknown the
     simulator seals it, so a request with that key that is still travelling towards
     it will be refused when it arrives. Only then is "no record" a proof, and the
     answer is FAILED ``provider_error`` "no record at provider". (If the request landed
     between the two calls, the seal call returns its record instead and step 3 applies.)
   A lookup that cannot reach the provider, or gets an unexpected answer, returns
   UNKNOWN: a failed lookup proves nothing about the operation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
import msgspec

from adapters.base import (
    Adapter,
    AuthenticateRequest,
    AuthorizeRequest,
    Capabilities,
    Capability,
    CaptureRequest,
    Failure,
    FailureCode,
    InvalidRequest,
    LookupRequest,
    NextAction,
    NotificationBatch,
    OperationKind,
    Outcome,
    OutcomeStatus,
    PayoutRequest,
    ProviderEvent,
    RefundRequest,
    Strategy,
    VoidRequest,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.classify import classify_status, send, unparseable
from adapters.disputes import DisputeEvidenceRequest, DisputeNews, DisputeRequest
from adapters.settlement import SettlementPage, SettlementRequest
from adapters.simulator import disputes, settlement
from adapters.simulator.mapping import (
    CHARGE_STATUS,
    PAYOUT_STATUS,
    AuthenticateCreate,
    CaptureCreate,
    CaptureOut,
    CardIn,
    ChargeCreate,
    ChargeList,
    ChargeOut,
    DestinationIn,
    ErrorOut,
    EventOut,
    IdempotencyRecordOut,
    PayoutCreate,
    PayoutList,
    PayoutOut,
    RefundCreate,
    RefundOut,
    SignedEventList,
    ThreeDSIn,
    VoidCreate,
    bank_reason,
    decline_code,
)
from webhooks.errors import SignatureError
from webhooks.standard import DEFAULT_TOLERANCE, verify

T = TypeVar("T")

_FEATURES = frozenset(
    {
        Capability.AUTHORIZE,
        Capability.CAPTURE,
        Capability.PARTIAL_CAPTURE,
        Capability.MULTIPLE_CAPTURES,
        Capability.VOID,
        Capability.REFUND,
        Capability.PARTIAL_REFUND,
        Capability.MULTIPLE_REFUNDS,
        Capability.THREE_DS,
        Capability.RAW_CARD,
        Capability.PROVIDER_TOKEN,
        Capability.PAYOUT,
        Capability.PAYOUT_TO_CARD,
        Capability.LOOKUP,
        Capability.WEBHOOKS,
        Capability.NOTIFICATION_POLLING,
        Capability.DISPUTES,
        Capability.DISPUTE_EVIDENCE,
        Capability.DISPUTE_ACCEPT,
        Capability.RECONCILIATION,
    }
)

NO_RECORD = "no record at provider"
POLL_PAGE = 100  # events per notifications poll request


# --------------------------------------------------------------------------- reply mapping


def _decode(response: httpx.Response, type_: type[T]) -> T | Outcome:
    try:
        return msgspec.json.decode(response.content, type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        return unparseable(response, type(exc).__name__)


def _summary(response: httpx.Response, **extra: Any) -> dict[str, Any]:
    return {"http_status": response.status_code, **{k: v for k, v in extra.items() if v is not None}}


def _error_reply(response: httpx.Response) -> Outcome | None:
    """The Outcome of any non-2xx reply; None for a 2xx (the body decides)."""
    code = response.status_code
    if 200 <= code < 300:
        return None
    generic = classify_status(response)
    if generic is not None:
        return generic
    try:
        err = msgspec.json.decode(response.content, type=ErrorOut).error
    except (msgspec.DecodeError, msgspec.ValidationError):
        err = None
    provider_code = err.code if err else None
    message = err.message if err else ""
    summary = _summary(response, provider_code=provider_code)
    if not 400 <= code < 500:
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"unexpected HTTP {code}", summary=summary)
    if code in (401, 403):
        failure = Failure(
            code=FailureCode.PROVIDER_CONFIGURATION,
            message=message or "rejected credentials",
            provider_code=provider_code,
        )
        return Outcome(status=OutcomeStatus.FAILED, failure=failure, summary=summary)
    if (
        err is not None
        and err.type == "idempotency_error"
        and err.code
        in (
            "idempotency_key_in_use",
            "idempotency_key_reused",
        )
    ):
        reason = (
            "the first request with this idempotency key is still being processed"
            if err.code == "idempotency_key_in_use"
            else "idempotency key already used with other parameters; what that request did is unknown here"
        )
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=reason, summary=summary)
    if code == 402 or (err is not None and err.type == "card_error"):
        provider_decline = (err.decline_code or err.code) if err else None
        family = (
            FailureCode.AUTHENTICATION_FAILED
            if provider_decline == "authentication_failed"
            else FailureCode.CARD_DECLINED
        )
        failure = Failure(
            code=family,
            decline_code=decline_code(provider_decline),
            message=message,
            provider_code=provider_decline,
        )
        return Outcome(
            status=OutcomeStatus.FAILED,
            provider_reference=err.charge if err else None,
            failure=failure,
            summary=summary,
        )
    failure = Failure(
        code=FailureCode.INVALID_REQUEST,
        message=message or f"rejected with HTTP {code}",
        provider_code=provider_code,
    )
    return Outcome(status=OutcomeStatus.FAILED, failure=failure, summary=summary)


def charge_outcome(charge: ChargeOut, summary: dict[str, Any] | None = None) -> Outcome:
    """What a charge's state says about the authorize / authenticate that made it."""
    info = {**(summary or {}), "charge_status": charge.status}
    status = CHARGE_STATUS.get(charge.status)
    if status is None:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=charge.id,
            reason=f"unrecognised charge status {charge.status!r}",
            summary=info,
        )
    if status is OutcomeStatus.FAILED:
        code = charge.decline_code
        family = (
            FailureCode.AUTHENTICATION_FAILED
            if code == "authentication_failed"
            else FailureCode.CARD_DECLINED
        )
        failure = Failure(
            code=family,
            decline_code=decline_code(code),
            message=charge.failure_message or "",
            provider_code=code,
        )
        return Outcome(status=status, provider_reference=charge.id, failure=failure, summary=info)
    if status is OutcomeStatus.REQUIRES_ACTION:
        if charge.next_action is None:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                provider_reference=charge.id,
                reason="requires_action without a next action",
                summary=info,
            )
        action = NextAction(type="redirect", url=charge.next_action.url, method="GET")
        return Outcome(status=status, provider_reference=charge.id, next_action=action, summary=info)
    amount = charge.amount_captured if charge.captured else charge.amount
    return Outcome(
        status=status, provider_reference=charge.id, amount=amount, captured=charge.captured, summary=info
    )


def payout_outcome(payout: PayoutOut, summary: dict[str, Any] | None = None) -> Outcome:
    info = {**(summary or {}), "payout_status": payout.status}
    status = PAYOUT_STATUS.get(payout.status)
    if status is None:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=payout.id,
            reason=f"unrecognised payout status {payout.status!r}",
            summary=info,
        )
    failure = None
    reason = None
    if status is OutcomeStatus.FAILED:
        failure = Failure(
            code=FailureCode.PAYOUT_REJECTED,
            decline_code=bank_reason(payout.failure_code),
            message=payout.failure_message or "",
            provider_code=payout.failure_code,
        )
    elif status is OutcomeStatus.RETURNED:
        failure = Failure(
            code=FailureCode.PAYOUT_RETURNED,
            decline_code=bank_reason(payout.failure_code),
            message=payout.failure_message or "",
            provider_code=payout.failure_code,
        )
    elif status is OutcomeStatus.PENDING:
        reason = "payout accepted; the bank has not settled it yet"
    return Outcome(
        status=status,
        provider_reference=payout.id,
        amount=payout.amount,
        failure=failure,
        reason=reason,
        summary=info,
    )


def authorize_reply(response: httpx.Response) -> Outcome:
    error = _error_reply(response)
    if error is not None:
        return error
    charge = _decode(response, ChargeOut)
    return charge if isinstance(charge, Outcome) else charge_outcome(charge, _summary(response))


def capture_reply(response: httpx.Response) -> Outcome:
    error = _error_reply(response)
    if error is not None:
        return error
    cap = _decode(response, CaptureOut)
    if isinstance(cap, Outcome):
        return cap
    if cap.status != "succeeded":
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=cap.charge,
            operation_reference=cap.id,
            reason=f"capture status {cap.status!r}",
            summary=_summary(response),
        )
    return Outcome(
        status=OutcomeStatus.SUCCEEDED,
        provider_reference=cap.charge,
        operation_reference=cap.id,
        amount=cap.amount,
        captured=True,
        summary=_summary(response, final=cap.final),
    )


def void_reply(response: httpx.Response) -> Outcome:
    error = _error_reply(response)
    if error is not None:
        return error
    charge = _decode(response, ChargeOut)
    if isinstance(charge, Outcome):
        return charge
    summary = _summary(response, charge_status=charge.status)
    if charge.amount_capturable != 0:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=charge.id,
            reason="void answered but the authorization is still open",
            summary=summary,
        )
    return Outcome(
        status=OutcomeStatus.SUCCEEDED,
        provider_reference=charge.id,
        amount=charge.amount - charge.amount_captured,
        summary=summary,
    )


def refund_outcome(refund: RefundOut, summary: dict[str, Any] | None = None) -> Outcome:
    info = {**(summary or {}), "refund_status": refund.status}
    status = {"succeeded": OutcomeStatus.SUCCEEDED, "pending": OutcomeStatus.PENDING}.get(refund.status)
    if refund.status == "failed":
        failure = Failure(
            code=FailureCode.PROVIDER_ERROR, message="refund failed", provider_code="refund_failed"
        )
        return Outcome(
            status=OutcomeStatus.FAILED,
            provider_reference=refund.charge,
            operation_reference=refund.id,
            failure=failure,
            summary=info,
        )
    if status is None:
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=refund.charge,
            operation_reference=refund.id,
            reason=f"refund status {refund.status!r}",
            summary=info,
        )
    return Outcome(
        status=status,
        provider_reference=refund.charge,
        operation_reference=refund.id,
        amount=refund.amount,
        summary=info,
    )


def refund_reply(response: httpx.Response) -> Outcome:
    error = _error_reply(response)
    if error is not None:
        return error
    refund = _decode(response, RefundOut)
    return refund if isinstance(refund, Outcome) else refund_outcome(refund, _summary(response))


def payout_reply(response: httpx.Response) -> Outcome:
    error = _error_reply(response)
    if error is not None:
        return error
    payout = _decode(response, PayoutOut)
    return payout if isinstance(payout, Outcome) else payout_outcome(payout, _summary(response))


REPLY: dict[OperationKind, Callable[[httpx.Response], Outcome]] = {
    OperationKind.AUTHORIZE: authorize_reply,
    OperationKind.AUTHENTICATE: authorize_reply,
    OperationKind.CAPTURE: capture_reply,
    OperationKind.VOID: void_reply,
    OperationKind.REFUND: refund_reply,
    OperationKind.PAYOUT: payout_reply,
}


def _lookup_unknown(what: Outcome | httpx.Response, doing: str) -> Outcome:
    """A lookup that did not get an answer proves nothing: UNKNOWN."""
    if isinstance(what, Outcome):
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"{doing}: {what.reason}", summary=what.summary)
    return Outcome(
        status=OutcomeStatus.UNKNOWN, reason=f"{doing}: HTTP {what.status_code}", summary=_summary(what)
    )


def _no_record(detail: str, **summary: Any) -> Outcome:
    failure = Failure(code=FailureCode.PROVIDER_ERROR, message=f"{NO_RECORD}: {detail}")
    return Outcome(status=OutcomeStatus.FAILED, failure=failure, reason=NO_RECORD, summary=summary)


# --------------------------------------------------------------------------- the adapter


class SimulatorAdapter(Adapter):
    """Adapter for payhub's simulated PSP (``adapters.simulator.app``)."""

    name = "simulator"
    capabilities = Capabilities(
        features=_FEATURES,
        currencies=None,
        resolution={kind: (Strategy.LOOKUP,) for kind in OperationKind},
        required_credentials=(),
        optional_credentials=("api_key", "webhook_secret"),
    )

    # ---- plumbing
    def _headers(self, idempotency_key: str | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        api_key = self.account.credentials.get("api_key")
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
            headers["Content-Type"] = "application/json"
        return headers

    async def _post(self, path: str, body: msgspec.Struct, idempotency_key: str) -> httpx.Response | Outcome:
        return await send(
            self.client,
            "POST",
            path,
            content=msgspec.json.encode(body),
            headers=self._headers(idempotency_key),
        )

    async def _get(self, path: str, params: Mapping[str, str] | None = None) -> httpx.Response | Outcome:
        return await send(self.client, "GET", path, params=dict(params or {}), headers=self._headers())

    @staticmethod
    def _path_id(value: str) -> str:
        return quote(value, safe="")

    # ---- operations
    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        pm = request.payment_method
        card: CardIn | None = None
        token: str | None = None
        if pm.type == "card":
            if pm.card is None:
                raise InvalidRequest("the simulator needs the card data", field="payment_method.card")
            c = pm.card
            card = CardIn(
                number=c.number,
                exp_month=c.exp_month,
                exp_year=c.exp_year,
                cvc=c.cvc,
                holder_name=c.holder_name,
            )
        elif pm.type == "provider_token":
            if not pm.token:
                raise InvalidRequest("provider_token needs a token", field="payment_method.token")
            token = pm.token
        else:
            raise InvalidRequest(
                f"payment method type {pm.type!r} is not supported", field="payment_method.type"
            )
        metadata = dict(request.metadata)
        if request.reference:
            metadata["merchant_reference"] = request.reference
        three_ds = None
        if request.three_ds is not None:
            if request.three_ds.mode not in ("if_required", "always", "never"):
                raise InvalidRequest(f"unknown 3DS mode {request.three_ds.mode!r}", field="three_ds.mode")
            three_ds = ThreeDSIn(
                mode=request.three_ds.mode,  # type: ignore[arg-type]
                return_url=request.three_ds.return_url,
            )
        body = ChargeCreate(
            amount=request.amount,
            currency=request.currency,
            card=card,
            token=token,
            capture=request.capture,
            reference=request.payment_id,
            description=request.description,
            three_ds=three_ds,
            metadata=metadata,
        )
        reply = await self._post("/v1/charges", body, request.idempotency_key)
        return reply if isinstance(reply, Outcome) else authorize_reply(reply)

    async def authenticate(self, request: AuthenticateRequest) -> Outcome:
        charge_id = request.provider_reference or request.params.get("sim_charge")
        if not charge_id:
            raise InvalidRequest("no charge to authenticate: sim_charge missing", field="params.sim_charge")
        echoed = request.params.get("sim_charge")
        if echoed and echoed != charge_id:
            raise InvalidRequest("sim_charge does not belong to this payment", field="params.sim_charge")
        # sim_result comes from the shopper's browser and is not trusted: the simulator decides
        path = f"/v1/charges/{self._path_id(charge_id)}/authenticate"
        reply = await self._post(path, AuthenticateCreate(capture=request.capture), request.idempotency_key)
        return reply if isinstance(reply, Outcome) else authorize_reply(reply)

    async def capture(self, request: CaptureRequest) -> Outcome:
        path = f"/v1/charges/{self._path_id(request.provider_reference)}/capture"
        body = CaptureCreate(amount=request.amount, final=request.final, reference=request.operation_id)
        reply = await self._post(path, body, request.idempotency_key)
        return reply if isinstance(reply, Outcome) else capture_reply(reply)

    async def void(self, request: VoidRequest) -> Outcome:
        path = f"/v1/charges/{self._path_id(request.provider_reference)}/void"
        reply = await self._post(path, VoidCreate(), request.idempotency_key)
        return reply if isinstance(reply, Outcome) else void_reply(reply)

    async def refund(self, request: RefundRequest) -> Outcome:
        path = f"/v1/charges/{self._path_id(request.provider_reference)}/refunds"
        metadata = {**request.metadata, "payment_id": request.payment_id}
        body = RefundCreate(amount=request.amount, reference=request.refund_id, metadata=metadata)
        reply = await self._post(path, body, request.idempotency_key)
        return reply if isinstance(reply, Outcome) else refund_reply(reply)

    async def payout(self, request: PayoutRequest) -> Outcome:
        if request.bank_account is not None:
            ba = request.bank_account
            dest = DestinationIn(
                type="bank_account", iban=ba.iban, bic=ba.bic, name=ba.name, country=ba.country
            )
        elif request.card is not None:
            c = request.card
            dest = DestinationIn(
                type="card",
                number=c.number,
                exp_month=c.exp_month,
                exp_year=c.exp_year,
                holder_name=c.holder_name,
            )
        else:
            raise InvalidRequest("a payout needs a bank account or a card", field="destination")
        metadata = dict(request.metadata)
        if request.reference:
            metadata["merchant_reference"] = request.reference
        body = PayoutCreate(
            amount=request.amount,
            currency=request.currency,
            destination=dest,
            reference=request.payment_id,
            description=request.description,
            metadata=metadata,
        )
        reply = await self._post("/v1/payouts", body, request.idempotency_key)
        return reply if isinstance(reply, Outcome) else payout_reply(reply)

    # ---- reconciliation (settlement.py)
    def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        return settlement.read_lines(self.client, self._headers(), request)

    # ---- lookup
    async def lookup(self, request: LookupRequest) -> Outcome:
        kind = request.kind
        if kind in (OperationKind.AUTHORIZE, OperationKind.AUTHENTICATE):
            if request.provider_reference:
                return await self._read(
                    f"/v1/charges/{self._path_id(request.provider_reference)}", ChargeOut, charge_outcome
                )
            found = await self._search("/v1/charges", request.payment_id, ChargeList)
            if isinstance(found, Outcome):
                return found
            if found.data:
                return charge_outcome(found.data[0], {"lookup": "reference"})
        elif kind is OperationKind.PAYOUT:
            if request.provider_reference:
                return await self._read(
                    f"/v1/payouts/{self._path_id(request.provider_reference)}", PayoutOut, payout_outcome
                )
            found_p = await self._search("/v1/payouts", request.payment_id, PayoutList)
            if isinstance(found_p, Outcome):
                return found_p
            if found_p.data:
                return payout_outcome(found_p.data[0], {"lookup": "reference"})
        elif kind is OperationKind.REFUND and request.operation_reference:
            return await self._read(
                f"/v1/refunds/{self._path_id(request.operation_reference)}", RefundOut, refund_outcome
            )
        return await self._lookup_by_key(kind, request.idempotency_key)

    async def _read(
        self, path: str, type_: type[T], to_outcome: Callable[[T, dict[str, Any]], Outcome]
    ) -> Outcome:
        reply = await self._get(path)
        if isinstance(reply, Outcome):
            return _lookup_unknown(reply, "lookup not answered")
        if reply.status_code != 200:
            return _lookup_unknown(reply, f"lookup of {path} failed")
        obj = _decode(reply, type_)
        if isinstance(obj, Outcome):
            return obj
        return to_outcome(obj, {"lookup": "provider_reference"})

    async def _search(self, path: str, reference: str, type_: type[T]) -> T | Outcome:
        reply = await self._get(path, {"reference": reference})
        if isinstance(reply, Outcome):
            return _lookup_unknown(reply, "search by reference not answered")
        if reply.status_code != 200:
            return _lookup_unknown(reply, "search by reference failed")
        return _decode(reply, type_)

    async def _lookup_by_key(self, kind: OperationKind, key: str) -> Outcome:
        path = f"/v1/idempotency/{self._path_id(key)}"
        reply = await self._get(path)
        if isinstance(reply, Outcome):
            return _lookup_unknown(reply, "idempotency lookup not answered")
        if reply.status_code == 404:
            # never seen: seal the key so that "no record" becomes a proof (see module docstring)
            reply = await send(self.client, "POST", f"{path}/seal", headers=self._headers())
            if isinstance(reply, Outcome):
                return _lookup_unknown(reply, "idempotency seal not answered")
        if reply.status_code != 200:
            return _lookup_unknown(reply, "idempotency lookup failed")
        record = _decode(reply, IdempotencyRecordOut)
        if isinstance(record, Outcome):
            return record
        if record.status == "sealed":
            return _no_record(
                "the request never reached the provider, and its key is now sealed",
                lookup="idempotency_key",
                key_status="sealed",
            )
        if record.status != "completed" or record.response is None:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason="the request is still being processed",
                summary={"lookup": "idempotency_key", "key_status": record.status},
            )
        saved = httpx.Response(record.response.status, content=record.response.body.encode())
        if saved.status_code >= 500:
            return _no_record(
                f"it answered {saved.status_code} and recorded nothing",
                lookup="idempotency_key",
                http_status=saved.status_code,
            )
        outcome = REPLY[kind](saved)
        outcome.summary = {**outcome.summary, "lookup": "idempotency_key"}
        return outcome

    # ---- notifications
    async def poll_notifications(self, cursor: str | None) -> NotificationBatch:
        """``GET /_sim/events?after=<cursor>``: the events the simulator recorded, the same ones
        it POSTs to ``webhook_url`` — so news (a payout paid, then returned) reaches the hub even
        when the simulator cannot call it back (in-process, or no public URL). Read over the
        authenticated API channel, so no signature is needed; the cursor is the last event id
        read (payout events only, a page at a time)."""
        # only payout news: a charge's outcome is known from its reply or by lookup, and
        # reading every charge event would cost as much as the payments themselves
        params = {"type": "payout.,dispute.", "limit": str(POLL_PAGE)}
        if cursor:
            params["after"] = cursor
        response = await self.client.get("/_sim/events", headers=self._headers(), params=params)
        if response.status_code != 200:
            raise WebhookFormatError(f"the simulator answered {response.status_code} to an events poll")
        try:
            listing = msgspec.json.decode(response.content, type=SignedEventList)
            events = [_provider_event(item.body.encode()) for item in listing.data]
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
            raise WebhookFormatError(f"not a simulator event list: {exc}") from exc
        return NotificationBatch(events=events, next_cursor=listing.data[-1].id if listing.data else cursor)

    # ---- webhooks
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        secret = self.account.credentials.get("webhook_secret")
        if not secret:
            raise WebhookVerificationError("no webhook_secret configured for this simulator account")
        lowered = {k.lower(): v for k, v in headers.items()}
        try:
            verify(lowered, body, [secret], tolerance=DEFAULT_TOLERANCE)
        except SignatureError as exc:
            raise WebhookVerificationError(str(exc)) from exc
        except ValueError as exc:  # malformed secret
            raise WebhookVerificationError("webhook secret is not usable") from exc
        try:
            return [_provider_event(body)]
        except (msgspec.DecodeError, msgspec.ValidationError, ValueError) as exc:
            raise WebhookFormatError(f"not a simulator event: {exc}") from exc

    # ---- disputes (adapters.simulator.disputes)
    async def submit_dispute_evidence(self, request: DisputeEvidenceRequest) -> DisputeNews:
        body = {"text": request.text, "submit": request.submit}
        return await disputes.call(self.client, self._headers(), request.provider_reference, "evidence", body)

    async def accept_dispute(self, request: DisputeRequest) -> DisputeNews:
        return await disputes.call(self.client, self._headers(), request.provider_reference, "accept", {})

    async def lookup_dispute(self, request: DisputeRequest) -> DisputeNews:
        return await disputes.lookup(self.client, self._headers(), request.provider_reference)


def _provider_event(body: bytes) -> ProviderEvent:
    if disputes.is_dispute_event(body):
        return disputes.provider_event(body)
    return event_to_provider_event(msgspec.json.decode(body, type=EventOut))


def event_to_provider_event(event: EventOut) -> ProviderEvent:
    obj = event.data.object
    op = event.data.operation
    occurred = datetime.fromtimestamp(event.created, UTC)
    common: dict[str, Any] = {"event_id": event.id, "type": event.type, "occurred_at": occurred}
    if isinstance(obj, PayoutOut):
        kind = OperationKind.PAYOUT if event.type.startswith("payout.") and obj.status != "pending" else None
        return ProviderEvent(
            **common,
            kind=kind,
            outcome=payout_outcome(obj) if kind else None,
            payment_id=obj.reference,
            provider_reference=obj.id,
        )
    via_3ds = obj.three_ds is not None and obj.three_ds.result is not None
    initial = OperationKind.AUTHENTICATE if via_3ds else OperationKind.AUTHORIZE
    common.update(payment_id=obj.reference, provider_reference=obj.id)
    if event.type == "charge.captured" and isinstance(op, CaptureOut):
        outcome = Outcome(
            status=OutcomeStatus.SUCCEEDED,
            provider_reference=obj.id,
            operation_reference=op.id,
            amount=op.amount,
            captured=True,
        )
        return ProviderEvent(**common, kind=OperationKind.CAPTURE, outcome=outcome, operation_reference=op.id)
    if event.type == "charge.refunded" and isinstance(op, RefundOut):
        return ProviderEvent(
            **common,
            kind=OperationKind.REFUND,
            outcome=refund_outcome(op),
            operation_reference=op.id,
            refund_id=op.reference,
        )
    if event.type == "charge.voided":
        outcome = Outcome(
            status=OutcomeStatus.SUCCEEDED, provider_reference=obj.id, amount=obj.amount - obj.amount_captured
        )
        return ProviderEvent(**common, kind=OperationKind.VOID, outcome=outcome)
    if event.type == "charge.requires_action":
        return ProviderEvent(**common, kind=OperationKind.AUTHORIZE, outcome=charge_outcome(obj))
    if event.type in ("charge.authorized", "charge.captured", "charge.failed"):
        return ProviderEvent(**common, kind=initial, outcome=charge_outcome(obj))
    return ProviderEvent(**common, kind=None)


__all__ = ["NO_RECORD", "SimulatorAdapter", "charge_outcome", "event_to_provider_event", "payout_outcome"]
