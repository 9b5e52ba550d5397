"""Write-ahead execution of one provider operation (DESIGN §4).

1. txn A: lock the resource, check the transition, INSERT the operation row
   (status ``pending``, provider idempotency key derived from its id, a lease)
   and put the resource into its in-flight state — then COMMIT.
2. call the adapter, bounded by the account's deadline; any exception that is
   not a classified outcome is treated as ambiguous.
3. txn B: lock the resource again and apply the outcome through the state table.

A crash between 1 and 3 leaves a ``pending`` operation whose lease runs out:
the sweeper hands it to resolution, which asks the provider what happened.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec

from adapters.base import InvalidRequest, NotSupported, Outcome, OutcomeStatus
from adapters.classify import classify_exception
from hub.domain.errors import NotSupportedByAccount, ValidationFailed
from hub.providers import ProviderAccount
from hub.telemetry import tracing
from hub.telemetry.calls import record_call
from hub.telemetry.context import log_fields
from vault.redaction import redact, redact_obj

log = logging.getLogger("payhub.executor")


async def call_adapter(
    provider: ProviderAccount,
    call: Callable[[], Awaitable[Outcome]],
    *,
    account: str | None = None,
    operation: str | None = None,
) -> tuple[Outcome, int]:
    """Run one adapter call; never raises for provider trouble. Returns (outcome, ms).

    ``account`` (default: the provider's id) and ``operation`` (the kind, or ``lookup``;
    default: the ``operation_kind`` of the log context, see hub.telemetry.context) label
    the provider-call metrics and span (hub.telemetry.calls)."""
    account = account or provider.id
    operation = operation or log_fields().get("operation_kind") or "other"
    start = time.perf_counter()
    outcome: Outcome | None = None
    label = "cancelled"  # until proven otherwise: the call may have reached the provider
    with tracing.provider_span(account, operation) as span:
        try:
            outcome = scrub_outcome(await _outcome_of(provider, call))
            label = outcome.status.value
        except (InvalidRequest, NotSupported):
            label = "refused"
            raise
        finally:
            elapsed = time.perf_counter() - start
            record_call(account, operation, label, elapsed, span, outcome.reason if outcome else None)
    return outcome, int(elapsed * 1000)


async def _outcome_of(provider: ProviderAccount, call: Callable[[], Awaitable[Outcome]]) -> Outcome:
    try:
        async with asyncio.timeout(provider.call_deadline):
            outcome = await call()
    except TimeoutError:
        outcome = Outcome(
            status=OutcomeStatus.UNKNOWN,
            reason=f"no reply within {provider.call_deadline:.1f}s: the provider may have acted",
        )
    except (InvalidRequest, NotSupported):
        raise
    except Exception as exc:  # a bug or an unmapped transport error: never call it a failure
        try:
            outcome = classify_exception(exc)
        except Exception:
            log.exception("adapter %s raised; treating the outcome as unknown", provider.adapter.name)
            outcome = Outcome(status=OutcomeStatus.UNKNOWN, reason=f"adapter error: {type(exc).__name__}")
    return outcome


def scrub_outcome(outcome: Outcome) -> Outcome:
    """What gets recorded (operation response/reason/failure, attempt detail) carries no card
    number, CVC or secret, whatever an adapter or the provider put in it."""
    failure = outcome.failure
    if failure is not None and failure.message:
        failure = msgspec.structs.replace(failure, message=redact(failure.message))
    return msgspec.structs.replace(
        outcome,
        reason=redact(outcome.reason) if outcome.reason else outcome.reason,
        summary=redact_obj(outcome.summary),
        failure=failure,
    )


def lease_until(provider: ProviderAccount, now: dt.datetime, margin: float) -> dt.datetime:
    return now + dt.timedelta(seconds=provider.call_deadline + margin)


def adapter_refusal(exc: Exception) -> Exception:
    """Map an adapter's refusal before sending to the API error (nothing happened)."""
    if isinstance(exc, InvalidRequest):
        return ValidationFailed(str(exc), code=exc.code, field=exc.field)
    if isinstance(exc, NotSupported):
        return NotSupportedByAccount(f"not supported by this adapter: {exc}")
    return exc


def summary(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
