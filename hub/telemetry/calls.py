"""What every provider call leaves behind: latency histogram, ambiguity counter, span outcome, log line.

Fed by :func:`hub.services.executor.call_adapter` (the one place the hub calls an adapter).
Outcome labels are the adapter's normalised outcome (``succeeded``, ``failed``,
``requires_action``, ``pending``, ``unknown``, ``retry``, ``returned``) plus ``refused``
(the adapter refused before sending: nothing happened) and ``cancelled`` (the call was
cancelled mid-flight: it may have reached the provider, so it counts as ambiguous).
"""

from __future__ import annotations

import logging
from typing import Any

from hub.telemetry import tracing
from hub.telemetry.metrics import AMBIGUOUS_OUTCOMES, PROVIDER_CALL_SECONDS

log = logging.getLogger("payhub.provider")

AMBIGUOUS = frozenset({"unknown", "pending", "cancelled"})
_children: dict[tuple[str, str, str], Any] = {}


def record_call(
    account: str, operation: str, outcome: str, seconds: float, span: Any = None, reason: str | None = None
) -> None:
    key = (account, operation, outcome)
    child = _children.get(key)
    if child is None:
        child = _children[key] = PROVIDER_CALL_SECONDS.labels(account, operation, outcome)
    child.observe(seconds)
    tracing.set_outcome(span, outcome)
    if outcome in AMBIGUOUS:
        AMBIGUOUS_OUTCOMES.labels(account, operation).inc()
        log.warning(
            "provider call %s on %s is ambiguous (%s) after %.0f ms: %s",
            operation,
            account,
            outcome,
            seconds * 1000,
            reason or "no reason given",
        )
    elif log.isEnabledFor(logging.DEBUG):
        log.debug("provider call %s on %s: %s in %.0f ms", operation, account, outcome, seconds * 1000)
