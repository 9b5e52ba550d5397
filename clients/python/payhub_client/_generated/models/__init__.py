"""Contains all the data models used in inputs/outputs"""

from .account import Account
from .account_capabilities import AccountCapabilities
from .account_capabilities_currencies_type_0 import AccountCapabilitiesCurrenciesType0
from .account_capabilities_resolution import AccountCapabilitiesResolution
from .account_credentials import AccountCredentials
from .account_in import AccountIn
from .account_in_credentials import AccountInCredentials
from .account_in_settings import AccountInSettings
from .account_in_timeouts import AccountInTimeouts
from .account_list import AccountList
from .account_object import AccountObject
from .account_settings import AccountSettings
from .account_source import AccountSource
from .account_stats import AccountStats
from .account_stats_by_status import AccountStatsByStatus
from .account_timeouts import AccountTimeouts
from .api_key import ApiKey
from .api_key_in import ApiKeyIn
from .api_key_list import ApiKeyList
from .api_key_object import ApiKeyObject
from .attempt import Attempt
from .attempt_outcome import AttemptOutcome
from .audit_actor import AuditActor
from .audit_record import AuditRecord
from .audit_record_after_type_0 import AuditRecordAfterType0
from .audit_record_before_type_0 import AuditRecordBeforeType0
from .audit_record_list import AuditRecordList
from .audit_record_object import AuditRecordObject
from .authenticate_in import AuthenticateIn
from .authenticate_in_params import AuthenticateInParams
from .breaker import Breaker
from .capture_in import CaptureIn
from .card_in import CardIn
from .card_summary import CardSummary
from .credentials_in import CredentialsIn
from .credentials_in_credentials import CredentialsInCredentials
from .destination_in import DestinationIn
from .destination_in_type import DestinationInType
from .dispute import Dispute
from .dispute_evidence_type_0 import DisputeEvidenceType0
from .dispute_list import DisputeList
from .dispute_object import DisputeObject
from .empty_in import EmptyIn
from .event import Event
from .event_data import EventData
from .event_data_object import EventDataObject
from .event_list import EventList
from .event_object import EventObject
from .event_stream_stats import EventStreamStats
from .evidence_in import EvidenceIn
from .failure import Failure
from .health import Health
from .latency import Latency
from .ledger_account import LedgerAccount
from .ledger_account_list import LedgerAccountList
from .ledger_account_object import LedgerAccountObject
from .ledger_balance import LedgerBalance
from .ledger_entry import LedgerEntry
from .ledger_entry_list import LedgerEntryList
from .ledger_entry_object import LedgerEntryObject
from .list_disputes_status import ListDisputesStatus
from .list_operations_status import ListOperationsStatus
from .list_payments_status import ListPaymentsStatus
from .list_payouts_status import ListPayoutsStatus
from .list_reconciliation_items_kind import ListReconciliationItemsKind
from .operation import Operation
from .operation_attempt import OperationAttempt
from .operation_attempt_detail_type_0 import OperationAttemptDetailType0
from .operation_detail import OperationDetail
from .operation_detail_object import OperationDetailObject
from .operation_list import OperationList
from .operation_object import OperationObject
from .payment import Payment
from .payment_capture import PaymentCapture
from .payment_create import PaymentCreate
from .payment_create_capture import PaymentCreateCapture
from .payment_create_metadata import PaymentCreateMetadata
from .payment_list import PaymentList
from .payment_metadata import PaymentMetadata
from .payment_method import PaymentMethod
from .payment_method_create import PaymentMethodCreate
from .payment_method_in import PaymentMethodIn
from .payment_method_in_type import PaymentMethodInType
from .payment_method_object import PaymentMethodObject
from .payment_next_action_type_0 import PaymentNextActionType0
from .payment_object import PaymentObject
from .payment_payment_method_type_0 import PaymentPaymentMethodType0
from .payment_status import PaymentStatus
from .payout import Payout
from .payout_create import PayoutCreate
from .payout_create_metadata import PayoutCreateMetadata
from .payout_destination import PayoutDestination
from .payout_list import PayoutList
from .payout_metadata import PayoutMetadata
from .payout_object import PayoutObject
from .payout_status import PayoutStatus
from .posting import Posting
from .problem import Problem
from .reconciliation import Reconciliation
from .reconciliation_in import ReconciliationIn
from .reconciliation_item import ReconciliationItem
from .reconciliation_item_kind import ReconciliationItemKind
from .reconciliation_item_list import ReconciliationItemList
from .reconciliation_item_object import ReconciliationItemObject
from .reconciliation_object import ReconciliationObject
from .reconciliation_status import ReconciliationStatus
from .reconciliation_summary import ReconciliationSummary
from .refund import Refund
from .refund_in import RefundIn
from .refund_in_metadata import RefundInMetadata
from .refund_list import RefundList
from .refund_metadata import RefundMetadata
from .refund_object import RefundObject
from .refund_status import RefundStatus
from .resolution_backlog import ResolutionBacklog
from .resource import Resource
from .resource_list import ResourceList
from .review_queue import ReviewQueue
from .routing_explanation import RoutingExplanation
from .routing_explanation_object import RoutingExplanationObject
from .routing_rule_match import RoutingRuleMatch
from .routing_rule_match_conditions import RoutingRuleMatchConditions
from .routing_skip import RoutingSkip
from .routing_stats import RoutingStats
from .routing_stats_breakers import RoutingStatsBreakers
from .settle_in import SettleIn
from .settle_in_outcome import SettleInOutcome
from .settled_operation import SettledOperation
from .settled_operation_object import SettledOperationObject
from .settled_operation_payment import SettledOperationPayment
from .settled_operation_payout import SettledOperationPayout
from .stats import Stats
from .stats_object import StatsObject
from .three_ds_in import ThreeDSIn
from .three_ds_in_mode import ThreeDSInMode
from .webhook_delivery import WebhookDelivery
from .webhook_delivery_attempt import WebhookDeliveryAttempt
from .webhook_delivery_attempt_list import WebhookDeliveryAttemptList
from .webhook_delivery_attempt_object import WebhookDeliveryAttemptObject
from .webhook_delivery_list import WebhookDeliveryList
from .webhook_delivery_object import WebhookDeliveryObject
from .webhook_endpoint import WebhookEndpoint
from .webhook_endpoint_create import WebhookEndpointCreate
from .webhook_endpoint_list import WebhookEndpointList
from .webhook_endpoint_object import WebhookEndpointObject
from .webhook_receipt import WebhookReceipt

__all__ = (
    "Account",
    "AccountCapabilities",
    "AccountCapabilitiesCurrenciesType0",
    "AccountCapabilitiesResolution",
    "AccountCredentials",
    "AccountIn",
    "AccountInCredentials",
    "AccountInSettings",
    "AccountInTimeouts",
    "AccountList",
    "AccountObject",
    "AccountSettings",
    "AccountSource",
    "AccountStats",
    "AccountStatsByStatus",
    "AccountTimeouts",
    "ApiKey",
    "ApiKeyIn",
    "ApiKeyList",
    "ApiKeyObject",
    "Attempt",
    "AttemptOutcome",
    "AuditActor",
    "AuditRecord",
    "AuditRecordAfterType0",
    "AuditRecordBeforeType0",
    "AuditRecordList",
    "AuditRecordObject",
    "AuthenticateIn",
    "AuthenticateInParams",
    "Breaker",
    "CaptureIn",
    "CardIn",
    "CardSummary",
    "CredentialsIn",
    "CredentialsInCredentials",
    "DestinationIn",
    "DestinationInType",
    "Dispute",
    "DisputeEvidenceType0",
    "DisputeList",
    "DisputeObject",
    "EmptyIn",
    "Event",
    "EventData",
    "EventDataObject",
    "EventList",
    "EventObject",
    "EventStreamStats",
    "EvidenceIn",
    "Failure",
    "Health",
    "Latency",
    "LedgerAccount",
    "LedgerAccountList",
    "LedgerAccountObject",
    "LedgerBalance",
    "LedgerEntry",
    "LedgerEntryList",
    "LedgerEntryObject",
    "ListDisputesStatus",
    "ListOperationsStatus",
    "ListPaymentsStatus",
    "ListPayoutsStatus",
    "ListReconciliationItemsKind",
    "Operation",
    "OperationAttempt",
    "OperationAttemptDetailType0",
    "OperationDetail",
    "OperationDetailObject",
    "OperationList",
    "OperationObject",
    "Payment",
    "PaymentCapture",
    "PaymentCreate",
    "PaymentCreateCapture",
    "PaymentCreateMetadata",
    "PaymentList",
    "PaymentMetadata",
    "PaymentMethod",
    "PaymentMethodCreate",
    "PaymentMethodIn",
    "PaymentMethodInType",
    "PaymentMethodObject",
    "PaymentNextActionType0",
    "PaymentObject",
    "PaymentPaymentMethodType0",
    "PaymentStatus",
    "Payout",
    "PayoutCreate",
    "PayoutCreateMetadata",
    "PayoutDestination",
    "PayoutList",
    "PayoutMetadata",
    "PayoutObject",
    "PayoutStatus",
    "Posting",
    "Problem",
    "Reconciliation",
    "ReconciliationIn",
    "ReconciliationItem",
    "ReconciliationItemKind",
    "ReconciliationItemList",
    "ReconciliationItemObject",
    "ReconciliationObject",
    "ReconciliationStatus",
    "ReconciliationSummary",
    "Refund",
    "RefundIn",
    "RefundInMetadata",
    "RefundList",
    "RefundMetadata",
    "RefundObject",
    "RefundStatus",
    "ResolutionBacklog",
    "Resource",
    "ResourceList",
    "ReviewQueue",
    "RoutingExplanation",
    "RoutingExplanationObject",
    "RoutingRuleMatch",
    "RoutingRuleMatchConditions",
    "RoutingSkip",
    "RoutingStats",
    "RoutingStatsBreakers",
    "SettledOperation",
    "SettledOperationObject",
    "SettledOperationPayment",
    "SettledOperationPayout",
    "SettleIn",
    "SettleInOutcome",
    "Stats",
    "StatsObject",
    "ThreeDSIn",
    "ThreeDSInMode",
    "WebhookDelivery",
    "WebhookDeliveryAttempt",
    "WebhookDeliveryAttemptList",
    "WebhookDeliveryAttemptObject",
    "WebhookDeliveryList",
    "WebhookDeliveryObject",
    "WebhookEndpoint",
    "WebhookEndpointCreate",
    "WebhookEndpointList",
    "WebhookEndpointObject",
    "WebhookReceipt",
)
