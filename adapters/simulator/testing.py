"""Test helpers for the simulator adapter: hub-side request builders (fresh operation ids and keys).

Used by tests/adapters/simulator and handy for any test that drives :class:`SimulatorAdapter`
directly. Imports only ``adapters.base``.
"""

from __future__ import annotations

import secrets

from adapters.base import (
    AuthenticateRequest,
    AuthorizeRequest,
    BankAccount,
    CaptureRequest,
    Card,
    LookupRequest,
    OperationKind,
    PaymentMethod,
    PayoutRequest,
    RefundRequest,
    ThreeDS,
    VoidRequest,
)

API_KEY = "sk_sim_unit"
RETURN_URL = "https://shop.example/return?order=1001"


class Build:
    """Request builders; every operation gets a fresh operation id and provider key."""

    @staticmethod
    def op() -> tuple[str, str]:
        op_id = "op_" + secrets.token_hex(8)
        return op_id, "idem_" + op_id

    @staticmethod
    def card(number: str = "4242424242424242") -> PaymentMethod:
        return PaymentMethod(
            type="card", card=Card(number=number, exp_month=12, exp_year=2034, cvc="123", holder_name="Ada L")
        )

    def authorize(
        self,
        number: str = "4242424242424242",
        *,
        amount: int = 1000,
        capture: bool = False,
        payment_id: str | None = None,
        three_ds: ThreeDS | None = None,
        payment_method: PaymentMethod | None = None,
        currency: str = "EUR",
    ) -> AuthorizeRequest:
        op_id, key = self.op()
        return AuthorizeRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id=payment_id or "pay_" + secrets.token_hex(8),
            amount=amount,
            currency=currency,
            capture=capture,
            payment_method=payment_method or self.card(number),
            three_ds=three_ds,
            reference="order-1001",
            metadata={"cart": "c-77"},
        )

    def authenticate(
        self,
        auth: AuthorizeRequest,
        provider_reference: str | None,
        params: dict[str, str],
        *,
        capture: bool = False,
    ) -> AuthenticateRequest:
        op_id, key = self.op()
        return AuthenticateRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id=auth.payment_id,
            amount=auth.amount,
            currency=auth.currency,
            provider_reference=provider_reference,
            params=params,
            capture=capture,
        )

    def capture(self, auth: AuthorizeRequest, ref: str, amount: int, *, final: bool = True) -> CaptureRequest:
        op_id, key = self.op()
        return CaptureRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id=auth.payment_id,
            amount=amount,
            currency=auth.currency,
            provider_reference=ref,
            final=final,
        )

    def void(self, auth: AuthorizeRequest, ref: str) -> VoidRequest:
        op_id, key = self.op()
        return VoidRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id=auth.payment_id,
            amount=auth.amount,
            currency=auth.currency,
            provider_reference=ref,
        )

    def refund(self, auth: AuthorizeRequest, ref: str, amount: int) -> RefundRequest:
        op_id, key = self.op()
        return RefundRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id=auth.payment_id,
            amount=amount,
            currency=auth.currency,
            provider_reference=ref,
            refund_id="re_" + secrets.token_hex(8),
        )

    def payout(self, iban: str, *, amount: int = 2500, card: Card | None = None) -> PayoutRequest:
        op_id, key = self.op()
        bank = None if card else BankAccount(iban=iban, bic="COBADEFFXXX", name="Ada Lovelace", country="DE")
        return PayoutRequest(
            operation_id=op_id,
            idempotency_key=key,
            payment_id="po_" + secrets.token_hex(8),
            amount=amount,
            currency="EUR",
            bank_account=bank,
            card=card,
            reference="payout-7",
        )

    @staticmethod
    def lookup(
        original: AuthorizeRequest
        | CaptureRequest
        | VoidRequest
        | RefundRequest
        | PayoutRequest
        | AuthenticateRequest,
        kind: OperationKind,
        *,
        provider_reference: str | None = None,
        operation_reference: str | None = None,
    ) -> LookupRequest:
        return LookupRequest(
            operation_id=original.operation_id,
            idempotency_key=original.idempotency_key,
            payment_id=original.payment_id,
            amount=original.amount,
            currency=original.currency,
            kind=kind,
            provider_reference=provider_reference,
            operation_reference=operation_reference,
        )
