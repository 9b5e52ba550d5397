"""Contains all the data models used in inputs/outputs"""

from .account_in import AccountIn
from .account_in_credentials import AccountInCredentials
from .account_in_settings import AccountInSettings
from .account_in_timeouts import AccountInTimeouts
from .api_key_in import ApiKeyIn
from .attempt import Attempt
from .attempt_outcome import AttemptOutcome
from .authenticate_in import AuthenticateIn
from .authenticate_in_params import AuthenticateInParams
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
from .evidence_in import EvidenceIn
from .failure import Failure
from .health import Health
from .list_disputes_status import ListDisputesStatus
from .list_operations_status import ListOperationsStatus
from .list_payments_status import ListPaymentsStatus
from .list_payouts_status import ListPayoutsStatus
from .list_reconciliation_items_kind import ListReconciliationItemsKind
from .operation import Operation
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
from .resource import Resource
from .resource_list import ResourceList
from .settle_in import SettleIn
from .settle_in_outcome import SettleInOutcome
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

__all__ = (
    "AccountIn",
    "AccountInCredentials",
    "AccountInSettings",
    "AccountInTimeouts",
    "ApiKeyIn",
    "Attempt",
    "AttemptOutcome",
    "AuthenticateIn",
    "AuthenticateInParams",
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
    "EvidenceIn",
    "Failure",
    "Health",
    "ListDisputesStatus",
    "ListOperationsStatus",
    "ListPaymentsStatus",
    "ListPayoutsStatus",
    "ListReconciliationItemsKind",
    "Operation",
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
    "Resource",
    "ResourceList",
    "SettleIn",
    "SettleInOutcome",
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
)
