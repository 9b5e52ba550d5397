"""The garbage collector tuned for a long-running server process.

CPython's cyclic collector runs a young collection every 700 net allocations of container
objects and a full one whenever the objects surviving into the oldest generation have grown by
a quarter. A server that has just imported Litestar, SQLAlchemy, asyncpg and the adapters holds
~170k such objects that live as long as the process: every full collection walks them all
(~100 ms on the 2-core benchmark machine, a pause of the event loop that every request in
flight waits out), and objects of requests in flight are promoted into the oldest generation
by the frequent young collections, so full collections come every few seconds under load. In
all, the collector took ~5% of the hub's CPU at 16 clients (docs/benchmarks.md).

:func:`settle_startup_heap` runs once the process has started (the app or the worker built):
one full collection, then ``gc.freeze()`` moves what survived into the permanent
generation, which the collector never walks again, and the young threshold is raised so that
a request's short-lived objects are mostly gone (freed by reference counting) before a
collection sees them. Garbage cycles are still collected, just in larger, rarer batches.
"""

from __future__ import annotations

import gc

#: (young, middle, old) thresholds; CPython's defaults are (700, 10, 10).
THRESHOLDS = (50_000, 20, 10)


def settle_startup_heap() -> None:
    """Collect, freeze what survived startup, raise the young threshold."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
