"""What each resolution strategy's answer proves (DESIGN §4, §11).

A **replay** resends the original request under the same provider idempotency key. Only a
definite answer *to that request* proves anything: a success, a decline of the card, a
shopper action required. Everything else proves nothing about the operation and hands over
to the next strategy:

* not processed (connect error, 429, Stripe ``lock_timeout``, a bank's 408/409): this
  resend did nothing — the first attempt may still have moved money;
* the key refused (Stripe 400 ``idempotency_error`` "Keys for idempotent requests can only
  be used with the same parameters", Adyen's error naming the key, a bank's duplicate
  ``DU01``), the key still executing (409), a 5xx, a timeout;
* any other refusal (a 4xx such as "already captured"): the first attempt's fate stands.

A replay is never sent once the provider may have pruned the key (``idempotency_window``,
Stripe 24 h): it would execute anew and move money twice.

A **lookup** reads the provider's record: a definite answer (found succeeded / failed,
or proven absent where the listing is consistent) proves the outcome; a ``PENDING`` says the
provider has it and will decide; "not found yet" (eventually consistent search), a lookup
that was refused or not processed proves nothing.

A **webhook** wait calls nobody: the notification, when it comes, is applied by the inbox.
"""

from __future__ import annotations

import datetime as dt

from adapters.base import FailureCode, Outcome, OutcomeStatus, Strategy
from hub.providers import ProviderAccount
from hub.store.repo import Row

# a replay this close to the end of the provider's idempotency window is not sent either
# (clock skew between the hub and the provider, the first attempt's own duration)
WINDOW_MARGIN_SECONDS = 600.0

# failures of the replayed request itself that a first attempt would have met as well
_DECLINES = frozenset({FailureCode.CARD_DECLINED.value, FailureCode.AUTHENTICATION_FAILED.value})


class CannotUse(Exception):
    """This strategy cannot be used for this operation (try the next one)."""


def check_replay_window(op: Row, provider: ProviderAccount, now: dt.datetime) -> None:
    """Raise CannotUse once the provider may have forgotten the operation's idempotency key."""
    window = provider.adapter.capabilities.idempotency_window
    if window is None or op.get("created_at") is None:
        return
    created: dt.datetime = op["created_at"]
    if created.tzinfo is None:
        created = created.replace(tzinfo=dt.UTC)
    age = (now - created).total_seconds()
    margin = min(WINDOW_MARGIN_SECONDS, window / 10)
    if age >= window - margin:
        raise CannotUse(
            f"the provider keeps idempotency keys {window / 3600:g} h and this one is {age / 3600:.1f} h old: "
            "a replay could execute anew"
        )


def proves(strategy: Strategy, outcome: Outcome) -> bool:
    """Whether ``outcome``, answered to ``strategy``, settles the operation (or says the
    provider has it pending); False hands over to the next strategy."""
    status = outcome.status
    if status in (OutcomeStatus.UNKNOWN, OutcomeStatus.RETRY):
        return False
    if status is OutcomeStatus.PENDING:
        return True  # the provider holds it and will decide: nothing else to ask now
    if strategy is Strategy.REPLAY and status is OutcomeStatus.FAILED:
        return outcome.failure is not None and outcome.failure.code in _DECLINES
    return True


def nothing_proven(notes: list[str], provider_reference: str | None) -> Outcome:
    """The outcome of a check in which no strategy proved anything."""
    return Outcome(
        status=OutcomeStatus.UNKNOWN,
        provider_reference=provider_reference,
        reason="; ".join(notes)[:1000],
    )
