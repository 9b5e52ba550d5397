"""Which outcomes prove an attempt was certainly not charged, so the next account may be tried.

Only two kinds do (DESIGN §15):
- ``retry``: the adapter proved nothing was processed (refused before sending: connection
  refused, DNS, TLS; or an answer the provider documents as not processed, such as a 429);
- a provider error that proves nothing happened (``failure.code`` ``provider_error``, or
  ``provider_configuration``: the account's credentials were refused);
- a soft decline whose unified code is in ``[routing] cascade_decline_codes``.

Never an ambiguous outcome (timeout, 5xx, dropped connection, "pending": the payment stays
``processing`` on its account until resolution proves it), never a hard decline, never a
``requires_action`` or a success.
"""

from __future__ import annotations

from collections.abc import Collection

from adapters.base import FailureCode, Outcome, OutcomeStatus

_NOTHING_HAPPENED = frozenset({FailureCode.PROVIDER_ERROR.value, FailureCode.PROVIDER_CONFIGURATION.value})


def certainly_not_charged(outcome: Outcome, cascade_codes: Collection[str]) -> bool:
    if outcome.status == OutcomeStatus.RETRY:
        return True
    if outcome.status != OutcomeStatus.FAILED or outcome.failure is None:
        return False
    if outcome.failure.code in _NOTHING_HAPPENED:
        return True
    return outcome.failure.decline_code in cascade_codes


def attempt_outcome(outcome: Outcome) -> str:
    """How a superseded attempt is shown in the payment's ``attempts``."""
    return "not_processed" if outcome.status == OutcomeStatus.RETRY else "declined"
