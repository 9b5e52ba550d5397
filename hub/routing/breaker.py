"""One circuit breaker per provider account, in each process.

``closed``: calls go through; each call's result is remembered for ``breaker_window``
seconds. When at least ``breaker_failures`` calls in the window failed AND most calls in
the window failed, the breaker opens: routing skips the account for ``breaker_cooldown``
seconds. Then it is ``half_open``: one payment is let through as a probe; a probe that
reaches the provider closes the breaker, one that fails opens it again.

A failure is a call that did not get a definite answer from the provider (``retry``:
connection refused, 429; ``unknown``/``pending``: timeout, 5xx). A decline is an answer:
it counts as a success here.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from adapters.base import Outcome, OutcomeStatus
from hub.telemetry.metrics import ROUTING_BREAKER_STATE

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
_GAUGE_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}
_FAILURES = frozenset({OutcomeStatus.RETRY, OutcomeStatus.UNKNOWN})


@dataclass
class _State:
    calls: deque[tuple[float, bool]] = field(default_factory=deque)  # (when, failed)
    failed: int = 0  # how many of ``calls`` failed (kept as they come and go: no scan per call)
    state: str = CLOSED
    opened_at: float | None = None
    probe_in_flight: bool = False
    times_opened: int = 0


class Breakers:
    def __init__(
        self,
        *,
        failures: int,
        window: float,
        cooldown: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures = failures
        self.window = window
        self.cooldown = cooldown
        self.clock = clock
        self._states: dict[str, _State] = {}

    def _state(self, account: str) -> _State:
        st = self._states.get(account)
        if st is None:
            st = self._states[account] = _State()
        return st

    def _trim(self, st: _State, now: float) -> None:
        while st.calls and st.calls[0][0] < now - self.window:
            if st.calls.popleft()[1]:
                st.failed -= 1

    def state(self, account: str) -> str:
        st = self._state(account)
        if st.state == OPEN and st.opened_at is not None and self.clock() - st.opened_at >= self.cooldown:
            st.state = HALF_OPEN
            st.probe_in_flight = False
        return st.state

    def allow(self, account: str) -> bool:
        """May a payment be tried on ``account`` now? In half-open, the first caller gets the
        one probe and later callers are refused until the probe's result is known."""
        current = self.state(account)
        if current == CLOSED:
            return True
        if current == HALF_OPEN:
            st = self._state(account)
            if st.probe_in_flight:
                return False
            st.probe_in_flight = True
            return True
        return False

    def would_allow(self, account: str) -> bool:
        """:meth:`allow` without taking the probe (for explanations)."""
        current = self.state(account)
        return current == CLOSED or (current == HALF_OPEN and not self._state(account).probe_in_flight)

    def record(self, account: str, outcome: Outcome) -> None:
        failed = outcome.status in _FAILURES
        now = self.clock()
        st = self._state(account)
        current = self.state(account)
        if current == HALF_OPEN:
            st.probe_in_flight = False
            if failed:
                self._open(st, now)
            else:
                st.state, st.opened_at = CLOSED, None
                st.calls.clear()
                st.failed = 0
            return
        if current == OPEN:  # a call that was already under way when it opened
            return
        st.calls.append((now, failed))
        st.failed += failed
        self._trim(st, now)
        n_failed = st.failed
        if n_failed >= self.failures and n_failed * 2 > len(st.calls):
            self._open(st, now)

    def _open(self, st: _State, now: float) -> None:
        st.state, st.opened_at = OPEN, now
        st.times_opened += 1
        st.calls.clear()
        st.failed = 0

    def export(self) -> None:
        """Set the /metrics gauge from the current states."""
        for account in list(self._states):
            ROUTING_BREAKER_STATE.labels(account=account).set(_GAUGE_VALUE[self.state(account)])

    def snapshot(self) -> dict[str, dict[str, object]]:
        now = self.clock()
        out: dict[str, dict[str, object]] = {}
        for account in sorted(self._states):
            st = self._states[account]
            state = self.state(account)
            self._trim(st, now)
            out[account] = {
                "state": state,
                "recent_calls": len(st.calls),
                "recent_failures": st.failed,
                "times_opened": st.times_opened,
                "cooldown_remaining": (
                    round(max(0.0, self.cooldown - (now - st.opened_at)), 3)
                    if state == OPEN and st.opened_at is not None
                    else None
                ),
            }
        return out
