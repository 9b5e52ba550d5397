"""The shapes of the operator answers (``/v1/admin``, ``/v1/ledger``), as msgspec structs:
what ``hub.services.accounts``, ``api_keys``, ``audit``, ``stats``, ``ledger_reads`` and
``hub.routing`` build. Open like the resource models (``models``): new fields are not breaking.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from hub.api.openapi.models import Failure, Operation, Timestamp, make_list


class AccountCapabilities(msgspec.Struct):
    """What the account's adapter can do (``adapters.base.Capabilities``)."""

    features: list[str]
    currencies: Literal["any"] | list[str]
    resolution: dict[str, list[str]]
    credentials: list[str]


class AccountTimeouts(msgspec.Struct):
    connect: float
    read: float


class Account(msgspec.Struct):
    """A provider account. Credentials are masked (``****``); they are never answered."""

    id: Annotated[str, msgspec.Meta(examples=["stripe-eu"])]
    object: Literal["account"]
    adapter: Annotated[str, msgspec.Meta(examples=["stripe"])]
    base_url: str | None
    credentials: dict[str, str]
    settings: dict[str, Any]
    timeouts: AccountTimeouts
    source: Literal["config", "api"]
    capabilities: AccountCapabilities | None
    created_at: Timestamp
    updated_at: Timestamp


class ApiKey(msgspec.Struct):
    """An API key's description. ``key`` (the secret) is present only in the answer that
    created it."""

    id: Annotated[str, msgspec.Meta(examples=["key_01J9Z3"])]
    object: Literal["api_key"]
    name: str
    owner: str
    role: str
    prefix: str
    created_at: Timestamp
    revoked_at: Timestamp | None
    key: str | msgspec.UnsetType = msgspec.UNSET


class AuditActor(msgspec.Struct):
    key_id: str | None
    owner: str | None


class AuditRecord(msgspec.Struct):
    """One entry of the tamper-evident audit log (``hash`` chains to ``prev_hash``)."""

    id: str
    object: Literal["audit_record"]
    seq: int
    at: Timestamp
    actor: AuditActor
    action: Annotated[str, msgspec.Meta(examples=["api_key.create"])]
    resource_type: str | None
    resource_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
    source_ip: str | None
    success: bool
    detail: str | None
    prev_hash: str
    hash: str


class OperationAttempt(msgspec.Struct):
    action: str
    outcome: str | None
    detail: dict[str, Any] | None
    duration_ms: int | None
    at: Timestamp


class OperationDetail(msgspec.Struct):
    """One operation with every attempt made for it."""

    id: str
    object: Literal["operation"]
    kind: str
    status: str
    resource_kind: str
    resource_id: str
    refund_id: str | None
    account: str
    amount: int | None
    currency: str | None
    provider_reference: str | None
    failure: Failure | None
    reason: str | None
    attempts: list[OperationAttempt]
    requires_review: bool
    next_check_at: Timestamp | None
    deadline_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp
    resolved_at: Timestamp | None


class SettledOperation(msgspec.Struct):
    """The operation after an admin settled it, with the resource it settled (under
    ``payment`` or ``payout``, by ``resource_kind``)."""

    id: str
    object: Literal["operation"]
    kind: str
    status: str
    resource_kind: str
    resource_id: str
    account: str
    requires_review: bool
    resolved_at: Timestamp | None
    payment: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET
    payout: dict[str, Any] | msgspec.UnsetType = msgspec.UNSET


class RoutingRuleMatch(msgspec.Struct):
    index: int | None
    name: str | None
    conditions: dict[str, Any]
    accounts: list[str]


class RoutingSkip(msgspec.Struct):
    account: str
    reason: Annotated[str, msgspec.Meta(examples=["breaker_open"])]


class RoutingExplanation(msgspec.Struct):
    """Which rule a payment would match and the accounts it would try, in order."""

    object: Literal["routing_explanation"]
    source: Annotated[str, msgspec.Meta(examples=["rule", "default_account"])]
    rule: RoutingRuleMatch | None
    accounts: list[str]
    skipped: list[RoutingSkip]


class Latency(msgspec.Struct):
    p50: int | None
    p95: int | None
    samples: int


class AccountStats(msgspec.Struct):
    account: str
    operations: int
    by_status: dict[str, int]
    succeeded: int
    definite: int
    success_rate: float | None
    unknown: int
    latency_ms: Latency


class ReviewQueue(msgspec.Struct):
    count: int
    operations: list[Operation]


class ResolutionBacklog(msgspec.Struct):
    unknown: int
    pending_overdue: int
    requires_review: int


class Breaker(msgspec.Struct):
    state: str
    recent_calls: int
    recent_failures: int
    times_opened: int
    cooldown_remaining: float | None


class RoutingStats(msgspec.Struct):
    breakers: dict[str, Breaker]


class EventStreamStats(msgspec.Struct):
    enabled: bool
    topic: str | None
    lag: int | None


class Stats(msgspec.Struct):
    """Operator counters over ``window_seconds`` (``GET /v1/admin/stats?window=1h``)."""

    object: Literal["stats"]
    window_seconds: int
    since: Timestamp
    generated_at: Timestamp
    accounts: list[AccountStats]
    requires_review: ReviewQueue
    resolution_backlog: ResolutionBacklog
    routing: RoutingStats
    event_stream: EventStreamStats


class LedgerBalance(msgspec.Struct):
    currency: str
    debits: int
    credits: int
    balance: int


class LedgerAccount(msgspec.Struct):
    object: Literal["ledger_account"]
    name: Annotated[str, msgspec.Meta(examples=["provider:stripe-eu"])]
    description: str | None
    balances: list[LedgerBalance]


class Posting(msgspec.Struct):
    account: str
    currency: str
    amount: int


class LedgerEntry(msgspec.Struct):
    """A balanced journal entry (its postings sum to zero per currency)."""

    id: str
    object: Literal["ledger_entry"]
    resource: str | None
    kind: str
    postings: list[Posting]
    created_at: Timestamp


AccountList = make_list(Account, "AccountList", "The provider accounts.")
ApiKeyList = make_list(ApiKey, "ApiKeyList", "The API keys (never their secrets).")
AuditRecordList = make_list(AuditRecord, "AuditRecordList", "A page of the audit log, newest first.")
LedgerAccountList = make_list(LedgerAccount, "LedgerAccountList", "Every ledger account with its balances.")
LedgerEntryList = make_list(LedgerEntry, "LedgerEntryList", "A page of ledger entries.")
