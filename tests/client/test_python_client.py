"""The typed client (clients/python) drives the hub: pay, capture, refund; typed errors;
paging; a retry after a lost answer reuses the Idempotency-Key, so nothing happens twice."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payhub_client import IdempotencyKeyReused, InvalidRequest, InvalidState, NotFound, Payhub, payments
from payhub_client.models import (
    CaptureIn,
    ListPaymentsStatus,
    Payment,
    PaymentCreate,
    PaymentStatus,
    Refund,
    RefundIn,
)

from tests.conftest import ADMIN_KEY

CARD = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2031, "cvc": "123"}


def _payment(**kw: Any) -> PaymentCreate:
    return PaymentCreate.from_dict(
        {
            "amount": 1099,
            "currency": "EUR",
            "capture": "manual",
            "payment_method": {"type": "card", "card": CARD},
            **kw,
        }
    )


class LoseFirstAnswers(httpx.AsyncBaseTransport):
    """Passes each request to the hub, but loses the answer of the first ``lose`` POSTs (as a
    timeout after the request arrived would): the hub acted, the client never heard."""

    def __init__(self, inner: httpx.AsyncBaseTransport, lose: int) -> None:
        self.inner, self.lose, self.keys = inner, lose, []  # type: ignore[var-annotated]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method == "POST":
            self.keys.append(request.headers.get("idempotency-key"))
            if self.lose > 0:
                self.lose -= 1
                await response.aread()
                raise httpx.ReadTimeout("answer lost", request=request)
        return response


def _client(harness: Any, transport: httpx.AsyncBaseTransport | None = None) -> Payhub:
    inner = transport or harness.client._transport
    return Payhub("http://hub", ADMIN_KEY, transport=inner, backoff=0.0)


async def test_pay_capture_refund_through_the_client(harness: Any) -> None:
    async with _client(harness) as hub:
        payment = await hub.create_payment(_payment(reference="order-7", metadata={"cart": "c-1"}))
        assert isinstance(payment, Payment) and payment.status == PaymentStatus.AUTHORIZED
        assert payment.id.startswith("pay_") and payment.amount == 1099 and payment.reference == "order-7"
        captured = await hub.capture_payment(payment.id, CaptureIn(amount=600))
        assert captured.status == PaymentStatus.CAPTURED and captured.amount_captured == 600
        refund = await hub.refund_payment(payment.id, RefundIn(amount=100))
        assert isinstance(refund, Refund) and refund.status.value == "succeeded" and refund.amount == 100
        again = await hub.get_payment(payment.id)
        assert again.amount_refunded == 100 and again.created_at.tzinfo is not None


async def test_problems_are_typed_exceptions(harness: Any) -> None:
    async with _client(harness) as hub:
        payment = await hub.create_payment(_payment())
        await hub.void_payment(payment.id)
        with pytest.raises(InvalidState) as caught:
            await hub.capture_payment(payment.id)
        assert caught.value.status == 409 and caught.value.code == "invalid_state"
        with pytest.raises(NotFound):
            await hub.get_payment("pay_nope")
        with pytest.raises(InvalidRequest) as bad:
            await hub.create_payment(_payment(currency="XXX"))
        assert bad.value.status in (400, 422) and bad.value.code
        await hub.create_payment(_payment(), idempotency_key="k-1")
        with pytest.raises(IdempotencyKeyReused):
            await hub.create_payment(_payment(amount=5), idempotency_key="k-1")


async def test_a_retry_after_a_lost_answer_reuses_the_key(harness: Any) -> None:
    lossy = LoseFirstAnswers(harness.client._transport, lose=2)
    async with _client(harness, lossy) as hub:
        payment = await hub.create_payment(_payment(reference="once"))
    assert len(lossy.keys) == 3 and len(set(lossy.keys)) == 1 and lossy.keys[0]
    listed = (await harness.get("/v1/payments", reference="once")).json()["data"]
    assert [p["id"] for p in listed] == [payment.id]  # one payment, one authorization


async def test_paging_walks_every_payment(harness: Any) -> None:
    async with _client(harness) as hub:
        made = {(await hub.create_payment(_payment(reference=f"page-{i}"))).id for i in range(5)}
        seen = [p.id async for p in hub.paginate(payments.list_payments, limit=2)]
        captured = await hub.create_payment(_payment(capture="automatic"))
        only = [p.id async for p in hub.list_payments(status=ListPaymentsStatus.CAPTURED, limit=1)]
    assert set(seen) == made and len(seen) == 5
    assert only == [captured.id]


async def test_operator_views_parse_into_their_models(harness: Any) -> None:
    """Admin, ledger and stats answers are typed in the document, so the client parses them into
    models with fields (they were untyped `Resource` objects before)."""
    from payhub_client._generated.api.admin import (
        create_api_key,
        get_account,
        get_operation,
        get_stats,
        list_audit_entries,
    )
    from payhub_client._generated.api.ledger import list_ledger_accounts, list_ledger_entries
    from payhub_client._generated.api.payments import list_payment_operations
    from payhub_client.models import (
        Account,
        ApiKey,
        ApiKeyIn,
        AuditRecordList,
        LedgerAccountList,
        LedgerEntryList,
        OperationDetail,
        Stats,
    )

    async with _client(harness) as hub:
        payment = await hub.create_payment(_payment(capture="automatic"))
        account = await hub.call(get_account, account_id="sandbox")
        assert isinstance(account, Account) and account.adapter == "simulator"
        assert account.capabilities is not None and "refund" in account.capabilities.features
        key = await hub.call(create_api_key, body=ApiKeyIn(role="read", name="reports"))
        assert isinstance(key, ApiKey) and isinstance(key.key, str) and key.key.startswith("phk_")
        audit = await hub.call(list_audit_entries, limit=5)
        assert isinstance(audit, AuditRecordList) and audit.data[0].action == "api_key.create"
        stats = await hub.call(get_stats)
        assert isinstance(stats, Stats) and stats.accounts[0].account == "sandbox"
        assert stats.accounts[0].operations >= 1
        operations = await hub.call(list_payment_operations, payment_id=payment.id)
        detail = await hub.call(get_operation, operation_id=operations.data[0].id)
        assert isinstance(detail, OperationDetail) and detail.attempts[0].action
        books = await hub.call(list_ledger_accounts)
        assert isinstance(books, LedgerAccountList)
        sales = next(a for a in books.data if a.name == "sales")
        assert sales.balances[0].balance == -1099
        entries = await hub.call(list_ledger_entries, resource=payment.id)
        assert isinstance(entries, LedgerEntryList) and sum(p.amount for p in entries.data[0].postings) == 0
