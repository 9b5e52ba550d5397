"""Every allowed and every refused transition of the one state table."""

from __future__ import annotations

import itertools

import pytest

from hub.domain import states
from hub.domain.errors import InvalidState
from hub.domain.states import TRANSITIONS, Op, Result, Status

EXPECTED = {
    (Status.NEW, Op.AUTHORIZE, Result.SUCCEEDED): Status.AUTHORIZED,
    (Status.NEW, Op.AUTHORIZE, Result.CAPTURED): Status.CAPTURED,
    (Status.NEW, Op.AUTHORIZE, Result.REQUIRES_ACTION): Status.REQUIRES_ACTION,
    (Status.NEW, Op.AUTHORIZE, Result.FAILED): Status.FAILED,
    (Status.NEW, Op.AUTHORIZE, Result.UNKNOWN): Status.PROCESSING,
    (Status.REQUIRES_ACTION, Op.AUTHENTICATE, Result.SUCCEEDED): Status.AUTHORIZED,
    (Status.REQUIRES_ACTION, Op.AUTHENTICATE, Result.CAPTURED): Status.CAPTURED,
    (Status.REQUIRES_ACTION, Op.AUTHENTICATE, Result.REQUIRES_ACTION): Status.REQUIRES_ACTION,
    (Status.REQUIRES_ACTION, Op.AUTHENTICATE, Result.FAILED): Status.FAILED,
    (Status.REQUIRES_ACTION, Op.AUTHENTICATE, Result.UNKNOWN): Status.PROCESSING,
    (Status.AUTHORIZED, Op.CAPTURE, Result.SUCCEEDED): Status.CAPTURED,
    (Status.AUTHORIZED, Op.CAPTURE, Result.FAILED): Status.AUTHORIZED,
    (Status.AUTHORIZED, Op.CAPTURE, Result.UNKNOWN): Status.PROCESSING,
    (Status.CAPTURED, Op.CAPTURE, Result.SUCCEEDED): Status.CAPTURED,
    (Status.CAPTURED, Op.CAPTURE, Result.FAILED): Status.CAPTURED,
    (Status.CAPTURED, Op.CAPTURE, Result.UNKNOWN): Status.PROCESSING,
    (Status.AUTHORIZED, Op.VOID, Result.SUCCEEDED): Status.VOIDED,
    (Status.AUTHORIZED, Op.VOID, Result.FAILED): Status.AUTHORIZED,
    (Status.AUTHORIZED, Op.VOID, Result.UNKNOWN): Status.PROCESSING,
    (Status.CAPTURED, Op.REFUND, Result.SUCCEEDED): Status.CAPTURED,
    (Status.CAPTURED, Op.REFUND, Result.FULLY_REFUNDED): Status.REFUNDED,
    (Status.CAPTURED, Op.REFUND, Result.FAILED): Status.CAPTURED,
    (Status.CAPTURED, Op.REFUND, Result.UNKNOWN): Status.CAPTURED,
}


@pytest.mark.parametrize(("state", "op", "result"), sorted(EXPECTED, key=str))
def test_allowed_transition(state: Status, op: Op, result: Result) -> None:
    assert states.transition(state, op, result) == EXPECTED[(state, op, result)]


REFUSED = [(s, o) for s, o in itertools.product(Status, Op) if (s, o) not in {(a, b) for a, b, _ in EXPECTED}]


@pytest.mark.parametrize(("state", "op"), REFUSED)
def test_refused_operation_is_invalid_state(state: Status, op: Op) -> None:
    with pytest.raises(InvalidState) as info:
        states.check(state, op)
    assert info.value.status == 409 and info.value.code == "invalid_state"


def test_table_has_no_rows_beyond_the_expected() -> None:
    listed = {(s, o, r) for (s, o), row in TRANSITIONS.items() for r in row}
    assert listed == set(EXPECTED)


def test_terminal_states_allow_nothing() -> None:
    for s in states.TERMINAL:
        assert states.allowed_ops(s) == []


def test_result_not_in_row_is_rejected() -> None:
    with pytest.raises(ValueError):
        states.transition(Status.AUTHORIZED, Op.VOID, Result.CAPTURED)
