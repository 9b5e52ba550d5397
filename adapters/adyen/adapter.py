"""The Adyen adapter (Checkout API v71, standard HMAC-signed webhooks).

Credentials: ``api_key`` (X-API-Key), ``merchant_account``, ``hmac_key`` (hex,
from the webhook configuration), optional ``hmac_key_previous`` (accepted as
well while a key is being rotated) and ``live_url_prefix`` (see
:mod:`adapters.adyen.flows`). Settings (optional, non-secret): ``return_url``
(used when a payment carries none), ``browser_info`` (a ``browserInfo`` object
sent with every authorisation), ``live_url_prefix``. Reconciliation (optional): credentials
``report_username`` / ``report_password`` (the report user), settings ``report_base_url`` and
``report_batch_start`` (see :mod:`adapters.adyen.settlement`).

Outcomes:

* ``Authorised`` -> SUCCEEDED (``captured`` when the hub asked for capture: the
  request then sets ``captureDelayHours: 0``; a manual-capture request sets
  ``additionalData.manualCapture = "true"``);
* ``Refused`` / ``Cancelled`` -> FAILED with the refusal reason mapped;
  ``Error`` -> FAILED provider_error (Adyen documents it as final, not
  authorised); ``RedirectShopper`` / ``IdentifyShopper`` / ``ChallengeShopper``
  -> REQUIRES_ACTION; ``Pending`` / ``Received`` -> PENDING;
* captures, cancels and refunds answer ``received`` -> PENDING until the
  CAPTURE / CANCELLATION / REFUND webhook.

Adyen's Checkout API has no payment retrieval, so LOOKUP is not offered:
ambiguous operations are resolved by replay (same Idempotency-Key: Adyen
returns the stored first answer) and by webhook. Payouts are not implemented.
"""

from __future__ import annotations

import binascii
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any

import httpx
import msgspec

from adapters.adyen import disputes, flows, settlement
from adapters.adyen import mapping as m
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
    NextAction,
    OperationKind,
    Outcome,
    OutcomeStatus,
    ProviderEvent,
    RefundRequest,
    Strategy,
    VoidRequest,
    WebhookAck,
    WebhookFormatError,
    WebhookVerificationError,
)
from adapters.classify import send
from adapters.disputes import DisputeNews, DisputeRequest
from adapters.settlement import SettlementPage, SettlementRequest
from webhooks import adyen as adyen_hmac
from webhooks.errors import MalformedPayload, SignatureError

#: used as ``returnUrl`` when neither the payment nor the account gives one and
#: no 3DS is wanted (Adyen requires the field; it is only visited on a redirect)
FALLBACK_RETURN_URL = "https://payhub.invalid/adyen/return"

# Adyen metadata limits (Checkout API): 20 pairs, key <= 20, value <= 80 chars
_META_MAX_PAIRS, _META_MAX_KEY, _META_MAX_VALUE = 20, 20, 80
_REFERENCE_MAX = 80


class AdyenAdapter(Adapter):
    name = "adyen"
    capabilities = Capabilities(
        features=frozenset(
            {
                Capability.AUTHORIZE,
                Capability.CAPTURE,
                Capability.PARTIAL_CAPTURE,
                Capability.MULTIPLE_CAPTURES,  # needs "multiple partial captures" enabled on the account
                Capability.VOID,
                Capability.REFUND,
                Capability.PARTIAL_REFUND,
                Capability.MULTIPLE_REFUNDS,
                Capability.THREE_DS,
                Capability.RAW_CARD,
                Capability.PROVIDER_TOKEN,
                Capability.WEBHOOKS,
                Capability.DISPUTES,  # dispute notifications (adapters.adyen.disputes)
                Capability.DISPUTE_ACCEPT,  # Disputes API acceptDispute; evidence: not supported
                Capability.RECONCILIATION,  # Settlement details report CSV (adapters.adyen.settlement)
            }
        ),
        currencies=None,
        resolution={
            OperationKind.AUTHORIZE: (Strategy.REPLAY, Strategy.WEBHOOK),
            OperationKind.AUTHENTICATE: (Strategy.REPLAY, Strategy.WEBHOOK),
            OperationKind.CAPTURE: (Strategy.WEBHOOK, Strategy.REPLAY),
            OperationKind.VOID: (Strategy.WEBHOOK, Strategy.REPLAY),
            OperationKind.REFUND: (Strategy.WEBHOOK, Strategy.REPLAY),
        },
        required_credentials=("api_key", "merchant_account", "hmac_key"),
        optional_credentials=("hmac_key_previous", "live_url_prefix", "report_username", "report_password"),
        # Adyen keeps idempotency keys for at least 7 days (docs: API idempotency)
        idempotency_window=7 * 86400.0,
    )

    # ------------------------------------------------------------------ configuration

    @classmethod
    def validate_account(cls, account: Account) -> list[str]:
        problems = super().validate_account(account)
        for key in ("hmac_key", "hmac_key_previous"):
            value = account.credentials.get(key)
            if value:
                try:
                    if not binascii.unhexlify(value.strip()):
                        raise ValueError
                except (binascii.Error, ValueError):
                    problems.append(f"credentials.{key} must be the hexadecimal HMAC key from Adyen")
        try:
            flows.api_root(account)
        except InvalidRequest as exc:
            problems.append(f"settings.live_url_prefix: {exc}")
        browser = account.settings.get("browser_info")
        if browser is not None and not isinstance(browser, Mapping):
            problems.append("settings.browser_info must be a table (Adyen browserInfo)")
        problems.extend(settlement.problems(account))
        return problems

    @property
    def merchant_account(self) -> str:
        return self.account.credentials.get("merchant_account", "")

    # ------------------------------------------------------------------ operations

    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        body = self.payment_request(request)
        reply = await flows.post(
            self.client, self.account, flows.payments_url(self.account), body, request.idempotency_key
        )
        return self._payment_outcome(reply, request.amount, capture=request.capture)

    async def authenticate(self, request: AuthenticateRequest) -> Outcome:
        details = {k: v for k, v in request.params.items() if k in m.DETAILS_KEYS and v}
        if not details:
            raise InvalidRequest(
                "params must carry what Adyen appended to the return URL "
                "(redirectResult, threeDSResult, ...)",
                field="params",
            )
        body = m.PaymentDetailsRequest(details=details)
        reply = await flows.post(
            self.client, self.account, flows.details_url(self.account), body, request.idempotency_key
        )
        outcome = self._payment_outcome(reply, request.amount, capture=request.capture)
        if outcome.provider_reference is None and request.provider_reference:
            outcome.provider_reference = request.provider_reference
        return outcome

    async def capture(self, request: CaptureRequest) -> Outcome:
        body = m.ModificationRequest(
            merchant_account=self.merchant_account,
            reference=request.payment_id,
            amount=self._amount(request.amount, request.currency),
        )
        target = flows.modification_url(self.account, request.provider_reference, "captures")
        reply = await flows.post(self.client, self.account, target, body, request.idempotency_key)
        return self._modification_outcome(reply, request.provider_reference, request.amount, "capture")

    async def void(self, request: VoidRequest) -> Outcome:
        body = m.ModificationRequest(merchant_account=self.merchant_account, reference=request.payment_id)
        target = flows.modification_url(self.account, request.provider_reference, "cancels")
        reply = await flows.post(self.client, self.account, target, body, request.idempotency_key)
        return self._modification_outcome(reply, request.provider_reference, None, "cancel")

    async def refund(self, request: RefundRequest) -> Outcome:
        body = m.ModificationRequest(
            merchant_account=self.merchant_account,
            reference=request.refund_id,
            amount=self._amount(request.amount, request.currency),
        )
        target = flows.modification_url(self.account, request.provider_reference, "refunds")
        reply = await flows.post(self.client, self.account, target, body, request.idempotency_key)
        return self._modification_outcome(reply, request.provider_reference, request.amount, "refund")

    # ------------------------------------------------------------------ reconciliation

    async def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        """The Settlement details report, batch after batch (see adapters.adyen.settlement)."""
        async for page in settlement.read_lines(self.client, self.account, request):
            yield page

    # ------------------------------------------------------------------ request building

    def _amount(self, amount: int, currency: str) -> m.Amount:
        return m.Amount(value=m.to_adyen_value(amount, currency), currency=currency)

    def payment_request(self, request: AuthorizeRequest) -> m.PaymentRequest:
        """The ``/payments`` body for ``request`` (public for tests and docs)."""
        if len(request.payment_id) > _REFERENCE_MAX:
            raise InvalidRequest(
                "payment id is longer than Adyen's 80-character reference", field="payment_id"
            )
        metadata = dict(request.metadata)
        if len(metadata) > _META_MAX_PAIRS:
            raise InvalidRequest(
                f"Adyen accepts at most {_META_MAX_PAIRS} metadata entries", field="metadata"
            )
        for key, value in metadata.items():
            if len(key) > _META_MAX_KEY or len(value) > _META_MAX_VALUE:
                raise InvalidRequest(
                    f"metadata {key!r}: Adyen takes keys up to {_META_MAX_KEY} and values up to "
                    f"{_META_MAX_VALUE} characters",
                    field="metadata",
                )

        pm = request.payment_method
        payment_method: m.SchemeCard | m.StoredCard
        shopper_interaction = "Ecommerce"
        recurring_model: str | None = None
        shopper_reference: str | None = None
        if pm.type == "card" and pm.card is not None:
            card = pm.card
            number = "".join(card.number.split())
            if not number.isdigit():
                raise InvalidRequest("card number must be digits", field="payment_method.card.number")
            year = card.exp_year + 2000 if card.exp_year < 100 else card.exp_year
            payment_method = m.SchemeCard(
                type="scheme",
                number=number,
                expiry_month=f"{card.exp_month:02d}",
                expiry_year=f"{year:04d}",
                cvc=card.cvc or None,
                holder_name=card.holder_name or None,
            )
        elif pm.type == "provider_token" and pm.token:
            shopper_reference = metadata.get("shopper_reference") or metadata.get("shopperReference")
            if not shopper_reference:
                raise InvalidRequest(
                    "an Adyen storedPaymentMethodId needs the shopperReference it was stored for: "
                    "put it in metadata.shopper_reference",
                    field="metadata.shopper_reference",
                )
            payment_method = m.StoredCard(type="scheme", stored_payment_method_id=pm.token)
            shopper_interaction = "ContAuth"
            recurring_model = "CardOnFile"
        else:
            raise InvalidRequest(
                f"payment method type {pm.type!r} is not supported by Adyen (card or provider_token)",
                field="payment_method",
            )

        three_ds = request.three_ds
        mode = three_ds.mode if three_ds is not None else "if_required"
        return_url = (three_ds.return_url if three_ds else None) or self.account.settings.get("return_url")
        if not return_url:
            if mode == "always":
                raise InvalidRequest("three_ds.return_url is required for 3DS", field="three_ds.return_url")
            return_url = FALLBACK_RETURN_URL
        auth = m.AuthenticationData(
            attempt_authentication={"always": "always", "never": "never"}.get(mode),
            # redirect flow: the shopper is sent to Adyen's page and back to returnUrl
            three_d_s_request_data=m.ThreeDSRequestData(native_three_d_s="disabled"),
        )

        additional: dict[str, str] | None = None
        capture_delay: int | None = None
        if request.capture:
            capture_delay = 0  # capture immediately, whatever the account default
        else:
            additional = {"manualCapture": "true"}

        browser = flows.settings_mapping(self.account, "browser_info")
        return m.PaymentRequest(
            amount=self._amount(request.amount, request.currency),
            reference=request.payment_id,
            merchant_account=self.merchant_account,
            payment_method=payment_method,
            return_url=str(return_url),
            channel="Web",
            shopper_interaction=shopper_interaction,
            recurring_processing_model=recurring_model,
            shopper_reference=shopper_reference,
            merchant_order_reference=request.reference,
            capture_delay_hours=capture_delay,
            additional_data=additional,
            authentication_data=auth,
            browser_info=dict(browser) if browser else None,
            metadata=metadata or None,
        )

    # ------------------------------------------------------------------ reply mapping

    def _payment_outcome(self, reply: httpx.Response | Outcome, amount: int, *, capture: bool) -> Outcome:
        if isinstance(reply, Outcome):
            return reply
        error = flows.error_outcome(reply)
        if error is not None:
            return error
        decoded = flows.decode_payment(reply)
        if isinstance(decoded, Outcome):
            return decoded
        return payment_outcome(decoded, amount, capture=capture, http_status=reply.status_code)

    def _modification_outcome(
        self, reply: httpx.Response | Outcome, payment_psp: str, amount: int | None, what: str
    ) -> Outcome:
        if isinstance(reply, Outcome):
            return reply
        error = flows.error_outcome(reply)
        if error is not None:
            return error
        decoded = flows.decode_modification(reply)
        if isinstance(decoded, Outcome):
            return decoded
        summary = {
            "http_status": reply.status_code,
            "status": decoded.status,
            "psp_reference": decoded.pspReference,
        }
        provider_reference = decoded.paymentPspReference or payment_psp
        if decoded.status.lower() == "received":
            return Outcome(
                status=OutcomeStatus.PENDING,
                provider_reference=provider_reference,
                operation_reference=decoded.pspReference,
                amount=amount,
                reason=f"Adyen received the {what}; the outcome comes by webhook",
                summary=summary,
            )
        return Outcome(
            status=OutcomeStatus.UNKNOWN,
            provider_reference=provider_reference,
            operation_reference=decoded.pspReference,
            reason=f"unexpected {what} status {decoded.status!r}",
            summary=summary,
        )

    # ------------------------------------------------------------------ webhooks

    def _hmac_keys(self) -> list[str]:
        creds = self.account.credentials
        return [k for k in (creds.get("hmac_key"), creds.get("hmac_key_previous")) if k]

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        keys = self._hmac_keys()
        if not keys:
            raise WebhookVerificationError("no Adyen HMAC key configured for this account")
        try:
            items = adyen_hmac.verify_notification(body, keys)
        except MalformedPayload as exc:
            raise WebhookFormatError(str(exc)) from exc
        except SignatureError as exc:
            raise WebhookVerificationError(str(exc)) from exc
        except ValueError as exc:  # unusable key configuration
            raise WebhookVerificationError(f"Adyen HMAC key unusable: {exc}") from exc
        events: list[ProviderEvent] = []
        for index, raw in enumerate(items):
            try:
                item = msgspec.convert(raw, type=m.NotificationItem)
            except msgspec.ValidationError as exc:
                raise WebhookFormatError(f"notificationItems[{index}]: {exc}") from exc
            events.append(self.event_for(item))
        return events

    def event_for(self, item: m.NotificationItem) -> ProviderEvent:
        return notification_event(item, merchant_account=self.merchant_account)

    def webhook_ack(self, events: list[ProviderEvent]) -> WebhookAck:
        return WebhookAck(status_code=200, content_type="text/plain", body=b"[accepted]")

    # ------------------------------------------------------------------ disputes

    async def accept_dispute(self, request: DisputeRequest) -> DisputeNews:
        url = disputes.disputes_url(self.account, flows.live_url_prefix(self.account) is not None)
        body = {"disputePspReference": request.provider_reference, "merchantAccountCode": self.merchant_account}
        reply = await send(
            self.client,
            "POST",
            f"{url}/acceptDispute",
            content=msgspec.json.encode(body),
            headers={"X-API-Key": self.account.credentials.get("api_key", ""), "Content-Type": "application/json"},
        )
        return disputes.accept_reply(reply, request.provider_reference)


# --------------------------------------------------------------------------- pure mapping


def next_action(action: m.Action | None) -> NextAction | None:
    if action is None:
        return None
    if action.type == "redirect" and action.url:
        data = {k: str(v) for k, v in action.data.items()} if action.data else None
        return NextAction(type="redirect", url=action.url, method=(action.method or "GET").upper(), data=data)
    if action.type == "threeDS2":
        fields = {
            "subtype": action.subtype,
            "token": action.token,
            "authorisationToken": action.authorisationToken,
            "paymentMethodType": action.paymentMethodType,
            "paymentData": action.paymentData,
        }
        return NextAction(
            type="three_ds_challenge", url=action.url, data={k: v for k, v in fields.items() if v}
        )
    if action.url:
        return NextAction(type="redirect", url=action.url, method=(action.method or "GET").upper())
    return None


def payment_outcome(
    reply: m.PaymentResponse, amount: int, *, capture: bool, http_status: int | None = None
) -> Outcome:
    """Map a ``/payments`` or ``/payments/details`` answer."""
    code = reply.resultCode
    refusal_code = m.normalise_refusal_code(reply.refusalReasonCode)
    summary: dict[str, Any] = {"result_code": code, "psp_reference": reply.pspReference}
    if http_status is not None:
        summary["http_status"] = http_status
    if refusal_code:
        summary["refusal_reason_code"] = refusal_code
    if reply.refusalReason:
        summary["refusal_reason"] = reply.refusalReason
    psp = reply.pspReference

    if code in m.SUCCEEDED_CODES:
        if not psp:
            return Outcome(
                status=OutcomeStatus.UNKNOWN, reason="Authorised without a pspReference", summary=summary
            )
        return Outcome(
            status=OutcomeStatus.SUCCEEDED,
            provider_reference=psp,
            amount=amount,
            captured=capture,
            summary=summary,
        )
    if code in m.ACTION_CODES:
        action = next_action(reply.action)
        if action is None:
            return Outcome(
                status=OutcomeStatus.UNKNOWN,
                provider_reference=psp,
                reason=f"{code} without a usable action",
                summary=summary,
            )
        summary["action_type"] = reply.action.type if reply.action else None
        return Outcome(
            status=OutcomeStatus.REQUIRES_ACTION, provider_reference=psp, next_action=action, summary=summary
        )
    if code in m.PENDING_CODES:
        return Outcome(
            status=OutcomeStatus.PENDING,
            provider_reference=psp,
            reason=f"Adyen resultCode {code}: the final result comes by webhook",
            summary=summary,
        )
    if code in m.FAILED_CODES:
        family, decline = m.decline_for(code, refusal_code, reply.refusalReason)
        return Outcome(
            status=OutcomeStatus.FAILED,
            provider_reference=psp,
            failure=Failure(
                code=family.value,
                decline_code=decline.value,
                message=reply.refusalReason or code,
                provider_code=refusal_code or code,
            ),
            summary=summary,
        )
    # PartiallyAuthorised (never requested), AuthenticationFinished/NotRequired
    # (standalone 3DS, never requested), or a code Adyen adds later.
    return Outcome(
        status=OutcomeStatus.UNKNOWN,
        provider_reference=psp,
        reason=f"unexpected Adyen resultCode {code!r}",
        summary=summary,
    )


def event_id_for(item: m.NotificationItem) -> str:
    """Adyen sends no event id: (eventCode, originalReference, pspReference, success)
    identifies a notification, and Adyen's retries of it map to the same id."""
    success = "true" if item.succeeded else "false"
    suffix = ":recaptured" if recaptured(item) else ""  # may repeat the first CAPTURE's references
    return f"{item.eventCode}:{item.originalReference or '-'}:{item.pspReference}:{success}{suffix}"


def recaptured(item: m.NotificationItem) -> bool:
    """A CAPTURE that follows a CAPTURE_FAILED: Adyen re-captured ("Transaction Recaptured",
    "Transaction Auto-recaptured"), so the capture succeeded after all."""
    return item.eventCode == "CAPTURE" and item.succeeded and "recaptured" in (item.reason or "").lower()


def _occurred_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _amount_of(item: m.NotificationItem) -> int | None:
    if item.amount is None or item.amount.value is None or not item.amount.currency:
        return None
    return m.from_adyen_value(item.amount.value, item.amount.currency)


_MODIFICATION_KIND: dict[str, OperationKind] = {
    "CAPTURE": OperationKind.CAPTURE,
    "CAPTURE_FAILED": OperationKind.CAPTURE,
    "REFUND": OperationKind.REFUND,
    "REFUND_WITH_DATA": OperationKind.REFUND,
    "REFUND_FAILED": OperationKind.REFUND,
    "REFUNDED_REVERSED": OperationKind.REFUND,
    "CANCELLATION": OperationKind.VOID,
    "TECHNICAL_CANCEL": OperationKind.VOID,
}
# events that report a failure whatever their ``success`` says
_ALWAYS_FAILED = {
    "CAPTURE_FAILED": "the capture failed after it was sent to the scheme",
    "REFUND_FAILED": "the refund failed after it was sent to the scheme",
    "REFUNDED_REVERSED": "the refund was reversed by the card scheme / bank",
}


def notification_event(item: m.NotificationItem, *, merchant_account: str | None = None) -> ProviderEvent:
    """One verified NotificationRequestItem as a ProviderEvent."""
    code = item.eventCode
    extra = item.additionalData or {}
    occurred = _occurred_at(item.eventDate)
    reference = item.merchantReference or None
    base: dict[str, Any] = {
        "event_id": event_id_for(item),
        "type": code,
        "occurred_at": occurred,
    }
    summary: dict[str, Any] = {
        "event_code": code,
        "success": item.succeeded,
        "psp_reference": item.pspReference,
    }
    if item.reason:
        summary["reason"] = item.reason

    if merchant_account and item.merchantAccountCode and item.merchantAccountCode != merchant_account:
        # signed with our key but for another merchant account: not ours to apply
        return ProviderEvent(**base, kind=None, payment_id=reference, provider_reference=item.pspReference)

    if code in ("AUTHORISATION", "OFFER_CLOSED"):
        psp = item.pspReference
        if code == "OFFER_CLOSED":
            outcome = Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=psp,
                failure=Failure(
                    code=FailureCode.AUTHENTICATION_FAILED.value,
                    message="the shopper did not complete the payment in time (offer closed)",
                    provider_code=code,
                ),
                summary=summary,
            )
        elif item.succeeded:
            ops = item.operations or []
            captured = bool(ops) and "CAPTURE" not in ops and "REFUND" in ops
            outcome = Outcome(
                status=OutcomeStatus.SUCCEEDED,
                provider_reference=psp,
                amount=_amount_of(item),
                captured=captured,
                summary=summary,
            )
        else:
            raw_code = m.normalise_refusal_code(extra.get("refusalReasonCode"))
            family, decline = m.decline_for("Refused", raw_code, item.reason)
            outcome = Outcome(
                status=OutcomeStatus.FAILED,
                provider_reference=psp,
                failure=Failure(
                    code=family.value,
                    decline_code=decline.value,
                    message=item.reason or "Refused",
                    provider_code=raw_code or m.refusal_code_for(item.reason) or item.reason or code,
                ),
                summary=summary,
            )
        return ProviderEvent(
            **base,
            kind=OperationKind.AUTHORIZE,
            outcome=outcome,
            payment_id=reference,
            provider_reference=psp,
        )

    if code in disputes.DISPUTE_CODES:  # adapters.adyen.disputes
        return disputes.event_of(base, item)

    kind = _MODIFICATION_KIND.get(code)
    if code == "CANCEL_OR_REFUND":
        action = str(extra.get("modification.action", "")).lower()
        kind = {"cancel": OperationKind.VOID, "refund": OperationKind.REFUND}.get(action)
    if kind is None:
        return ProviderEvent(
            **base,
            kind=None,
            payment_id=reference,
            provider_reference=item.originalReference or item.pspReference,
        )

    payment_psp = item.originalReference or None
    failed_reason = _ALWAYS_FAILED.get(code)
    if failed_reason is None and item.succeeded:
        outcome = Outcome(
            status=OutcomeStatus.SUCCEEDED,
            provider_reference=payment_psp,
            operation_reference=item.pspReference,
            amount=_amount_of(item) if kind is not OperationKind.VOID else None,
            currency=item.amount.currency.upper() if item.amount and item.amount.currency else None,
            summary=summary,
            supersedes=recaptured(item),
        )
    else:
        outcome = Outcome(
            status=OutcomeStatus.FAILED,
            provider_reference=payment_psp,
            operation_reference=item.pspReference,
            failure=Failure(
                code=FailureCode.PROVIDER_ERROR.value,
                message=item.reason or failed_reason or f"{code} was not successful",
                provider_code=code,
            ),
            summary=summary,
            supersedes=failed_reason is not None,
        )
    refund_id = (
        reference if kind is OperationKind.REFUND and reference and reference.startswith("re_") else None
    )
    payment_id = None if refund_id else reference
    return ProviderEvent(
        **base,
        kind=kind,
        outcome=outcome,
        payment_id=payment_id,
        provider_reference=payment_psp,
        operation_reference=item.pspReference,
        refund_id=refund_id,
    )
