"""The payout state table: where each result takes a payout, and what never moves it."""

from __future__ import annotations

import pytest

from hub.domain.states import PayoutResult as R
from hub.domain.states import PayoutStatus as S
from hub.domain.states import payout_transition


@pytest.mark.parametrize(
    ("state", "result", "to"),
    [
        (S.NEW, R.UNKNOWN, S.PROCESSING),
        (S.NEW, R.SUCCEEDED, S.SUCCEEDED),
        (S.PROCESSING, R.SUCCEEDED, S.SUCCEEDED),
        (S.PROCESSING, R.FAILED, S.FAILED),
        (S.PROCESSING, R.RETURNED, S.RETURNED),  # debit and return read in one statement
        (S.SUCCEEDED, R.RETURNED, S.RETURNED),  # a return after success
    ],
)
def test_moves(state: S, result: R, to: S) -> None:
    assert payout_transition(state, result) == to


@pytest.mark.parametrize(
    ("state", "result"),
    [
        (S.SUCCEEDED, R.UNKNOWN),  # a late "pending" status report
        (S.SUCCEEDED, R.FAILED),  # a contradicting late rejection
        (S.RETURNED, R.SUCCEEDED),  # the debit read after the return
        (S.RETURNED, R.UNKNOWN),
        (S.FAILED, R.SUCCEEDED),
        (S.FAILED, R.RETURNED),
        (S.SUCCEEDED, R.SUCCEEDED),  # duplicate news
    ],
)
def test_news_never_moves_a_payout_backwards(state: S, result: R) -> None:
    assert payout_transition(state, result) == state
