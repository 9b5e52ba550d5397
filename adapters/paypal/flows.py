"""The PayPal adapter (Orders v2 with card payment sources, Payments v2, webhooks).

Which call does what (every POST carries ``PayPal-Request-Id`` derived from the operation's
idempotency key, one suffix per step):

=============  ==================================================================
authorize      1. POST /v2/checkout/orders (intent AUTHORIZE|CAPTURE, no payment source)
               2. POST /v2/checkout/orders/{id}/confirm-payment-source (the card)
               3. POST /v2/checkout/orders/{id}/authorize | /capture (empty body)
authenticate   GET /v2/checkout/orders/{id}, then step 3 if 3DS succeeded
capture        POST /v2/payments/authorizations/{auth}/capture (amount, final_capture)
void           POST /v2/payments/authorizations/{auth}/void
refund         POST /v2/payments/captures/{capture}/refund (amount, custom_id)
lookup         GET /v2/checkout/orders/{id} (see :mod:`adapters.paypal.lookup`)
=============  ==================================================================

The payment's ``provider_reference`` is the order id; authorizations and captures are
found on the order (one GET) before they are captured, voided or refunded.

Card data and replays (DESIGN §11). The card, with its security code, travels only in
step 2, ``confirm-payment-source``, which moves no money: it attaches the card to the
order (APPROVED), or asks for 3DS (PAYER_ACTION_REQUIRED with a ``payer-action`` link).
The money-moving step 3 carries no card data at all, only the order id in its path, so it
can be replayed byte for byte. A replay of the whole authorization re-sends step 1 with the
same PayPal-Request-Id, gets the same order back, and continues from the order's state:
an order already COMPLETED is read, not paid again; an APPROVED one gets step 3 again
(same PayPal-Request-Id); an order can be authorized or captured only once in any case.
Replays are offered only inside PayPal's 6-hour PayPal-Request-Id window (after it, step 1
would create a second order); lookups by order id are definite at any time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

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
    ProviderEvent,
    RefundRequest,
    Strategy,
    VoidRequest,
    WebhookVerificationError,
)
from adapters.paypal import bodies
from adapters.paypal import declines as d
from adapters.paypal import mapping as m
from adapters.paypal.auth import TokenCache
from adapters.paypal.calls import PayPalCalls, error_body, issue_of, request_id, safe_id
from adapters.paypal.lookup import Lookups
from adapters.paypal.webhook import verify_and_parse

# authentication statuses (pares_status) that are a failed or refused 3DS
_3DS_FAILED = frozenset({"N", "R"})


class PayPalAdapter(Adapter):
    name: ClassVar[str] = "paypal"
    capabilities: ClassVar[Capabilities] = Capabilities(
        features=frozenset(
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
                Capability.LOOKUP,
                Capability.WEBHOOKS,
            }
        ),
        currencies=m.CURRENCIES,
        resolution={
            # lookup by order id is definite; without one (step 1's reply lost) lookup asks
            # for a replay, which PayPal answers from the PayPal-Request-Id (6 h)
            OperationKind.AUTHORIZE: (Strategy.LOOKUP, Strategy.REPLAY, Strategy.WEBHOOK),
            OperationKind.AUTHENTICATE: (Strategy.LOOKUP,),
            # captures and refunds are found on the order by the hub's ids; never replayed
            # (after 6 h a replay would capture or refund again)
            OperationKind.CAPTURE: (Strategy.LOOKUP, Strategy.WEBHOOK),
            OperationKind.VOID: (Strategy.LOOKUP, Strategy.REPLAY),
            OperationKind.REFUND: (Strategy.LOOKUP, Strategy.WEBHOOK),
        },
        required_credentials=("client_id", "client_secret", "webhook_id"),
    )

    def __init__(self, account: Account, client: httpx.AsyncClient) -> None:
        super().__init__(account, client)
        self.tokens = TokenCache()
        self.calls = PayPalCalls(account, client, self.tokens)
        self.lookups = Lookups(self.calls)

    # ------------------------------------------------------------------ authorize

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        create = bodies.create_order(request)
        source = bodies.payment_source(request.payment_method, request.three_ds)
        key = request.idempotency_key
        result = await self.calls.post("/v2/checkout/orders", create, request_id(key))
        order = self.calls.decode(result, m.Order)
        if isinstance(order, Outcome):
            return order
        if isinstance(result, httpx.Response) and result.status_code == 200:
            # an idempotent repeat: PayPal answered the first request's order; read its state now
            current = await self.calls.order(order.id)
            if isinstance(current, Outcome):  # the order exists; what became of it is not known
                return _unknown(order.id, "the order's state could not be read after an idempotent repeat")
            order = current
        if order.status == "CREATED":
            path = f"/v2/checkout/orders/{safe_id(order.id, 'order')}/confirm-payment-source"
            confirmed = self.calls.decode(await self.calls.post(path, source, request_id(key, "confirm")), m.Order)
            if isinstance(confirmed, Outcome):
                return await self._after_refusal(confirmed, order.id)
            order = confirmed
        return await self._complete(order, key)

    async def _complete(self, order: m.Order, key: str) -> Outcome:
        """Step 3 for an APPROVED order; any other state is read as it is."""
        if order.status != "APPROVED":
            return m.order_outcome(order)
        action = "capture" if order.intent == "CAPTURE" else "authorize"
        path = f"/v2/checkout/orders/{safe_id(order.id, 'order')}/{action}"
        done = self.calls.decode(await self.calls.post(path, {}, request_id(key, action)), m.Order)
        if isinstance(done, Outcome):
            return await self._after_refusal(done, order.id)
        return m.order_outcome(done)

    async def _after_refusal(self, outcome: Outcome, order_id: str) -> Outcome:
        """A refused order step whose issue says the order moved on (already authorized,
        3DS needed, ...): the order itself tells what happened."""
        issue = outcome.summary.get("issue")
        if outcome.status is OutcomeStatus.FAILED and (
            issue in d.STATE_ISSUES or issue == "PAYER_ACTION_REQUIRED"
        ):
            order = await self.calls.order(order_id)
            if not isinstance(order, Outcome):
                return m.order_outcome(order)
            # "already authorized" and the like say money may have moved: never FAILED
            return _unknown(order_id, f"PayPal answered {issue}; the order could not be read")
        return _with_reference(outcome, order_id)

    # ------------------------------------------------------------------ authenticate

    async def authenticate(self, request: AuthenticateRequest) -> Outcome:
        returned = request.params.get("token")
        if returned and request.provider_reference and returned != request.provider_reference:
            raise InvalidRequest("the returned token does not belong to this payment", field="params.token")
        order_id = safe_id(returned or request.provider_reference, "params.token")
        order = await self.calls.order(order_id)
        if isinstance(order, Outcome):
            return order
        unit = m.first_unit(order)
        if unit is not None and unit.custom_id not in (None, request.payment_id):
            raise InvalidRequest("the returned order belongs to another payment", field="params.token")
        card = order.payment_source.card if order.payment_source else None
        result = card.authentication_result if card else None
        tds = result.three_d_secure if result else None
        status = tds.authentication_status if tds else None
        if order.status == "PAYER_ACTION_REQUIRED" or status in _3DS_FAILED or (
            result is not None and result.liability_shift == "UNKNOWN"
        ):
            return Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=order.id,
                failure=Failure(
                    code=FailureCode.AUTHENTICATION_FAILED,
                    decline_code="authentication_required",
                    message="3D Secure authentication was not completed successfully",
                    provider_code=f"3DS_{status}" if status else order.status,
                ),
                summary=m.order_summary(order),
            )
        return await self._complete(order, request.idempotency_key)

    # ------------------------------------------------------------------ capture / void

    async def _authorization(self, order_id: str) -> m.Authorization | Outcome:
        order = await self.calls.order(order_id)
        if isinstance(order, Outcome):
            return order
        auths = m.payments_of(order).authorizations
        if not auths:
            raise InvalidRequest(f"PayPal order {order_id} has no authorization", code="invalid_state")
        return auths[0]

    async def capture(self, request: CaptureRequest) -> Outcome:
        body = bodies.capture(request)
        auth = await self._authorization(request.provider_reference)
        if isinstance(auth, Outcome):
            return auth
        path = f"/v2/payments/authorizations/{safe_id(auth.id, 'authorization')}/capture"
        captured = self.calls.decode(await self.calls.post(path, body, request_id(request.idempotency_key)),
                                     m.Capture)
        if isinstance(captured, Outcome):
            return _with_reference(captured, request.provider_reference)
        return m.capture_outcome(captured, request.provider_reference)

    async def void(self, request: VoidRequest) -> Outcome:
        auth = await self._authorization(request.provider_reference)
        if isinstance(auth, Outcome):
            return auth
        if auth.status == "VOIDED":
            return m.void_outcome(auth, request.provider_reference)
        path = f"/v2/payments/authorizations/{safe_id(auth.id, 'authorization')}/void"
        result = await self.calls.post(path, None, request_id(request.idempotency_key))
        if isinstance(result, httpx.Response) and result.status_code == 204:
            voided = msgspec.structs.replace(auth, status="VOIDED")
            return m.void_outcome(voided, request.provider_reference)
        decoded = self.calls.decode(result, m.Authorization)
        if isinstance(decoded, Outcome):
            if isinstance(result, httpx.Response) and issue_of(error_body(result)) == "PREVIOUSLY_VOIDED":
                return m.void_outcome(msgspec.structs.replace(auth, status="VOIDED"), request.provider_reference)
            return _with_reference(decoded, request.provider_reference)
        return m.void_outcome(decoded, request.provider_reference)

    # ------------------------------------------------------------------ refund

    async def refund(self, request: RefundRequest) -> Outcome:
        body = bodies.refund(request)
        order = await self.calls.order(request.provider_reference)
        if isinstance(order, Outcome):
            return order
        capture_id = m.refundable_capture(order, request.amount)
        if capture_id is None:
            raise InvalidRequest(
                "no single PayPal capture of this payment has that much left to refund",
                code="amount_exceeds_refundable",
                field="amount",
            )
        path = f"/v2/payments/captures/{safe_id(capture_id, 'capture')}/refund"
        refunded = self.calls.decode(await self.calls.post(path, body, request_id(request.idempotency_key)),
                                     m.Refund)
        if isinstance(refunded, Outcome):
            return _with_reference(refunded, request.provider_reference)
        return m.refund_outcome(refunded, request.provider_reference)

    # ------------------------------------------------------------------ lookup / webhooks

    async def lookup(self, request: LookupRequest) -> Outcome:
        return await self.lookups.lookup(request)

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        raise WebhookVerificationError(
            "PayPal notifications are verified by an API call: use verify_webhook (async)"
        )

    async def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        return await verify_and_parse(self.calls, self.account.credentials.get("webhook_id", ""), headers, body)


def _unknown(order_id: str, reason: str) -> Outcome:
    return Outcome(status=OutcomeStatus.UNKNOWN, provider_reference=order_id, reason=reason)


def _with_reference(outcome: Outcome, order_id: str) -> Outcome:
    if outcome.provider_reference:
        return outcome
    return msgspec.structs.replace(outcome, provider_reference=order_id)
