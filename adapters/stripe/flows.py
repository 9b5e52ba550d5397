"""The Stripe adapter: which Stripe call does what, and how each reply is classified.

Calls (https://docs.stripe.com/api), all form-encoded with Stripe's bracket notation,
``Authorization: Bearer <secret_key>``, a pinned ``Stripe-Version`` and, on every POST,
``Idempotency-Key: <request.idempotency_key>``:

=============  ==============================================================
tokenize       POST /v1/payment_methods (type=card, card[...]: a raw card becomes a pm_; moves
               no money; its own Idempotency-Key, derived from the operation's)
authorize      POST /v1/payment_intents (confirm=true, capture_method manual|automatic,
               payment_method=pm_... only: a raw card is tokenized first, so the request
               that moves money holds no CVC and can be replayed byte for byte)
authenticate   GET  /v1/payment_intents/{id} (+ POST .../confirm if requires_confirmation)
capture        POST /v1/payment_intents/{id}/capture (amount_to_capture)
void           POST /v1/payment_intents/{id}/cancel
refund         POST /v1/refunds (payment_intent, amount, metadata[payhub_refund_id])
payout         POST /v1/payouts (amount, currency, destination, metadata)
lookup         GET  /v1/payment_intents/{id}, /v1/payment_intents/search,
               /v1/refunds?payment_intent=..., /v1/payouts/{id}, /v1/payouts
reconcile      GET  /v1/balance_transactions (created[gte|lt], starting_after; settlement.py)
=============  ==============================================================

Error classification (Stripe documents that a saved idempotent result exists only once
an endpoint *began executing*; validation failures and concurrent-key conflicts save
nothing and may be retried with the same key):

* 402 ``card_error``            -> FAILED card_declined, decline_code mapped (definite)
* 400/404 ``invalid_request_error`` -> FAILED invalid_request (definite: rejected)
* 400 ``idempotency_error``      -> UNKNOWN: the key was already used with *other*
  parameters, so whatever that first request did (maybe move money) stands; this
  request did nothing, but the operation behind the key is not proven either way.
* 409 (``idempotency_key_in_use``) -> UNKNOWN: an earlier request with this key is
  still executing and may still succeed. This attempt did nothing, so a replay with
  the same key later returns the first request's saved result. Not RETRY, because the
  operation itself is in flight, not "not processed". ``retry_after`` is set (1 s).
  409/429 ``lock_timeout`` (another request holds the object) -> RETRY.
* 401/403                         -> FAILED provider_configuration
* 429                             -> RETRY (Retry-After honoured)
* 5xx, timeouts after sending, dropped connections, unreadable 2xx -> UNKNOWN
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlencode

import httpx
import msgspec

from adapters.base import (
    Account,
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
    OperationKind,
    Outcome,
    OutcomeStatus,
    PaymentMethod,
    PayoutRequest,
    ProviderEvent,
    RefundRequest,
    Strategy,
    TokenizeRequest,
    VoidRequest,
    tokenize_key,
)
from adapters.classify import classify_status, retry_after_seconds, send, unparseable
from adapters.disputes import DisputeEvidenceRequest, DisputeNews, DisputeRequest
from adapters.settlement import ReportError, ReportErrorCode, SettlementPage, SettlementRequest
from adapters.stripe import disputes, refund_news
from adapters.stripe import mapping as m
from adapters.stripe import settlement as recon
from adapters.stripe.webhook import parse_events

STRIPE_VERSION = "2026-10-28.endive"  # pinned: every request sends it; bump deliberately
DEFAULT_BASE_URL = "https://api.stripe.com"

# metadata keys the adapter writes (https://docs.stripe.com/api/metadata)
MD_PAYMENT = "payhub_payment_id"
MD_OPERATION = "payhub_operation_id"
MD_REFUND = "payhub_refund_id"
MD_PAYOUT = "payhub_payout_id"
MD_REFERENCE = "payhub_reference"

# Stripe prunes idempotency keys after 24h: a replay of an authorize/refund/payout later
# than this would execute anew. The hub must switch from replay to lookup by then.
IDEMPOTENCY_WINDOW_SECONDS = 24 * 3600
# a refund not listed on its PaymentIntent this long after the request: never created
REFUND_LOOKUP_GRACE_SECONDS = 600

T = TypeVar("T")


# --------------------------------------------------------------------------- form encoding


def encode_form(params: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Stripe's bracket notation: ``{"a": {"b": 1}, "l": ["x"]}`` -> ``a[b]=1&l[0]=x``."""
    out: list[tuple[str, str]] = []

    def walk(prefix: str, value: Any) -> None:
        if value is None:
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}[{k}]" if prefix else str(k), v)
        elif isinstance(value, list | tuple):
            for i, v in enumerate(value):
                walk(f"{prefix}[{i}]", v)
        elif isinstance(value, bool):
            out.append((prefix, "true" if value else "false"))
        else:
            out.append((prefix, str(value)))

    walk("", params)
    return out


_ID = re.compile(r"^[A-Za-z0-9_]{3,255}$")


def _safe_id(value: str, prefix: str, field: str) -> str:
    """A Stripe object id fit for a URL path (ids may come from a shopper's browser)."""
    if not value.startswith(prefix) or not _ID.match(value):
        raise InvalidRequest(f"{value[:40]!r} is not a Stripe {prefix}... id", field=field)
    return value


def _is_id(value: str | None, prefix: str) -> bool:
    return bool(value) and value is not None and value.startswith(prefix) and bool(_ID.match(value))


def _check_metadata(metadata: Mapping[str, str]) -> None:
    """Stripe's metadata limits: 50 keys, key <= 40 chars without brackets, value <= 500."""
    if len(metadata) > 50:
        raise InvalidRequest("Stripe allows at most 50 metadata keys", field="metadata")
    for key, value in metadata.items():
        if not key or len(key) > 40 or "[" in key or "]" in key:
            raise InvalidRequest(
                f"metadata key {key[:40]!r} is not valid for Stripe (1-40 characters, no brackets)",
                field="metadata",
            )
        if len(value) > 500:
            raise InvalidRequest(f"metadata value for {key!r} exceeds 500 characters", field="metadata")


# --------------------------------------------------------------------------- adapter


class StripeAdapter(Adapter):
    name: ClassVar[str] = "stripe"
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
                Capability.THREE_DS,
                Capability.RAW_CARD,
                Capability.TOKENIZE,
                Capability.PROVIDER_TOKEN,
                Capability.PAYOUT,
                Capability.LOOKUP,
                Capability.WEBHOOKS,
                Capability.DISPUTES,  # charge.dispute.* (adapters.stripe.disputes)
                Capability.DISPUTE_EVIDENCE,
                Capability.DISPUTE_ACCEPT,
                Capability.RECONCILIATION,  # GET /v1/balance_transactions (adapters.stripe.settlement)
            }
        ),
        currencies=None,
        resolution={
            # replay: Stripe returns the saved first result for the same key (24h);
            # lookup (search by metadata, eventually consistent) after that window
            # webhook last: payment_intent.* events carry metadata.payhub_payment_id
            OperationKind.AUTHORIZE: (Strategy.REPLAY, Strategy.LOOKUP, Strategy.WEBHOOK),
            OperationKind.AUTHENTICATE: (Strategy.LOOKUP,),
            # a capture/cancel replay can never move money twice (a second one is refused)
            OperationKind.CAPTURE: (Strategy.LOOKUP, Strategy.REPLAY),
            OperationKind.VOID: (Strategy.LOOKUP, Strategy.REPLAY),
            # refunds and payouts: never replay (after 24h it would pay out again)
            OperationKind.REFUND: (Strategy.LOOKUP, Strategy.WEBHOOK),
            OperationKind.PAYOUT: (Strategy.LOOKUP, Strategy.WEBHOOK),
        },
        required_credentials=("secret_key", "webhook_secret"),
        optional_credentials=("webhook_secret_previous",),
        idempotency_window=IDEMPOTENCY_WINDOW_SECONDS,
    )

    # ------------------------------------------------------------------ plumbing

    @classmethod
    def validate_account(cls, account: Account) -> list[str]:
        problems = super().validate_account(account)
        key = account.credentials.get("secret_key", "")
        if key and not key.startswith(("sk_", "rk_")):
            problems.append(
                "credentials.secret_key must be a Stripe secret (sk_...) or restricted (rk_...) key"
            )
        dest = account.settings.get("payout_destinations")
        if dest is not None and not isinstance(dest, Mapping):
            problems.append("settings.payout_destinations must map IBAN -> Stripe external account id")
        return problems

    def _url(self, path: str) -> str:
        base = (self.account.base_url or DEFAULT_BASE_URL).rstrip("/")
        return base + path

    def _headers(self, idempotency_key: str | None) -> dict[str, str]:
        headers = {
            "Authorization": f"Bearer {self.account.credentials.get('secret_key', '')}",
            "Stripe-Version": STRIPE_VERSION,
            "Accept": "application/json",
        }
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    async def _post(
        self, path: str, params: Mapping[str, Any], idempotency_key: str
    ) -> httpx.Response | Outcome:
        return await send(
            self.client,
            "POST",
            self._url(path),
            content=urlencode(encode_form(params)).encode("ascii"),
            headers={**self._headers(idempotency_key), "Content-Type": "application/x-www-form-urlencoded"},
        )

    async def _get(self, path: str, query: Iterable[tuple[str, str]] = ()) -> httpx.Response | Outcome:
        return await send(
            self.client, "GET", self._url(path), params=list(query), headers=self._headers(None)
        )

    # ------------------------------------------------------------------ reconciliation

    async def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        """The balance transactions created in the window (see adapters.stripe.settlement)."""
        if not self.account.credentials.get("secret_key"):
            raise ReportError(ReportErrorCode.NOT_CONFIGURED, "credentials.secret_key is not set")
        async for page in recon.read_lines(self.client, self._url(recon.PATH), self._headers(None), request):
            yield page

    # ------------------------------------------------------------------ disputes

    async def submit_dispute_evidence(self, request: DisputeEvidenceRequest) -> DisputeNews:
        dispute = _safe_id(request.provider_reference, "", "provider_reference")
        params = {"evidence": {"uncategorized_text": request.text}, "submit": request.submit}
        key = disputes.idempotency_key(request.dispute_id, "evidence", params)
        return disputes.read_reply(await self._post(f"/v1/disputes/{dispute}", params, key), "evidence")

    async def accept_dispute(self, request: DisputeRequest) -> DisputeNews:
        dispute = _safe_id(request.provider_reference, "", "provider_reference")
        key = disputes.idempotency_key(request.dispute_id, "close", {})
        return disputes.read_reply(await self._post(f"/v1/disputes/{dispute}/close", {}, key), "close")

    async def lookup_dispute(self, request: DisputeRequest) -> DisputeNews:
        dispute = _safe_id(request.provider_reference, "", "provider_reference")
        return disputes.read_reply(await self._get(f"/v1/disputes/{dispute}"), "lookup")

    @staticmethod
    def _decode(response: httpx.Response, type_: type[T]) -> T | Outcome:
        try:
            return msgspec.json.decode(response.content, type=type_)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return unparseable(response, f"not a Stripe {getattr(type_, '__name__', 'object')}: {exc}")

    @staticmethod
    def error_outcome(response: httpx.Response) -> Outcome:
        """Classify a non-2xx Stripe reply (see the module docstring)."""
        code = response.status_code
        generic = classify_status(response)
        if generic is not None:
            return generic
        summary: dict[str, Any] = {"http_status": code}
        try:
            err: m.StripeErrorBody | None = msgspec.json.decode(
                response.content, type=m.StripeErrorEnvelope
            ).error
        except (msgspec.DecodeError, msgspec.ValidationError):
            err = None
        if err is not None:
            summary.update({"error_type": err.type, "error_code": err.code, "decline_code": err.decline_code})
        if code in (401, 403):
            return Outcome(
                status=OutcomeStatus.FAILED,
                failure=Failure(
                    code=FailureCode.PROVIDER_CONFIGURATION,
                    message=(
                        err.message if err and err.message else f"Stripe refused the credentials ({code})"
                    ),
                    provider_code=(err.code if err else None) or f"http_{code}",
                ),
                summary=summary,
            )
        if err is None:
            # a 4xx body that is not Stripe's (proxy, load balancer): nothing proves it was refused
            return unparseable(response, "non-Stripe error body")
        if err.code == "lock_timeout":
            return Outcome(
                status=OutcomeStatus.RETRY,
                retry_after=retry_after_seconds(response) or 1.0,
                reason="Stripe object locked by another request (lock_timeout): not processed",
                summary=summary,
            )
        if code == 409 or err.code == "idempotency_key_in_use":
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                retry_after=retry_after_seconds(response) or 1.0,
                reason="a request with this Idempotency-Key is still executing at Stripe (409)",
                summary=summary,
            )
        if err.type == "idempotency_error":
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason="Idempotency-Key already used with different parameters: the first request's "
                "outcome is not known from this reply",
                summary=summary,
            )
        pi_ref = err.payment_intent.id if err.payment_intent is not None else None
        if err.type == "card_error" or code == 402:
            if err.payment_intent is not None:
                summary["payment_intent"] = m.pi_summary(err.payment_intent)
            return Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=pi_ref,
                failure=m.card_failure(err.code, err.decline_code, err.message),
                summary=summary,
            )
        if code in (400, 404) or err.type == "invalid_request_error":
            return Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=pi_ref,
                failure=Failure(
                    code=FailureCode.INVALID_REQUEST,
                    message=err.message or "Stripe rejected the request",
                    provider_code=err.code or err.type,
                ),
                summary=summary,
            )
        # any other documented 4xx (e.g. 424 external dependency): not proven either way
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            reason=f"Stripe answered {code} ({err.type}/{err.code})",
            summary=summary,
        )

    async def _pi_call(self, result: httpx.Response | Outcome) -> m.PaymentIntent | Outcome:
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            return self.error_outcome(result)
        return self._decode(result, m.PaymentIntent)

    # ------------------------------------------------------------------ authorize

    def _payment_method_params(self, pm: PaymentMethod) -> dict[str, Any]:
        if pm.type == "provider_token":
            if not pm.token:
                raise InvalidRequest("provider_token payment method without a token", field="payment_method")
            return {"payment_method": pm.token}
        raise InvalidRequest(
            f"payment method {pm.type!r} cannot be sent to Stripe in a PaymentIntent "
            "(a pm_ token; a raw card is tokenized first)",
            field="payment_method",
        )

    # ------------------------------------------------------------------ tokenize

    async def tokenize(self, request: TokenizeRequest) -> Outcome:
        """POST /v1/payment_methods: the raw card (CVC included) becomes a ``pm_``. No money
        moves; a failure here proves no payment was attempted."""
        card = request.card
        params: dict[str, Any] = {
            "type": "card",
            "card": {
                "number": card.number,
                "exp_month": card.exp_month,
                "exp_year": card.exp_year,
                "cvc": card.cvc,
            },
            "metadata": {MD_PAYMENT: request.payment_id, MD_OPERATION: request.operation_id},
        }
        if card.holder_name:
            params["billing_details"] = {"name": card.holder_name}
        result = await self._post("/v1/payment_methods", params, request.idempotency_key)
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            return self.error_outcome(result)
        pm = self._decode(result, m.StripePaymentMethod)
        if isinstance(pm, Outcome):
            return pm
        if not _is_id(pm.id, "pm_"):
            return unparseable(result, "the PaymentMethod has no pm_ id")
        brand = pm.card.brand if pm.card else None
        return Outcome(
            status=OutcomeStatus.SUCCEEDED,
            provider_reference=pm.id,
            summary={"payment_method": pm.id, "brand": brand},
        )

    async def _tokenized(self, request: AuthorizeRequest) -> AuthorizeRequest | Outcome:
        """``request`` with its raw card replaced by a Stripe PaymentMethod (or why not)."""
        pm = request.payment_method
        if pm.type != "card" or pm.card is None:
            return request
        # validate the PaymentIntent's parameters before sending anything
        self.authorize_params(
            msgspec.structs.replace(request, payment_method=PaymentMethod(type="provider_token", token="pm_x"))
        )
        out = await self.tokenize(
            TokenizeRequest(
                operation_id=request.operation_id,
                idempotency_key=tokenize_key(request.idempotency_key),
                payment_id=request.payment_id,
                card=pm.card,
            )
        )
        if out.status is OutcomeStatus.FAILED:
            return out  # the card was refused before any payment was attempted
        if out.status is not OutcomeStatus.SUCCEEDED or not out.provider_reference:
            return Outcome(
                status=OutcomeStatus.RETRY,
                retry_after=out.retry_after,
                reason=f"no PaymentMethod ({out.reason or out.status.value}): no payment was attempted",
                summary=out.summary,
            )
        token = PaymentMethod(type="provider_token", token=out.provider_reference)
        return msgspec.structs.replace(request, payment_method=token)

    def authorize_params(self, request: AuthorizeRequest) -> dict[str, Any]:
        """The form parameters of POST /v1/payment_intents (validated, nothing sent)."""
        metadata = dict(request.metadata)
        metadata[MD_PAYMENT] = request.payment_id
        metadata[MD_OPERATION] = request.operation_id
        if request.reference:
            metadata[MD_REFERENCE] = request.reference
        _check_metadata(metadata)
        three_ds = request.three_ds
        mode = three_ds.mode if three_ds else "if_required"
        params: dict[str, Any] = {
            "amount": m.to_stripe_amount(request.amount, request.currency),
            "currency": request.currency.lower(),
            "capture_method": "automatic" if request.capture else "manual",
            "confirm": True,
            **self._payment_method_params(request.payment_method),
            # "never" cannot be honoured: issuers (SCA) may still demand 3DS; automatic is closest
            "payment_method_options": {
                "card": {"request_three_d_secure": "any" if mode == "always" else "automatic"}
            },
            "metadata": metadata,
        }
        if request.description:
            params["description"] = request.description
        if three_ds and three_ds.return_url:
            params["return_url"] = three_ds.return_url
        else:
            # without a return_url Stripe refuses to confirm unless redirects are excluded
            params["automatic_payment_methods"] = {"enabled": True, "allow_redirects": "never"}
        return params

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        tokenized = await self._tokenized(request)
        if isinstance(tokenized, Outcome):
            return tokenized
        params = self.authorize_params(tokenized)
        pi = await self._pi_call(await self._post("/v1/payment_intents", params, request.idempotency_key))
        if isinstance(pi, Outcome):
            return pi
        return m.payment_intent_outcome(pi)

    # ------------------------------------------------------------------ authenticate

    async def authenticate(self, request: AuthenticateRequest) -> Outcome:
        returned = request.params.get("payment_intent")
        pi_id = returned or request.provider_reference
        if not pi_id:
            raise InvalidRequest("no payment_intent in the return parameters", field="params.payment_intent")
        if returned and request.provider_reference and returned != request.provider_reference:
            raise InvalidRequest(
                "the returned payment_intent does not belong to this payment", field="params.payment_intent"
            )
        pi_id = _safe_id(pi_id, "pi_", "params.payment_intent")
        pi = await self._pi_call(await self._get(f"/v1/payment_intents/{pi_id}"))
        if isinstance(pi, Outcome):
            return pi
        owner = pi.metadata.get(MD_PAYMENT)
        if owner is not None and owner != request.payment_id:
            raise InvalidRequest(
                "the returned payment_intent belongs to another payment", field="params.payment_intent"
            )
        if pi.status == "requires_confirmation":
            confirm = await self._post(f"/v1/payment_intents/{pi_id}/confirm", {}, request.idempotency_key)
            pi = await self._pi_call(confirm)
            if isinstance(pi, Outcome):
                return pi
        outcome = m.payment_intent_outcome(pi)
        if outcome.status is OutcomeStatus.FAILED and request.params.get("redirect_status") == "failed":
            failure = outcome.failure or Failure(code=FailureCode.AUTHENTICATION_FAILED)
            if failure.code == FailureCode.PROVIDER_ERROR:
                failure = Failure(
                    code=FailureCode.AUTHENTICATION_FAILED,
                    message="3D Secure authentication failed",
                    provider_code=failure.provider_code,
                )
            outcome = msgspec.structs.replace(outcome, failure=failure)
        return outcome

    # ------------------------------------------------------------------ capture / void

    async def capture(self, request: CaptureRequest) -> Outcome:
        if not request.final:
            raise InvalidRequest(
                "multiple captures are not supported by this Stripe integration", code="not_supported"
            )
        # no metadata here: capture metadata would overwrite the PaymentIntent's
        # payhub_operation_id, which the authorize lookup searches by
        params = {"amount_to_capture": m.to_stripe_amount(request.amount, request.currency, field="amount")}
        pi_id = _safe_id(request.provider_reference, "pi_", "provider_reference")
        path = f"/v1/payment_intents/{pi_id}/capture"
        pi = await self._pi_call(await self._post(path, params, request.idempotency_key))
        if isinstance(pi, Outcome):
            return pi
        return self._capture_outcome(pi)

    @staticmethod
    def _capture_outcome(pi: m.PaymentIntent, *, lookup: bool = False) -> Outcome:
        summary = m.pi_summary(pi)
        if pi.status == "succeeded":
            return Outcome(
                status=OutcomeStatus.SUCCEEDED,
                provider_reference=pi.id,
                amount=m.from_stripe_amount(pi.amount_received, pi.currency),
                currency=pi.currency.upper(),
                captured=True,
                summary=summary,
            )
        if pi.status == "processing":
            return Outcome(
                status=OutcomeStatus.PENDING,
                provider_reference=pi.id,
                reason="capture processing",
                summary=summary,
            )
        if lookup and pi.status == "canceled":
            return Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=pi.id,
                failure=Failure(
                    code=FailureCode.INVALID_REQUEST,
                    message="the PaymentIntent was canceled: nothing was captured",
                    provider_code="canceled",
                ),
                summary=summary,
            )
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=pi.id,
            reason=f"PaymentIntent {pi.status} after capture",
            summary=summary,
        )

    async def void(self, request: VoidRequest) -> Outcome:
        pi_id = _safe_id(request.provider_reference, "pi_", "provider_reference")
        path = f"/v1/payment_intents/{pi_id}/cancel"
        pi = await self._pi_call(await self._post(path, {}, request.idempotency_key))
        if isinstance(pi, Outcome):
            return pi
        return self._void_outcome(pi)

    @staticmethod
    def _void_outcome(pi: m.PaymentIntent, *, lookup: bool = False) -> Outcome:
        summary = m.pi_summary(pi)
        if pi.status == "canceled":
            return Outcome(status=OutcomeStatus.SUCCEEDED, provider_reference=pi.id, summary=summary)
        if lookup and pi.status in ("succeeded", "processing"):
            return Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=pi.id,
                failure=Failure(
                    code=FailureCode.INVALID_REQUEST,
                    message=f"the PaymentIntent is {pi.status}: it was not canceled",
                    provider_code=pi.status,
                ),
                summary=summary,
            )
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=pi.id,
            reason=f"PaymentIntent {pi.status} after cancel",
            summary=summary,
        )

    # ------------------------------------------------------------------ refund

    async def refund(self, request: RefundRequest) -> Outcome:
        params = {
            "payment_intent": _safe_id(request.provider_reference, "pi_", "provider_reference"),
            "amount": m.to_stripe_amount(request.amount, request.currency),
            "metadata": {
                MD_REFUND: request.refund_id,
                MD_PAYMENT: request.payment_id,
                MD_OPERATION: request.operation_id,
            },
        }
        result = await self._post("/v1/refunds", params, request.idempotency_key)
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            return self.error_outcome(result)
        refund = self._decode(result, m.Refund)
        if isinstance(refund, Outcome):
            return refund
        return m.refund_outcome(refund)

    # ------------------------------------------------------------------ payout

    def _payout_destination(self, request: PayoutRequest) -> str | None:
        if request.card is not None:
            raise InvalidRequest(
                "payouts to cards are not supported by the Stripe adapter", code="not_supported"
            )
        bank = request.bank_account
        if bank is None:
            return None  # the account's default external account
        if bank.iban.startswith(("ba_", "card_")):
            return bank.iban
        table = self.account.settings.get("payout_destinations") or {}
        iban = bank.iban.replace(" ", "").upper()
        dest = table.get(iban) if isinstance(table, Mapping) else None
        if not dest:
            raise InvalidRequest(
                "Stripe pays out only to external accounts attached to the Stripe account; "
                "map this IBAN to its ba_ id in settings.payout_destinations",
                code="unsupported_destination",
                field="bank_account",
            )
        return str(dest)

    async def payout(self, request: PayoutRequest) -> Outcome:
        metadata = dict(request.metadata)
        metadata[MD_PAYOUT] = request.payment_id
        metadata[MD_OPERATION] = request.operation_id
        _check_metadata(metadata)
        params: dict[str, Any] = {
            "amount": m.to_stripe_payout_amount(request.amount, request.currency),
            "currency": request.currency.lower(),
            "metadata": metadata,
        }
        destination = self._payout_destination(request)
        if destination:
            params["destination"] = destination
        if request.description:
            params["description"] = request.description
        result = await self._post("/v1/payouts", params, request.idempotency_key)
        if isinstance(result, Outcome):
            return result
        if not result.is_success:
            out = self.error_outcome(result)
            if out.failure is not None and out.failure.code == FailureCode.CARD_DECLINED:
                out = msgspec.structs.replace(
                    out, failure=msgspec.structs.replace(out.failure, code=FailureCode.PAYOUT_REJECTED)
                )
            return out
        payout = self._decode(result, m.Payout)
        if isinstance(payout, Outcome):
            return payout
        return m.payout_outcome(payout)

    # ------------------------------------------------------------------ lookup

    async def lookup(self, request: LookupRequest) -> Outcome:
        kind = request.kind
        if kind in (OperationKind.AUTHORIZE, OperationKind.AUTHENTICATE):
            return await self._lookup_payment(request)
        if kind in (OperationKind.CAPTURE, OperationKind.VOID):
            if not _is_id(request.provider_reference, "pi_"):
                return Outcome(status=OutcomeStatus.UNKNOWN, reason="no PaymentIntent id to look up")
            pi = await self._pi_call(await self._get(f"/v1/payment_intents/{request.provider_reference}"))
            if isinstance(pi, Outcome):
                return self._lookup_failed(pi)
            if kind is OperationKind.CAPTURE:
                return self._capture_outcome(pi, lookup=True)
            return self._void_outcome(pi, lookup=True)
        if kind is OperationKind.REFUND:
            return await self._lookup_refund(request)
        if kind is OperationKind.PAYOUT:
            return await self._lookup_payout(request)
        return Outcome(status=OutcomeStatus.UNKNOWN, reason=f"cannot look up {kind}")

    async def payment_news(self, request: LookupRequest) -> list[ProviderEvent]:
        """The PaymentIntent and its refunds as news (:func:`adapters.stripe.refund_news.payment_news`)."""
        if not _is_id(request.provider_reference, "pi_"):
            return []
        return await refund_news.payment_news(str(request.provider_reference), self._get)

    @staticmethod
    def _lookup_failed(outcome: Outcome) -> Outcome:
        """A lookup that itself failed proves nothing about the operation."""
        if outcome.status is OutcomeStatus.FAILED:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason=f"lookup refused: {outcome.failure.message if outcome.failure else ''}",
                summary=outcome.summary,
            )
        if outcome.status is OutcomeStatus.RETRY:
            return msgspec.structs.replace(outcome, status=OutcomeStatus.UNKNOWN)
        return outcome

    async def _lookup_payment(self, request: LookupRequest) -> Outcome:
        if _is_id(request.provider_reference, "pi_"):
            pi = await self._pi_call(await self._get(f"/v1/payment_intents/{request.provider_reference}"))
            if isinstance(pi, Outcome):
                return self._lookup_failed(pi)
            return m.payment_intent_outcome(pi)
        # no id: Search (eventually consistent, about a minute behind) by our metadata
        query = f"metadata['{MD_OPERATION}']:'{request.operation_id}'"
        result = await self._get("/v1/payment_intents/search", [("query", query), ("limit", "10")])
        if isinstance(result, Outcome):
            return self._lookup_failed(result)
        if not result.is_success:
            return self._lookup_failed(self.error_outcome(result))
        found = self._decode(result, m.SearchResult)
        if isinstance(found, Outcome):
            return found
        if not found.data:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                reason="no PaymentIntent found by metadata yet (Stripe search is eventually consistent)",
            )
        return m.payment_intent_outcome(found.data[0])

    async def _lookup_refund(self, request: LookupRequest) -> Outcome:
        if _is_id(request.operation_reference, "re_"):
            result = await self._get(f"/v1/refunds/{request.operation_reference}")
            if isinstance(result, Outcome):
                return self._lookup_failed(result)
            if not result.is_success:
                return self._lookup_failed(self.error_outcome(result))
            refund = self._decode(result, m.Refund)
            return refund if isinstance(refund, Outcome) else m.refund_outcome(refund)
        if not request.provider_reference:
            return Outcome(status=OutcomeStatus.UNKNOWN, reason="no PaymentIntent id to list refunds of")
        starting_after: str | None = None
        for _ in range(20):  # 2000 refunds on one payment is plenty
            query = [("payment_intent", request.provider_reference), ("limit", "100")]
            if starting_after:
                query.append(("starting_after", starting_after))
            result = await self._get("/v1/refunds", query)
            if isinstance(result, Outcome):
                return self._lookup_failed(result)
            if not result.is_success:
                return self._lookup_failed(self.error_outcome(result))
            page = self._decode(result, m.RefundList)
            if isinstance(page, Outcome):
                return page
            for refund in page.data:
                md = refund.metadata
                if (request.refund_id and md.get(MD_REFUND) == request.refund_id) or (
                    md.get(MD_OPERATION) == request.operation_id
                ):
                    return m.refund_outcome(refund)
            if not page.has_more or not page.data:
                break
            starting_after = page.data[-1].id
        if request.created_at is not None:
            age = time.time() - request.created_at.timestamp()
            if age > REFUND_LOOKUP_GRACE_SECONDS:
                return Outcome(
                    status=OutcomeStatus.FAILED,
                    provider_reference=request.provider_reference,
                    failure=Failure(
                        code=FailureCode.PROVIDER_ERROR,
                        message="Stripe has no refund for this operation: the request never took effect",
                        provider_code="refund_not_found",
                    ),
                )
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=request.provider_reference,
            reason="no refund with this payhub_refund_id on the PaymentIntent (yet)",
        )

    async def _lookup_payout(self, request: LookupRequest) -> Outcome:
        ref = request.operation_reference or request.provider_reference
        if _is_id(ref, "po_"):
            result = await self._get(f"/v1/payouts/{ref}")
            if isinstance(result, Outcome):
                return self._lookup_failed(result)
            if not result.is_success:
                return self._lookup_failed(self.error_outcome(result))
            payout = self._decode(result, m.Payout)
            return payout if isinstance(payout, Outcome) else m.payout_outcome(payout)
        # no id: list recent payouts (consistent) and match our metadata
        query: list[tuple[str, str]] = [("limit", "100")]
        if request.created_at is not None:
            query.append(("created[gte]", str(int(request.created_at.timestamp()) - 300)))
        result = await self._get("/v1/payouts", query)
        if isinstance(result, Outcome):
            return self._lookup_failed(result)
        if not result.is_success:
            return self._lookup_failed(self.error_outcome(result))
        page = self._decode(result, m.PayoutList)
        if isinstance(page, Outcome):
            return page
        for payout in page.data:
            if payout.metadata.get(MD_OPERATION) == request.operation_id or (
                payout.metadata.get(MD_PAYOUT) == request.payment_id
            ):
                return m.payout_outcome(payout)
        return Outcome(status=OutcomeStatus.UNKNOWN, reason="no payout with this payhub_payout_id (yet)")

    # ------------------------------------------------------------------ webhooks

    def _webhook_secrets(self) -> list[str]:
        creds = self.account.credentials
        return [s for s in (creds.get("webhook_secret"), creds.get("webhook_secret_previous")) if s]

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        return parse_events(headers, body, self._webhook_secrets())

    async def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        """:meth:`parse_webhook`, with each refund of a ``charge.refunded`` as its own news
        (:mod:`adapters.stripe.refund_news`): a dashboard refund names no hub id."""
        return await refund_news.expand(body, self.parse_webhook(headers, body), self._get)
