"""Every Prometheus metric the hub exposes at ``/metrics``, defined in one place.

Other modules import the metric they feed and call ``.labels(...).inc()`` /
``.observe()``; nothing else registers metrics. Labels are low-cardinality by
design (route templates, account ids, operation kinds, outcome names — never ids).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_RESOLUTION_BUCKETS = (1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 1800.0, 7200.0, 21600.0, 86400.0, 259200.0)

HTTP_REQUEST_SECONDS = Histogram(
    "payhub_http_request_seconds",
    "API request latency by route template, method and status code.",
    ["route", "method", "status"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)

PROVIDER_CALL_SECONDS = Histogram(
    "payhub_provider_call_seconds",
    "Provider call latency by account, operation kind and normalised outcome.",
    ["account", "operation", "outcome"],
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)

AMBIGUOUS_OUTCOMES = Counter(
    "payhub_ambiguous_outcomes_total",
    "Provider calls whose outcome was not certain (went to resolution).",
    ["account", "operation"],
    registry=REGISTRY,
)

RESOLUTION_SECONDS = Histogram(
    "payhub_resolution_seconds",
    "Time from an operation's creation to its outcome becoming certain, after an ambiguous reply.",
    ["account", "operation", "strategy"],
    buckets=_RESOLUTION_BUCKETS,
    registry=REGISTRY,
)

RESOLUTION_BACKLOG = Gauge(
    "payhub_resolution_backlog",
    "Operations still unresolved (pending past lease or unknown), and those flagged for review.",
    ["state"],
    registry=REGISTRY,
)

WEBHOOK_VERIFICATION_FAILURES = Counter(
    "payhub_webhook_verification_failures_total",
    "Inbound webhooks refused (bad, missing or stale signature, malformed body).",
    ["account", "reason"],
    registry=REGISTRY,
)

WEBHOOKS_RECEIVED = Counter(
    "payhub_webhooks_received_total",
    "Inbound provider events stored in the inbox (new) or recognised as duplicates.",
    ["account", "result"],
    registry=REGISTRY,
)

WEBHOOK_INBOX_BACKLOG = Gauge(
    "payhub_webhook_inbox_backlog",
    "Inbox rows not yet processed.",
    registry=REGISTRY,
)

NOTIFICATION_POLLS = Counter(
    "payhub_notification_polls_total",
    "Polls of a provider's notifications (bank statements) by account and result (ok, error).",
    ["account", "result"],
    registry=REGISTRY,
)

OUTBOUND_DELIVERIES = Counter(
    "payhub_outbound_deliveries_total",
    "Outbound webhook delivery attempts by result (delivered, failed, disabled).",
    ["result"],
    registry=REGISTRY,
)

OUTBOUND_BACKLOG = Gauge(
    "payhub_outbound_backlog",
    "Outbound deliveries waiting to be (re)tried.",
    registry=REGISTRY,
)

JOB_QUEUE_DEPTH = Gauge(
    "payhub_job_queue_depth",
    "Jobs queued in the job runner (in-process or arq).",
    registry=REGISTRY,
)

ROUTING_BREAKER_STATE = Gauge(
    "payhub_routing_breaker_state",
    "Circuit breaker per provider account in this process: 0 closed, 1 half-open, 2 open.",
    ["account"],
    registry=REGISTRY,
)

ROUTING_CASCADES = Counter(
    "payhub_routing_cascades_total",
    "Payments moved from one account to the next after an attempt that was certainly not charged.",
    ["from_account", "to_account"],
    registry=REGISTRY,
)

# ---------------------------------------------------------------------------- event stream (§16)
EVENT_STREAM_LAG = Gauge(
    "payhub_event_stream_lag",
    "Events written to the outbox and not yet acknowledged by the Kafka broker.",
    registry=REGISTRY,
)

EVENT_STREAM_PUBLISHED = Counter(
    "payhub_event_stream_published_total",
    "Events the Kafka broker acknowledged (a re-publish after a crash counts again).",
    registry=REGISTRY,
)

EVENT_STREAM_ERRORS = Counter(
    "payhub_event_stream_errors_total",
    "Relay rounds abandoned (delivery error, fatal producer error, database error); the events stay queued.",
    ["reason"],
    registry=REGISTRY,
)

EVENT_STREAM_PUBLISH_SECONDS = Histogram(
    "payhub_event_stream_publish_seconds",
    "From the event's commit (created_at) to the broker's acknowledgement.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 3600.0),
    registry=REGISTRY,
)
