"""Virtual time for one history: the hub's clocks, its ids and the simulator's clock.

Nothing sleeps: time moves only when the history says so (:meth:`VirtualClock.advance`),
and the job runner (``hub.simulation.jobs``) runs what became due. Ids are made
deterministic too (virtual milliseconds and a counter instead of random bits), so the same
seed makes the same rows in the same order.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

EPOCH = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


class VirtualClock:
    def __init__(self) -> None:
        self.seconds = 0.0  # since EPOCH
        self._counter = 0

    def now(self) -> dt.datetime:
        return EPOCH + dt.timedelta(seconds=self.seconds)

    def epoch_seconds(self) -> float:
        return EPOCH.timestamp() + self.seconds

    def advance_to(self, seconds: float) -> None:
        self.seconds = max(self.seconds, seconds)

    def randbits(self, bits: int) -> int:
        """Stands in for ``secrets.randbits`` in ids: increasing, so ids sort by creation."""
        self._counter += 1
        return self._counter % (1 << bits)

    def token_hex(self, nbytes: int = 16) -> str:
        self._counter += 1
        return f"{self._counter:0{2 * nbytes}x}"[-2 * nbytes :]


# module attributes that hold a clock function, replaced while a history runs
_CLOCK_NAMES = ("utcnow", "_now")
_PREFIXES = ("hub.", "idempotency.", "ledger.", "webhooks.")


def _import_the_hub() -> None:
    """Import every module a history runs before the clock is installed. A module first
    imported while it is installed would bind the virtual clock (``from hub.store.repo import
    utcnow``, and ``clock=utcnow`` defaults) for good: the rest of the process (the next
    tests) would then stamp rows with the virtual 2030 time."""
    import hub.api.app
    import hub.runtime  # noqa: F401 - every service, the reconciliation, the stream relay


@contextmanager
def installed(clock: VirtualClock) -> Iterator[None]:
    """Point every hub module-level clock (``utcnow`` imported by name), the idempotency
    store's, the id generator and the simulator's ids at ``clock``; restore on exit."""
    import adapters.simulator.app as sim_app
    import hub.domain.ids as ids
    import hub.store.repo as repo
    import idempotency.store as istore

    _import_the_hub()
    originals: list[tuple[Any, str, Any]] = []

    def patch(obj: Any, name: str, value: Any) -> None:
        originals.append((obj, name, getattr(obj, name)))
        setattr(obj, name, value)

    targets = {id(repo.utcnow), id(istore._now)}
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or not mod_name.startswith(_PREFIXES):
            continue
        for name in _CLOCK_NAMES:
            if id(getattr(mod, name, None)) in targets:
                patch(mod, name, clock.now)
    patch(ids, "time", SimpleNamespace(time=clock.epoch_seconds))
    patch(ids, "secrets", SimpleNamespace(randbits=clock.randbits))
    patch(sim_app, "secrets", SimpleNamespace(token_hex=clock.token_hex))
    try:
        yield
    finally:
        for obj, name, value in reversed(originals):
            setattr(obj, name, value)
        _unbind_late_imports(clock, {"utcnow": repo.utcnow, "_now": istore._now})


def _unbind_late_imports(clock: VirtualClock, real: dict[str, Any]) -> None:
    """A module imported while the clock was installed (one ``_import_the_hub`` does not
    know of) holds ``clock.now`` in its globals: give it the real clock back."""
    for mod_name, mod in list(sys.modules.items()):
        if mod is None or not mod_name.startswith(_PREFIXES):
            continue
        for name in _CLOCK_NAMES:
            held = getattr(mod, name, None)
            if getattr(held, "__self__", None) is clock:
                setattr(mod, name, real[name])


def set_clocks(hub: Any, clock: VirtualClock) -> None:
    """Every service of a :class:`hub.runtime.Hub` that keeps its own ``clock`` attribute."""
    for service in vars(hub).values():
        if hasattr(service, "clock") and callable(service.clock):
            service.clock = clock.now
