"""The adapter contract: what the hub hands an adapter and what it gets back.

An adapter turns one hub operation (authorize, capture, ...) into the provider's
HTTP calls on the ``httpx.AsyncClient`` it is given, and maps the reply to one
normalised :class:`Outcome`. The hub never looks at provider payloads; adapters
never touch the database. Everything crossing the line is a msgspec struct.

Rules every adapter follows (the contract suite checks them):

* A 2xx is not success until the body says so.
* ``FAILED`` only when the provider proves nothing happened (a decline, a 4xx
  that rejected the request). Anything that may have moved money and is not
  proven is ``UNKNOWN`` (ambiguous) or ``PENDING`` (accepted, final answer later).
* The provider idempotency key sent is ``request.idempotency_key``; a retry of
  the same operation sends the same key.
* ``request.payment_id`` (the hub's own id) travels to the provider (metadata,
  merchant reference, ...) so lookups and early webhooks can be matched.
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import Any, ClassVar

import httpx
import msgspec

from adapters.disputes import DisputeEvidenceRequest, DisputeNews, DisputeRequest
from adapters.settlement import SettlementPage, SettlementRequest
from webhooks.errors import SignatureError

# --------------------------------------------------------------------------- enums


class OperationKind(enum.StrEnum):
    AUTHORIZE = "authorize"  # also purchase (authorize + capture) when capture=True
    AUTHENTICATE = "authenticate"  # finish 3DS / redirect with what the shopper brought back
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"
    PAYOUT = "payout"


class Capability(enum.StrEnum):
    AUTHORIZE = "authorize"
    CAPTURE = "capture"
    PARTIAL_CAPTURE = "partial_capture"
    MULTIPLE_CAPTURES = "multiple_captures"
    VOID = "void"
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    MULTIPLE_REFUNDS = "multiple_refunds"
    THREE_DS = "three_ds"
    RAW_CARD = "raw_card"  # accepts card data (PAN) from the vault
    PROVIDER_TOKEN = "provider_token"  # accepts the provider's own payment-method token
    PAYOUT = "payout"  # payout to a bank account
    PAYOUT_TO_CARD = "payout_to_card"
    LOOKUP = "lookup"
    WEBHOOKS = "webhooks"
    NOTIFICATION_POLLING = "notification_polling"  # poll_notifications() (bank statements)
    # tokenize(): a raw card becomes the provider's own token in a call that moves no money,
    # so the money-moving request carries only that token and can be replayed byte for byte
    TOKENIZE = "tokenize"
    DISPUTES = "disputes"  # sends dispute news (ProviderEvent.dispute); see adapters.disputes
    DISPUTE_EVIDENCE = "dispute_evidence"  # submit_dispute_evidence()
    DISPUTE_ACCEPT = "dispute_accept"  # accept_dispute()
    RECONCILIATION = "reconciliation"  # settlement_lines(); see adapters.settlement


class Strategy(enum.StrEnum):
    """How an ambiguous operation is resolved (DESIGN §4)."""

    LOOKUP = "lookup"  # query the provider by its reference or the hub's reference
    REPLAY = "replay"  # resend the same request with the same provider idempotency key
    WEBHOOK = "webhook"  # await the provider's notification


class OutcomeStatus(enum.StrEnum):
    SUCCEEDED = "succeeded"  # definite: the operation happened
    FAILED = "failed"  # definite: refused (decline, rejected request); no money moved
    REQUIRES_ACTION = "requires_action"  # definite: shopper must act (3DS, redirect)
    PENDING = "pending"  # provider accepted it; the final answer comes later (ambiguous)
    UNKNOWN = "unknown"  # ambiguous: timeout after send, dropped connection, 5xx, bad body
    RETRY = "retry"  # definite: NOT processed (connect failure, 429, ...), safe to send again
    RETURNED = "returned"  # payouts only: paid, then returned by the beneficiary bank

    @property
    def definite(self) -> bool:
        return self not in (OutcomeStatus.PENDING, OutcomeStatus.UNKNOWN)


class DeclineCode(enum.StrEnum):
    """Unified decline codes (DESIGN §3). The provider's own code travels alongside."""

    INSUFFICIENT_FUNDS = "insufficient_funds"
    DO_NOT_HONOR = "do_not_honor"
    EXPIRED_CARD = "expired_card"
    INCORRECT_CVC = "incorrect_cvc"
    INCORRECT_NUMBER = "incorrect_number"
    LOST_OR_STOLEN = "lost_or_stolen"
    FRAUD_SUSPECTED = "fraud_suspected"
    CARD_NOT_SUPPORTED = "card_not_supported"
    AUTHENTICATION_REQUIRED = "authentication_required"
    PROCESSING_ERROR = "processing_error"
    LIMIT_EXCEEDED = "limit_exceeded"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_ACCOUNT = "invalid_account"  # payouts: closed / unknown beneficiary account
    UNKNOWN = "unknown"


class FailureCode(enum.StrEnum):
    """``failure.code``: the family of a definite failure."""

    CARD_DECLINED = "card_declined"  # issuer/provider declined; see decline_code
    AUTHENTICATION_FAILED = "authentication_failed"  # 3DS failed or abandoned
    INVALID_REQUEST = "invalid_request"  # provider rejected the request as invalid
    PROVIDER_CONFIGURATION = "provider_configuration"  # 401/403: bad credentials / setup
    PROVIDER_ERROR = "provider_error"  # provider proved it did nothing (e.g. 4xx error)
    PAYOUT_REJECTED = "payout_rejected"  # bank/provider rejected a payout
    PAYOUT_RETURNED = "payout_returned"  # payout returned after it was paid
    RESOLVED_MANUALLY = "resolved_manually"  # an admin settled the operation as failed


# --------------------------------------------------------------------------- outcome


class Failure(msgspec.Struct, kw_only=True, omit_defaults=False):
    code: str  # a FailureCode value
    decline_code: str | None = None  # a DeclineCode value
    message: str = ""
    provider_code: str | None = None


class NextAction(msgspec.Struct, kw_only=True):
    type: str  # "redirect" | "three_ds_challenge"
    url: str | None = None
    method: str = "GET"
    data: dict[str, str] | None = None  # form fields when method is POST


class Outcome(msgspec.Struct, kw_only=True):
    """The normalised result of one provider interaction."""

    status: OutcomeStatus
    provider_reference: str | None = None  # the provider's id of the payment/payout object
    operation_reference: str | None = None  # the provider's id of this operation (refund id, ...)
    amount: int | None = None  # minor units the operation moved, when the provider says
    currency: str | None = None  # ISO 4217 (upper case) of ``amount``, when the provider says
    captured: bool = False  # authorize/authenticate: funds were captured as well
    failure: Failure | None = None
    next_action: NextAction | None = None
    retry_after: float | None = None  # seconds, for RETRY
    reason: str | None = None  # why UNKNOWN/PENDING/RETRY, human readable, no secrets
    summary: dict[str, Any] = msgspec.field(default_factory=dict)  # scrubbed, for the record
    # news that replaces an operation's settled outcome, applied even to a certain operation:
    # a failure after success (Adyen CAPTURE_FAILED, REFUND_FAILED, REFUNDED_REVERSED) or a
    # success after that failure (Adyen CAPTURE "Transaction Recaptured")
    supersedes: bool = False

    @property
    def definite(self) -> bool:
        return self.status.definite


# --------------------------------------------------------------------------- inputs


class Card(msgspec.Struct, kw_only=True):
    """Decrypted card data. Exists only in memory for the call that needs it."""

    number: str
    exp_month: int
    exp_year: int
    cvc: str | None = None  # only for the authorization it came with; never persisted
    holder_name: str | None = None

    def __repr__(self) -> str:  # never leak a PAN or CVC through repr/logging
        return f"Card(****{self.number[-4:]}, {self.exp_month:02d}/{self.exp_year})"

    __str__ = __repr__


class PaymentMethod(msgspec.Struct, kw_only=True):
    type: str  # "card" | "provider_token"
    card: Card | None = None
    token: str | None = None  # the provider's token when type == "provider_token"


class ThreeDS(msgspec.Struct, kw_only=True):
    mode: str = "if_required"  # "if_required" | "always" | "never"
    return_url: str | None = None


class BankAccount(msgspec.Struct, kw_only=True):
    iban: str
    bic: str | None = None
    name: str
    country: str | None = None


class Account(msgspec.Struct, kw_only=True):
    """A provider account as the adapter sees it (credentials decrypted)."""

    id: str
    adapter: str
    base_url: str
    credentials: Mapping[str, str] = msgspec.field(default_factory=dict)
    settings: Mapping[str, Any] = msgspec.field(default_factory=dict)  # non-secret options
    connect_timeout: float = 2.0
    read_timeout: float = 20.0


class _OperationRequest(msgspec.Struct, kw_only=True):
    operation_id: str  # the hub's operation id ("op_...")
    idempotency_key: str  # the provider idempotency key, derived from operation_id
    payment_id: str  # the hub's id of the resource (pay_... or po_...): send it along
    amount: int
    currency: str  # ISO 4217 upper case; amount in its minor units (ISO exponent)
    reference: str | None = None  # the merchant's own reference
    metadata: dict[str, str] = msgspec.field(default_factory=dict)
    # when the hub first made this request (the operation's creation): a replay carries the
    # same instant, so a request that embeds a timestamp (a SEPA file's CreDtTm) is rebuilt
    # identically
    requested_at: datetime | None = None


class TokenizeRequest(msgspec.Struct, kw_only=True):
    """Turn a raw card into the provider's payment-method token (moves no money)."""

    operation_id: str  # the operation the token is for
    idempotency_key: str  # derived from the operation id: :func:`tokenize_key`
    payment_id: str
    card: Card


def tokenize_key(idempotency_key: str) -> str:
    """The idempotency key of the tokenizing call of the operation whose key is given."""
    return f"{idempotency_key}-pm"


class AuthorizeRequest(_OperationRequest, kw_only=True):
    capture: bool = False  # True: purchase (authorize and capture at once)
    payment_method: PaymentMethod
    three_ds: ThreeDS | None = None
    description: str | None = None


class AuthenticateRequest(_OperationRequest, kw_only=True):
    provider_reference: str | None
    params: dict[str, str]  # what the shopper's browser brought back to return_url
    capture: bool = False


class CaptureRequest(_OperationRequest, kw_only=True):
    provider_reference: str
    final: bool = True  # False when more captures may follow (multiple captures)


class VoidRequest(_OperationRequest, kw_only=True):
    provider_reference: str


class RefundRequest(_OperationRequest, kw_only=True):
    provider_reference: str
    refund_id: str  # the hub's refund id ("re_...")


class PayoutRequest(_OperationRequest, kw_only=True):
    """``payment_id`` is the payout id (``po_...``)."""

    bank_account: BankAccount | None = None
    card: Card | None = None  # push-to-card
    description: str | None = None


class LookupRequest(_OperationRequest, kw_only=True):
    """Ask the provider what became of an operation whose outcome is unknown."""

    kind: OperationKind
    provider_reference: str | None = None  # may be None: look up by payment_id / key
    operation_reference: str | None = None
    refund_id: str | None = None
    created_at: datetime | None = None


# --------------------------------------------------------------------------- webhooks


class ProviderEvent(msgspec.Struct, kw_only=True):
    """One verified notification from the provider, normalised."""

    event_id: str  # the provider's event id: the inbox dedupes on (account, event_id)
    type: str  # the provider's own event type, as sent
    kind: OperationKind | None = None  # which operation this is news about; None = ignore
    outcome: Outcome | None = None
    payment_id: str | None = None  # the hub's id if the provider echoed it back
    provider_reference: str | None = None
    operation_reference: str | None = None
    refund_id: str | None = None  # the hub's refund id if echoed
    occurred_at: datetime | None = None
    dispute: DisputeNews | None = None  # news about a dispute (kind is then None)


class WebhookAck(msgspec.Struct, kw_only=True):
    """What the hub answers a verified webhook with (Adyen wants ``[accepted]``)."""

    status_code: int = 200
    content_type: str = "application/json"
    body: bytes = b'{"received":true}'


class NotificationBatch(msgspec.Struct, kw_only=True):
    events: list[ProviderEvent]
    next_cursor: str | None


# --------------------------------------------------------------------------- errors


class AdapterError(Exception):
    """Base for adapter errors that are not outcomes."""


class NotSupported(AdapterError):
    """The adapter does not implement this operation (the hub answers 422 not_supported)."""


class InvalidRequest(AdapterError):
    """The request cannot be expressed for this provider (before anything is sent).

    The hub answers 422 with ``code`` and ``message``; nothing reaches the provider.
    """

    def __init__(self, message: str, *, code: str = "validation_error", field: str | None = None):
        super().__init__(message)
        self.code = code
        self.field = field


class WebhookVerificationError(AdapterError, SignatureError):
    """Signature missing, bad or stale: the hub answers 401 and changes nothing."""


class WebhookFormatError(AdapterError):
    """The body is not what the provider sends: the hub answers 400."""


# --------------------------------------------------------------------------- capabilities


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    features: frozenset[Capability]
    currencies: frozenset[str] | None = None  # None: any ISO 4217 currency
    # per operation kind: the strategies to resolve an ambiguous outcome, first one first
    resolution: Mapping[OperationKind, tuple[Strategy, ...]] = msgspec.field(default_factory=dict)
    required_credentials: tuple[str, ...] = ()
    optional_credentials: tuple[str, ...] = ()
    # seconds the provider keeps an idempotency key (Stripe: 24 h); None: not pruned. A
    # replay later than this would execute anew, so resolution looks up instead.
    idempotency_window: float | None = None

    def supports(self, feature: Capability) -> bool:
        return feature in self.features

    def describe(self) -> dict[str, Any]:
        return {
            "features": sorted(f.value for f in self.features),
            "currencies": sorted(self.currencies) if self.currencies else "any",
            "resolution": {k.value: [s.value for s in v] for k, v in self.resolution.items()},
            "credentials": list(self.required_credentials),
        }


# what each operation kind requires
REQUIRED_CAPABILITY: dict[OperationKind, Capability] = {
    OperationKind.AUTHORIZE: Capability.AUTHORIZE,
    OperationKind.AUTHENTICATE: Capability.THREE_DS,
    OperationKind.CAPTURE: Capability.CAPTURE,
    OperationKind.VOID: Capability.VOID,
    OperationKind.REFUND: Capability.REFUND,
    OperationKind.PAYOUT: Capability.PAYOUT,
}


# --------------------------------------------------------------------------- the adapter


class Adapter:
    """Base class of every adapter. Subclasses set ``name`` and ``capabilities`` and
    override the operations they declare. One instance serves one account; the hub
    hands it a configured ``httpx.AsyncClient`` (base_url = account.base_url,
    timeouts set, connection pool sized by the hub).
    """

    name: ClassVar[str]
    capabilities: ClassVar[Capabilities]

    def __init__(self, account: Account, client: httpx.AsyncClient) -> None:
        self.account = account
        self.client = client

    # ---- configuration
    @classmethod
    def validate_account(cls, account: Account) -> list[str]:
        """Problems with the account configuration, each naming the key at fault."""
        missing = [
            f"credentials.{k}"
            for k in cls.capabilities.required_credentials
            if not account.credentials.get(k)
        ]
        return [f"{m} is required by the {cls.name} adapter" for m in missing]

    @classmethod
    def client_options(cls, account: Account) -> dict[str, Any]:
        """Extra ``httpx.AsyncClient`` options (for example ``cert`` for mutual TLS)."""
        return {}

    # ---- operations
    async def authorize(self, request: AuthorizeRequest) -> Outcome:
        raise NotSupported("authorize")

    async def authenticate(self, request: AuthenticateRequest) -> Outcome:
        raise NotSupported("authenticate")

    async def capture(self, request: CaptureRequest) -> Outcome:
        raise NotSupported("capture")

    async def void(self, request: VoidRequest) -> Outcome:
        raise NotSupported("void")

    async def refund(self, request: RefundRequest) -> Outcome:
        raise NotSupported("refund")

    async def payout(self, request: PayoutRequest) -> Outcome:
        raise NotSupported("payout")

    async def tokenize(self, request: TokenizeRequest) -> Outcome:
        """TOKENIZE adapters: SUCCEEDED with ``provider_reference`` = the provider's token;
        FAILED when the provider refused the card; anything else: no token."""
        raise NotSupported("tokenize")

    async def lookup(self, request: LookupRequest) -> Outcome:
        """What became of an operation. Returns UNKNOWN/PENDING when still not certain."""
        raise NotSupported("lookup")

    async def payment_news(self, request: LookupRequest) -> list[ProviderEvent]:
        """What the provider now says of a payment (its captures, refunds, cancellation), as
        news the hub matches like a webhook's: a lookup finds changes made outside the hub
        (DESIGN §11). ``[]`` when the adapter cannot say; never raises for provider trouble."""
        return []

    # ---- notifications
    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        """Verify the signature over the RAW body and normalise the events.

        Raises WebhookVerificationError (401) or WebhookFormatError (400).
        ``headers`` keys are lower case.
        """
        raise NotSupported("webhooks")

    async def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> list[ProviderEvent]:
        """What the hub calls: :meth:`parse_webhook`, unless the provider verifies its
        notifications by an API call (PayPal), which only an async method can make."""
        return self.parse_webhook(headers, body)

    def webhook_ack(self, events: list[ProviderEvent]) -> WebhookAck:
        return WebhookAck()

    async def poll_notifications(self, cursor: str | None) -> NotificationBatch:
        """For NOTIFICATION_POLLING adapters: news after ``cursor``."""
        raise NotSupported("notification_polling")

    # ---- disputes (optional; see adapters.disputes)
    async def submit_dispute_evidence(self, request: DisputeEvidenceRequest) -> DisputeNews:
        """DISPUTE_EVIDENCE adapters: stage (``submit=False``) or submit evidence; the dispute after."""
        raise NotSupported("dispute_evidence")

    async def accept_dispute(self, request: DisputeRequest) -> DisputeNews:
        """DISPUTE_ACCEPT adapters: concede the dispute; the dispute after."""
        raise NotSupported("dispute_accept")

    async def lookup_dispute(self, request: DisputeRequest) -> DisputeNews:
        """DISPUTES adapters whose provider can be asked: the dispute as it is now."""
        raise NotSupported("dispute_lookup")

    # ---- reconciliation (optional; see adapters.settlement)
    def settlement_lines(self, request: SettlementRequest) -> AsyncIterator[SettlementPage]:
        """RECONCILIATION adapters: the provider's money movements in the window, page by page
        (an async generator). Raises ``adapters.settlement.ReportError`` for a report it cannot read."""
        raise NotSupported("reconciliation")
