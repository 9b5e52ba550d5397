"""What each operation is called and answers: operationIds a client developer would choose and
the response model of its success. Keyed by (METHOD, path template as the document has it).

A route missing here still gets a complete entry (an operationId from its handler's name, a
generic object answer); tests/api/test_openapi_document.py names the ones that do.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from hub.api.openapi import admin_models as a
from hub.api.openapi import models as m


class Op(NamedTuple):
    operation_id: str
    model: type[Any]
    summary: str = ""
    #: (status, code) answers particular to this operation, beyond the generic ones (problems.py)
    problems: tuple[tuple[str, str], ...] = ()


#: a card that cannot be (hub.services.payment_methods.validate_card)
CARD_PROBLEMS = tuple(
    ("422", c) for c in ("incorrect_number", "invalid_cvc", "invalid_expiry", "expired_card")
)

#: a payment method given by token (hub.services.payment_methods.resolve)
TOKEN_PROBLEMS = (("422", "payment_method_not_found"), ("422", "payment_method_deleted"))
#: the account a payment goes to (hub.routing.plan)
ROUTING_PROBLEMS = (("422", "no_account_available"),)

CATALOG: dict[tuple[str, str], Op] = {
    ("GET", "/health"): Op("getHealth", m.Health, "Liveness"),
    ("GET", "/ready"): Op("getReadiness", m.Health, "Readiness (the database answers)"),
    # payments
    ("POST", "/v1/payments"): Op(
        "createPayment",
        m.Payment,
        "Authorize (and capture) a payment",
        (*CARD_PROBLEMS, *TOKEN_PROBLEMS, *ROUTING_PROBLEMS, ("404", "account_not_found")),
    ),
    ("GET", "/v1/payments"): Op("listPayments", m.PaymentList, "List payments"),
    ("GET", "/v1/payments/{payment_id}"): Op("getPayment", m.Payment, "Read a payment"),
    ("POST", "/v1/payments/{payment_id}/capture"): Op("capturePayment", m.Payment, "Capture all or part"),
    ("POST", "/v1/payments/{payment_id}/void"): Op("voidPayment", m.Payment, "Cancel an authorization"),
    ("POST", "/v1/payments/{payment_id}/authenticate"): Op(
        "authenticatePayment", m.Payment, "Finish 3-D Secure with what the redirect brought back"
    ),
    ("POST", "/v1/payments/{payment_id}/refunds"): Op("createRefund", m.Refund, "Refund all or part"),
    ("GET", "/v1/payments/{payment_id}/refunds"): Op("listRefunds", m.RefundList, "The refunds of a payment"),
    ("GET", "/v1/payments/{payment_id}/operations"): Op(
        "listPaymentOperations", m.OperationList, "The provider calls made for a payment"
    ),
    # payouts, payment methods, disputes
    ("POST", "/v1/payouts"): Op(
        "createPayout",
        m.Payout,
        "Send money to a bank account or card",
        (("404", "account_not_found"), *CARD_PROBLEMS, *TOKEN_PROBLEMS),
    ),
    ("GET", "/v1/payouts"): Op("listPayouts", m.PayoutList, "List payouts"),
    ("GET", "/v1/payouts/{payout_id}"): Op("getPayout", m.Payout, "Read a payout"),
    ("POST", "/v1/payment-methods"): Op(
        "createPaymentMethod", m.PaymentMethod, "Tokenize a card", CARD_PROBLEMS
    ),
    ("GET", "/v1/payment-methods/{pm_id}"): Op("getPaymentMethod", m.PaymentMethod, "Read a payment method"),
    ("DELETE", "/v1/payment-methods/{pm_id}"): Op(
        "deletePaymentMethod", m.PaymentMethod, "Delete a payment method (its card data is erased)"
    ),
    ("GET", "/v1/disputes"): Op("listDisputes", m.DisputeList, "List disputes"),
    ("GET", "/v1/disputes/{dispute_id}"): Op("getDispute", m.Dispute, "Read a dispute"),
    ("POST", "/v1/disputes/{dispute_id}/evidence"): Op(
        "submitDisputeEvidence", m.Dispute, "Submit evidence", (("422", "provider_rejected"),)
    ),
    ("POST", "/v1/disputes/{dispute_id}/accept"): Op(
        "acceptDispute", m.Dispute, "Accept a dispute", (("422", "provider_rejected"),)
    ),
    # events and outbound webhooks
    ("GET", "/v1/events"): Op("listEvents", m.EventList, "The event feed"),
    ("GET", "/v1/events/{event_id}"): Op("getEvent", m.Event, "Read an event"),
    ("POST", "/v1/webhook-endpoints"): Op(
        "createWebhookEndpoint", m.WebhookEndpoint, "Subscribe a URL (the answer carries its secret)"
    ),
    ("GET", "/v1/webhook-endpoints"): Op("listWebhookEndpoints", m.WebhookEndpointList, "List endpoints"),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}"): Op("getWebhookEndpoint", m.WebhookEndpoint, "Read one"),
    ("DELETE", "/v1/webhook-endpoints/{endpoint_id}"): Op(
        "deleteWebhookEndpoint", m.WebhookEndpoint, "Unsubscribe"
    ),
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/enable"): Op(
        "enableWebhookEndpoint", m.WebhookEndpoint, "Enable a disabled endpoint"
    ),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries"): Op(
        "listWebhookDeliveries", m.WebhookDeliveryList, "Deliveries to an endpoint"
    ),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}"): Op(
        "getWebhookDelivery", m.WebhookDelivery, "Read a delivery"
    ),
    ("GET", "/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/attempts"): Op(
        "listWebhookDeliveryAttempts", m.WebhookDeliveryAttemptList, "Every attempt of a delivery"
    ),
    ("POST", "/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/redeliver"): Op(
        "redeliverWebhookDelivery", m.WebhookDelivery, "Deliver again", (("409", "delivery_in_progress"),)
    ),
    ("POST", "/v1/webhooks/{account_id}"): Op(
        "receiveProviderWebhook", m.WebhookReceipt, "Inbound provider webhook (signed by the provider)"
    ),
    # admin
    ("POST", "/v1/admin/accounts"): Op(
        "createAccount", a.Account, "Declare a provider account", (("409", "account_exists"),)
    ),
    ("GET", "/v1/admin/accounts"): Op("listAccounts", a.AccountList, "Provider accounts"),
    ("GET", "/v1/admin/accounts/{account_id}"): Op("getAccount", a.Account, "A provider account"),
    ("POST", "/v1/admin/accounts/{account_id}/credentials"): Op(
        "rotateAccountCredentials", a.Account, "Replace an account's credentials"
    ),
    ("POST", "/v1/admin/api-keys"): Op("createApiKey", a.ApiKey, "Create an API key (shown once)"),
    ("GET", "/v1/admin/api-keys"): Op("listApiKeys", a.ApiKeyList, "API keys"),
    ("DELETE", "/v1/admin/api-keys/{key_id}"): Op("revokeApiKey", a.ApiKey, "Revoke an API key"),
    ("GET", "/v1/admin/audit"): Op("listAuditEntries", a.AuditRecordList, "The audit log"),
    ("GET", "/v1/admin/operations"): Op(
        "listOperations", m.OperationList, "Operations (e.g. needing review)"
    ),
    ("GET", "/v1/admin/operations/{operation_id}"): Op("getOperation", a.OperationDetail, "An operation"),
    ("POST", "/v1/admin/operations/{operation_id}/settle"): Op(
        "settleOperation", a.SettledOperation, "Settle an operation by hand", (("409", "operation_resolved"),)
    ),
    ("POST", "/v1/admin/routing/explain"): Op(
        "explainRouting",
        a.RoutingExplanation,
        "Which account a payment would take",
        CARD_PROBLEMS + TOKEN_PROBLEMS + ROUTING_PROBLEMS,
    ),
    ("GET", "/v1/admin/stats"): Op("getStats", a.Stats, "Counters"),
    ("GET", "/v1/ledger/accounts"): Op("listLedgerAccounts", a.LedgerAccountList, "Ledger balances"),
    ("GET", "/v1/ledger/accounts/{name}"): Op("getLedgerAccount", a.LedgerAccount, "One ledger account"),
    ("GET", "/v1/ledger/entries"): Op("listLedgerEntries", a.LedgerEntryList, "Ledger entries"),
    # reconciliation (DESIGN §14)
    ("POST", "/v1/reconciliations"): Op(
        "createReconciliation",
        m.Reconciliation,
        "Reconcile an account's window (runs in the background)",
        (("422", "unknown_account"), ("422", "reconciliation_not_supported"), ("422", "invalid_window")),
    ),
    ("GET", "/v1/reconciliations/{reconciliation_id}"): Op(
        "getReconciliation", m.Reconciliation, "Read a reconciliation run"
    ),
    ("GET", "/v1/reconciliations/{reconciliation_id}/items"): Op(
        "listReconciliationItems", m.ReconciliationItemList, "The items of a run (filter kind)"
    ),
}

#: request examples, by operationId
EXAMPLES: dict[str, dict[str, Any]] = {
    "createPayment": {
        "amount": 1099,
        "currency": "EUR",
        "capture": "manual",
        "payment_method": {"type": "card", "token": "pm_01J9Z3"},
        "three_ds": {"mode": "if_required", "return_url": "https://shop.example/return"},
        "reference": "order-1001",
        "metadata": {"cart": "c-77"},
    },
    "capturePayment": {"amount": 500, "final": False},
    "createRefund": {"amount": 300, "reason": "requested_by_customer"},
    "authenticatePayment": {"params": {"payment_intent": "pi_123"}},
    "createPaymentMethod": {
        "type": "card",
        "card": {"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    },
    "createReconciliation": {
        "account": "stripe-eu",
        "from": "2026-01-01T00:00:00Z",
        "to": "2026-01-02T00:00:00Z",
    },
    "createWebhookEndpoint": {"url": "https://shop.example/hooks/payhub", "event_types": ["payment.*"]},
}
