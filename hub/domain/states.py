"""The payment state machine: ONE table, applied by ONE function.

Read it as Kill Bill's PaymentStates: for a payment in state S, operation O is
allowed iff (S, O) is a row; the row says which state each result of O leads
to. ``processing`` is where a payment waits while an operation's result is not
certain; when the result becomes certain, the same row is applied from the
state the operation started in (kept on the operation record).

Refunds do not move the payment into ``processing``: an uncertain refund is a
``pending`` refund whose amount is reserved, and the payment stays ``captured``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final

from hub.domain.errors import InvalidState


class Status(enum.StrEnum):
    NEW = "new"  # before the first operation; never visible through the API
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    AUTHORIZED = "authorized"
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
    FAILED = "failed"


class Op(enum.StrEnum):
    AUTHORIZE = "authorize"
    AUTHENTICATE = "authenticate"
    CAPTURE = "capture"
    VOID = "void"
    REFUND = "refund"


class Result(enum.StrEnum):
    SUCCEEDED = "succeeded"  # the operation happened
    CAPTURED = "captured"  # authorize/authenticate: authorized AND captured (purchase)
    FULLY_REFUNDED = "fully_refunded"  # refund: nothing left to refund afterwards
    REQUIRES_ACTION = "requires_action"
    FAILED = "failed"
    UNKNOWN = "unknown"  # not certain yet


S, O, R = Status, Op, Result  # noqa: E741 - short names keep the table readable

#                (from state,          operation):  {result: to state}
TRANSITIONS: Final[Mapping[tuple[Status, Op], Mapping[Result, Status]]] = {
    (S.NEW, O.AUTHORIZE): {
        R.SUCCEEDED: S.AUTHORIZED, R.CAPTURED: S.CAPTURED, R.REQUIRES_ACTION: S.REQUIRES_ACTION,
        R.FAILED: S.FAILED, R.UNKNOWN: S.PROCESSING,
    },
    (S.REQUIRES_ACTION, O.AUTHENTICATE): {
        R.SUCCEEDED: S.AUTHORIZED, R.CAPTURED: S.CAPTURED, R.REQUIRES_ACTION: S.REQUIRES_ACTION,
        R.FAILED: S.FAILED, R.UNKNOWN: S.PROCESSING,
    },
    (S.AUTHORIZED, O.CAPTURE): {
        R.SUCCEEDED: S.CAPTURED, R.FAILED: S.AUTHORIZED, R.UNKNOWN: S.PROCESSING,
    },
    (S.CAPTURED, O.CAPTURE): {  # a further capture (multiple captures)
        R.SUCCEEDED: S.CAPTURED, R.FAILED: S.CAPTURED, R.UNKNOWN: S.PROCESSING,
    },
    (S.AUTHORIZED, O.VOID): {
        R.SUCCEEDED: S.VOIDED, R.FAILED: S.AUTHORIZED, R.UNKNOWN: S.PROCESSING,
    },
    (S.CAPTURED, O.REFUND): {
        R.SUCCEEDED: S.CAPTURED, R.FULLY_REFUNDED: S.REFUNDED, R.FAILED: S.CAPTURED,
        R.UNKNOWN: S.CAPTURED,
    },
}  # fmt: skip

TERMINAL: Final = frozenset({S.VOIDED, S.REFUNDED, S.FAILED})

# how far along a payment is; late news may never move a payment to a lower rank
RANK: Final[Mapping[Status, int]] = {
    S.NEW: 0, S.REQUIRES_ACTION: 1, S.PROCESSING: 2, S.AUTHORIZED: 3, S.FAILED: 4,
    S.CAPTURED: 4, S.VOIDED: 5, S.REFUNDED: 6,
}  # fmt: skip


def allowed(state: Status, op: Op) -> bool:
    return (state, op) in TRANSITIONS


def allowed_ops(state: Status) -> list[Op]:
    return [op for (s, op) in TRANSITIONS if s == state]


def check(state: Status, op: Op) -> None:
    """Raise 409 invalid_state unless ``op`` may start from ``state``."""
    if not allowed(state, op):
        can = ", ".join(o.value for o in allowed_ops(state)) or "nothing"
        raise InvalidState(f"cannot {op.value} a payment that is {state.value} (allowed: {can})")


def transition(state: Status, op: Op, result: Result) -> Status:
    """The one function that moves a payment. ``state`` is where ``op`` started."""
    check(state, op)
    row = TRANSITIONS[(state, op)]
    if result not in row:
        raise ValueError(f"{op.value} has no result {result.value!r} from {state.value}")
    return row[result]


class RefundStatus(enum.StrEnum):
    """A refund waits ``pending`` (its amount reserved) until its operation is certain."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


# --------------------------------------------------------------------------- payouts
#
# A payout has one operation (the transfer). It waits in ``processing`` while the
# bank's answer is not certain; ``returned`` is news that comes after ``succeeded``
# (the beneficiary bank sent the money back). News that is not a row here (a late
# "pending" after success, a debit booked after the return) leaves the payout as it is.


class PayoutStatus(enum.StrEnum):
    NEW = "new"  # before its operation's first answer; never visible through the API
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETURNED = "returned"


class PayoutResult(enum.StrEnum):
    SUCCEEDED = "succeeded"  # the transfer was executed
    FAILED = "failed"  # proven not executed (rejected)
    RETURNED = "returned"  # executed, then sent back by the beneficiary bank
    UNKNOWN = "unknown"  # not certain yet


PS, PR = PayoutStatus, PayoutResult

#                     from state:  {result: to state}
PAYOUT_TRANSITIONS: Final[Mapping[PayoutStatus, Mapping[PayoutResult, PayoutStatus]]] = {
    PS.NEW: {
        PR.SUCCEEDED: PS.SUCCEEDED, PR.FAILED: PS.FAILED, PR.RETURNED: PS.RETURNED,
        PR.UNKNOWN: PS.PROCESSING,
    },
    PS.PROCESSING: {
        PR.SUCCEEDED: PS.SUCCEEDED, PR.FAILED: PS.FAILED, PR.RETURNED: PS.RETURNED,
        PR.UNKNOWN: PS.PROCESSING,
    },
    PS.SUCCEEDED: {PR.RETURNED: PS.RETURNED},
}  # fmt: skip

def payout_transition(state: PayoutStatus, result: PayoutResult) -> PayoutStatus:
    """The one function that moves a payout: where ``result`` takes a payout in ``state``.

    News with no row from ``state`` never moves it (late, duplicate or backwards)."""
    return PAYOUT_TRANSITIONS.get(state, {}).get(result, state)


# --------------------------------------------------------------------------- disputes
#
# A dispute is created by the provider's first news about it and then follows the news.
# A row says where news may take a dispute from a state; news that is not a row (a late
# ``under_review`` after ``won``, anything after ``accepted``) is recorded and leaves the
# dispute as it is. Closed states may still move: a won chargeback can come back as a
# second chargeback / pre-arbitration (Adyen SECOND_CHARGEBACK, PREARBITRATION_LOST), a
# lost one can be reversed (CHARGEBACK_REVERSED, PREARBITRATION_WON); where the provider's
# news has an order (Adyen's dispute stages: DisputeNews.stage), news of an earlier stage
# than the dispute's is stale whatever this table says, so a replay cannot flip it. An inquiry that
# closes without a chargeback is ``won`` (the merchant keeps the money). What each state
# means for the money is the second table: the hub posts a withdrawal or reinstatement
# when the funds' side changes (hub.services.dispute_outcomes).


class DisputeStatus(enum.StrEnum):
    NEW = "new"  # before its first news; never visible through the API
    INQUIRY = "inquiry"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    ACCEPTED = "accepted"


DS = DisputeStatus

#                      from state: the states news may move it to
DISPUTE_TRANSITIONS: Final[Mapping[DisputeStatus, frozenset[DisputeStatus]]] = {
    DS.NEW:            frozenset({DS.INQUIRY, DS.NEEDS_RESPONSE, DS.UNDER_REVIEW, DS.WON, DS.LOST, DS.ACCEPTED}),
    DS.INQUIRY:        frozenset({DS.NEEDS_RESPONSE, DS.UNDER_REVIEW, DS.WON, DS.LOST, DS.ACCEPTED}),
    DS.NEEDS_RESPONSE: frozenset({DS.UNDER_REVIEW, DS.WON, DS.LOST, DS.ACCEPTED}),
    DS.UNDER_REVIEW:   frozenset({DS.WON, DS.LOST, DS.ACCEPTED}),
    DS.WON:            frozenset({DS.LOST}),
    DS.LOST:           frozenset({DS.WON}),
    DS.ACCEPTED:       frozenset(),
}  # fmt: skip

#: the event a move INTO a state emits (the first news of a dispute also emits dispute.opened)
DISPUTE_EVENTS: Final[Mapping[DisputeStatus, str]] = {
    DS.INQUIRY: "dispute.updated", DS.NEEDS_RESPONSE: "dispute.updated", DS.UNDER_REVIEW: "dispute.updated",
    DS.WON: "dispute.won", DS.LOST: "dispute.lost", DS.ACCEPTED: "dispute.lost",
}  # fmt: skip

#: whether the disputed amount is withdrawn in a state when the news does not say (None: as before)
DISPUTE_FUNDS_WITHDRAWN: Final[Mapping[DisputeStatus, bool | None]] = {
    DS.INQUIRY: False, DS.NEEDS_RESPONSE: None, DS.UNDER_REVIEW: None,
    DS.WON: False, DS.LOST: True, DS.ACCEPTED: True,
}  # fmt: skip

#: what the merchant may still do in a state (POST /v1/disputes/{id}/evidence, /accept)
DISPUTE_ACTIONS: Final[Mapping[DisputeStatus, frozenset[str]]] = {
    DS.INQUIRY: frozenset({"evidence", "accept"}),
    DS.NEEDS_RESPONSE: frozenset({"evidence", "accept"}),
    DS.UNDER_REVIEW: frozenset(),
    DS.WON: frozenset(), DS.LOST: frozenset(), DS.ACCEPTED: frozenset(),
}  # fmt: skip

OPEN_DISPUTES: Final = frozenset({DS.INQUIRY, DS.NEEDS_RESPONSE})  # evidence may still be due


def dispute_transition(state: DisputeStatus, news: DisputeStatus) -> DisputeStatus:
    """The one function that moves a dispute: where news of ``news`` takes one in ``state``.
    News with no row from ``state`` (late, duplicate, backwards) leaves it where it is."""
    return news if news in DISPUTE_TRANSITIONS.get(state, frozenset()) else state


def check_dispute_action(state: DisputeStatus, action: str) -> None:
    """Raise 409 invalid_state unless the merchant may ``action`` a dispute in ``state``."""
    if action not in DISPUTE_ACTIONS.get(state, frozenset()):
        can = ", ".join(sorted(s.value for s, acts in DISPUTE_ACTIONS.items() if action in acts))
        raise InvalidState(f"cannot {action} a dispute that is {state.value} (only when {can})")
