"""The heap settler: freeze after big loads, settle (collect) only while the user is idle."""

from __future__ import annotations

import gc
import weakref

import pytest

from explorer.core.heap import HeapSettler


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def thawed():
    yield
    gc.unfreeze()


def test_a_big_load_freezes_at_once_and_small_ones_do_not() -> None:
    loaded = [0]
    clock = Clock()
    heap = HeapSettler(lambda: loaded[0], threshold=1000, clock=clock)
    loaded[0] = 999
    assert heap.tick() is None and gc.get_freeze_count() == 0
    loaded[0] = 1000
    assert heap.tick() == "freeze" and gc.get_freeze_count() > 0
    assert heap.tick() is None  # nothing new loaded, and a settle waits for `every`


def test_settles_only_when_idle_and_reclaims_frozen_cycles() -> None:
    loaded = [0]
    clock = Clock()
    heap = HeapSettler(lambda: loaded[0], threshold=10, idle=1.0, every=30.0, clock=clock)
    garbage = Node()
    ref = weakref.ref(garbage)
    loaded[0] = 10
    assert heap.tick() == "freeze"
    del garbage
    gc.collect()
    assert ref() is not None, "a frozen cycle is out of the collector's reach"
    clock.now += 31
    heap.input_seen()  # the user is typing: no pause now
    assert heap.tick() is None and ref() is not None
    clock.now += 1.5
    assert heap.tick() == "settle"
    assert ref() is None and heap.settles == 1
    assert gc.get_freeze_count() > 0  # the survivors are frozen again


def test_release_gives_frozen_objects_back_to_the_collector() -> None:
    loaded = [0]
    heap = HeapSettler(lambda: loaded[0], threshold=1)
    loaded[0] = 1
    heap.tick()
    assert gc.get_freeze_count() > 0
    heap.release()
    assert gc.get_freeze_count() == 0


def test_started_turns_the_collector_back_on_and_freezes_what_start_up_built() -> None:
    heap = HeapSettler(lambda: 0)
    gc.disable()  # as extract-explorer's start-up does
    try:
        heap.started()
        assert gc.isenabled() and gc.get_freeze_count() > 0
    finally:
        gc.enable()
