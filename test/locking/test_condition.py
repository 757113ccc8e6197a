"""Tests of locking.PipeCondition, side by side with threading.Condition."""

from __future__ import annotations

import os
import threading

import pytest

from ganeti import locking

CONDITION_CLASSES = [threading.Condition, locking.PipeCondition]


def _OpenFds():
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.parametrize("cls", CONDITION_CLASSES, ids=lambda c: c.__name__)
def test_wait_times_out_with_false(cls):
    cond = cls(threading.Lock())
    with cond:
        assert cond.wait(0.01) is False
        assert cond.wait(0) is False


@pytest.mark.parametrize("cls", CONDITION_CLASSES, ids=lambda c: c.__name__)
def test_wait_and_notify_need_the_lock(cls):
    cond = cls(threading.Lock())
    with pytest.raises(RuntimeError):
        cond.wait(0)
    with pytest.raises(RuntimeError):
        cond.notify_all()


@pytest.mark.parametrize("cls", CONDITION_CLASSES, ids=lambda c: c.__name__)
@pytest.mark.parametrize("notify", ["notify_all", "notify"])
def test_notify_wakes_a_waiter(cls, notify):
    mutex = threading.Lock()
    cond, entered = cls(mutex), threading.Condition(mutex)
    state = {"waiting": False, "go": False, "woken": None}

    def _Waiter():
        with mutex:
            state["waiting"] = True
            entered.notify()
            while not state["go"]:
                state["woken"] = cond.wait(10)
    thread = threading.Thread(target=_Waiter)
    thread.start()
    with mutex:
        # The waiter lets go of mutex only inside cond.wait().
        assert entered.wait_for(lambda: state["waiting"], 10)
        state["go"] = True
        getattr(cond, notify)()
    thread.join(10)
    assert not thread.is_alive()
    assert state["woken"] is True


def test_pipe_notify_all_wakes_every_waiter_and_closes_its_pipe():
    before = _OpenFds()
    mutex = threading.Lock()
    cond, entered = locking.PipeCondition(mutex), threading.Condition(mutex)
    state = {"inside": 0, "woken": []}

    def _Waiter():
        with mutex:
            state["inside"] += 1
            entered.notify()
            state["woken"].append(cond.wait(10))
    threads = [threading.Thread(target=_Waiter) for _ in range(5)]
    for thread in threads:
        thread.start()
    with mutex:
        assert entered.wait_for(lambda: state["inside"] == 5, 10)
        assert _OpenFds() == before + 2  # one pipe for all five
        cond.notify_all()
        # A later waiter sleeps on a new pipe, not woken by the old notify.
        assert cond.wait(0.01) is False
    for thread in threads:
        thread.join(10)
    assert state["woken"] == [True] * 5
    assert _OpenFds() == before


def test_pipe_timeouts_release_the_pipe():
    before = _OpenFds()
    cond = locking.PipeCondition()
    with cond:
        assert cond.wait(0) is False
        cond.notify_all()  # nobody waits: nothing to close, no error
    assert _OpenFds() == before


def test_pipe_wait_fully_releases_a_reentrant_lock():
    cond = locking.PipeCondition()  # an RLock, as threading.Condition's default
    state = {"go": False}

    def _Notifier():
        with cond:  # only possible while the nested holder waits
            state["go"] = True
            cond.notify_all()
    with cond:
        with cond:
            thread = threading.Thread(target=_Notifier)
            thread.start()
            while not state["go"]:
                assert cond.wait(10) is True
    thread.join(10)
    assert not thread.is_alive()
