"""The collector settings ``payhub serve`` and ``payhub worker`` apply once started."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from hub.lifecycle.heap import THRESHOLDS, settle_startup_heap


@pytest.fixture
def restored_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


@pytest.mark.usefixtures("restored_gc")
def test_startup_objects_are_frozen_and_young_collections_are_rarer() -> None:
    gc.unfreeze()
    built_at_startup = [[i] for i in range(1000)]  # containers alive when the process has started
    assert all(gc.is_tracked(o) for o in built_at_startup)
    assert {id(o) for o in built_at_startup} <= {id(o) for o in gc.get_objects()}
    settle_startup_heap()
    assert gc.get_freeze_count() >= len(built_at_startup)
    tracked = {id(o) for o in gc.get_objects()}
    assert not any(id(o) in tracked for o in built_at_startup)  # a full collection no longer walks them
    assert gc.get_threshold() == THRESHOLDS
    assert THRESHOLDS[0] > 700  # CPython's default young threshold


@pytest.mark.usefixtures("restored_gc")
def test_garbage_cycles_made_after_startup_are_still_collected() -> None:
    settle_startup_heap()

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a
    refs = [weakref.ref(a), weakref.ref(b)]
    del a, b
    assert all(r() is not None for r in refs)  # a cycle: reference counting alone frees neither
    gc.collect()
    assert all(r() is None for r in refs)
