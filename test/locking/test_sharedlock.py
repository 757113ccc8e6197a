"""Tests of locking.SharedLock: exclusion, queue order, timeouts, deletion."""

from __future__ import annotations

import threading

import pytest

from ganeti import errors, locking

EXC, SHR = locking.MODE_EXCLUSIVE, locking.MODE_SHARED


@pytest.fixture
def lock(cond_class):
    return locking.SharedLock("test", cond_class)


def _Hold(lock, shared, acquired_log, go, held=None):
    """A thread body: take the lock, log it (and release held), keep it until go is set."""
    def _Body():
        lock.acquire(shared=shared)
        acquired_log.append(threading.current_thread().name)
        if held is not None:
            held.release()
        go.wait()
        lock.release()
    return _Body


def _Await(held, count):
    for _ in range(count):
        assert held.acquire(timeout=10), "a thread never got the lock"


def test_exclusive_and_shared_ownership(lock):
    assert not lock.is_owned()
    assert lock.acquire()
    assert lock.is_owned() and lock.is_owned(shared=0) and not lock.is_owned(shared=1)
    lock.release()
    assert lock.acquire(shared=1)
    assert lock.is_owned(shared=1) and not lock.is_owned(shared=0)
    lock.release()
    assert not lock.is_owned()


def test_exclusive_excludes_everybody(lock, spawn):
    lock.acquire()
    tries = spawn(lambda: (lock.acquire(timeout=0), lock.acquire(shared=1, timeout=0)), "other")
    assert tries.Join() == (False, False)
    lock.release()


def test_shared_holders_coexist_but_exclude_exclusive(lock, spawn):
    lock.acquire(shared=1)
    assert spawn(lambda: lock.acquire(shared=1, timeout=0) and (lock.release() or True),
                 "sharer").Join() is True
    assert spawn(lambda: lock.acquire(timeout=0), "exclusive").Join() is False
    lock.release()


def test_double_acquire_and_foreign_release_raise(lock, spawn):
    lock.acquire(shared=1)
    with pytest.raises(errors.LockError):
        lock.acquire(shared=1)
    with pytest.raises(errors.LockError):
        lock.acquire()
    with pytest.raises(errors.LockError):
        spawn(lock.release, "stranger").Join()
    lock.release()
    with pytest.raises(errors.LockError):
        lock.release()


def test_exclusive_waiters_are_served_in_arrival_order(lock, spawn, observer):
    lock.acquire()
    log, go = [], threading.Event()
    go.set()  # every waiter releases right after logging
    names = ["X1", "X2", "X3", "X4"]
    threads = []
    for name in names:
        threads.append(spawn(_Hold(lock, 0, log, go), name))
        observer.WaitUntilWaiting(name)
    assert lock.GetInfo()["pending"] == [(EXC, [n]) for n in names]
    lock.release()
    for thread in threads:
        thread.Join()
    assert log == names
    assert lock.GetInfo()["pending"] == []


def test_shared_acquires_join_the_active_condition(lock, spawn, observer):
    lock.acquire()
    log, go, held = [], threading.Event(), threading.Semaphore(0)
    sharers = []
    for name in ("S1", "S2", "S3"):
        sharers.append(spawn(_Hold(lock, 1, log, go, held), name))
        observer.WaitUntilWaiting(name)
    exclusive = spawn(_Hold(lock, 0, log, go), "X")
    observer.WaitUntilWaiting("X")
    sharers.append(spawn(_Hold(lock, 1, log, go, held), "S4"))
    observer.WaitUntilWaiting("S4")
    # S4 joined the shared condition ahead of X: one entry for all sharers.
    assert lock.GetInfo()["pending"] == [(SHR, ["S1", "S2", "S3", "S4"]), (EXC, ["X"])]
    lock.release()
    # All four sharers get in together; X keeps waiting.
    _Await(held, 4)
    assert lock.GetInfo()["owner"] == ["S1", "S2", "S3", "S4"]
    late = spawn(_Hold(lock, 1, log, go), "S5")
    observer.WaitUntilWaiting("S5")
    info = lock.GetInfo()
    # The notified condition was swapped out: S5 queues behind X.
    assert info["pending"][-2:] == [(EXC, ["X"]), (SHR, ["S5"])]
    assert len(info["pending"]) <= 2 + 1
    go.set()
    for thread in sharers + [exclusive, late]:
        thread.Join()
    assert sorted(log[:4]) == ["S1", "S2", "S3", "S4"]
    assert log[4:] == ["X", "S5"]


def test_sharers_arriving_while_a_group_wakes_queue_behind_exclusive(lock, spawn, observer):
    lock.acquire()
    log, go, held = [], threading.Event(), threading.Semaphore(0)
    stalled, resume = observer.Stall("S1")
    group = [spawn(_Hold(lock, 1, log, go, held), name) for name in ("S1", "S2")]
    for name in ("S1", "S2"):
        observer.WaitUntilWaiting(name)
    exclusive = spawn(_Hold(lock, 0, log, go), "X")
    observer.WaitUntilWaiting("X")
    lock.release()
    _Await(held, 1)  # S2 is in; S1 was notified too but is not running yet
    assert stalled.wait(10)
    assert lock.GetInfo()["pending"] == [(SHR, ["S1"]), (EXC, ["X"])]
    # The notified condition is no longer the one new sharers join.
    assert spawn(lambda: lock.acquire(shared=1, timeout=0), "eager").Join() is False
    late = spawn(_Hold(lock, 1, log, go), "S3")
    observer.WaitUntilWaiting("S3")
    assert lock.GetInfo()["pending"] == [(SHR, ["S1"]), (EXC, ["X"]), (SHR, ["S3"])]
    resume.set()
    _Await(held, 1)
    go.set()
    for thread in group + [exclusive, late]:
        thread.Join()
    assert sorted(log[:2]) == ["S1", "S2"] and log[2:] == ["X", "S3"]


def test_consecutive_shared_acquires_do_not_starve_exclusive(lock, spawn, observer):
    lock.acquire(shared=1)
    log, go = [], threading.Event()
    go.set()
    exclusive = spawn(_Hold(lock, 0, log, go), "X")
    observer.WaitUntilWaiting("X")
    # The lock is held shared only, yet a new sharer must not pass X.
    assert spawn(lambda: lock.acquire(shared=1, timeout=0), "eager").Join() is False
    sharer = spawn(_Hold(lock, 1, log, go), "S")
    observer.WaitUntilWaiting("S")
    assert lock.GetInfo()["pending"] == [(EXC, ["X"]), (SHR, ["S"])]
    lock.release()
    exclusive.Join()
    sharer.Join()
    assert log == ["X", "S"]


def test_timeout_returns_false_and_leaves_no_trace(lock, spawn, observer):
    lock.acquire()
    assert spawn(lambda: lock.acquire(timeout=0.02), "X").Join() is False
    assert spawn(lambda: lock.acquire(shared=1, timeout=0.02), "S").Join() is False
    assert spawn(lambda: lock.acquire(shared=1, timeout=0), "S0").Join() is False
    assert lock.GetInfo()["pending"] == []
    # A timeout in the middle of the queue leaves the others in order.
    log, go = [], threading.Event()
    go.set()
    first = spawn(_Hold(lock, 0, log, go), "first")
    observer.WaitUntilWaiting("first")
    assert spawn(lambda: lock.acquire(timeout=0.02), "quitter").Join() is False
    last = spawn(_Hold(lock, 0, log, go), "last")
    observer.WaitUntilWaiting("last")
    assert lock.GetInfo()["pending"] == [(EXC, ["first"]), (EXC, ["last"])]
    lock.release()
    first.Join()
    last.Join()
    assert log == ["first", "last"]
    assert lock.GetInfo() == {"name": "test", "mode": None, "owner": [], "pending": []}


def test_head_timing_out_lets_compatible_waiters_in(lock, spawn, observer):
    lock.acquire(shared=1)
    stalled, resume = observer.Stall("X", before=True)
    quitter = spawn(lambda: lock.acquire(timeout=0.05), "X")
    assert stalled.wait(10)  # X is queued and cannot time out yet
    got_it = threading.Event()
    release = threading.Event()

    def _Sharer():
        lock.acquire(shared=1)
        got_it.set()
        release.wait()
        lock.release()
    sharer = spawn(_Sharer, "S")
    observer.WaitUntilWaiting("S")
    assert lock.GetInfo()["pending"] == [(EXC, ["X"]), (SHR, ["S"])]
    resume.set()
    assert quitter.Join() is False
    # Nobody released, yet S joins the shared holders once X gave up.
    assert got_it.wait(10)
    assert sorted(lock.GetInfo()["owner"]) == ["MainThread", "S"]
    release.set()
    sharer.Join()
    lock.release()


def test_shared_holder_cannot_delete(lock):
    lock.acquire(shared=1)
    with pytest.raises(errors.LockError):
        lock.delete()
    assert lock.is_owned(shared=1)
    lock.release()


def test_delete_wakes_waiters_with_lock_error(lock, spawn, observer):
    lock.acquire()
    waiters = []
    for name, shared in (("X", 0), ("S1", 1), ("S2", 1)):
        waiters.append(spawn(lambda shared=shared: lock.acquire(shared=shared), name))
        observer.WaitUntilWaiting(name)
    assert lock.delete() is True
    for waiter in waiters:
        with pytest.raises(errors.LockError):
            waiter.Join()
    assert not lock.is_owned()
    for call in (lock.acquire, lock.release, lock.delete):
        with pytest.raises(errors.LockError):
            call()


def test_delete_acquires_first_and_honours_timeout(lock, spawn, observer):
    lock.acquire(shared=1)
    assert spawn(lambda: lock.delete(timeout=0.02), "deleter").Join() is False
    assert lock.GetInfo()["pending"] == []
    deleter = spawn(lock.delete, "patient")
    observer.WaitUntilWaiting("patient")
    assert lock.GetInfo()["pending"] == [(EXC, ["patient"])]
    lock.release()
    assert deleter.Join() is True
    with pytest.raises(errors.LockError):
        lock.acquire(timeout=0)


def test_info_names_owners_and_waiters(lock, spawn, observer):
    go, held = threading.Event(), threading.Semaphore(0)
    holders = [spawn(_Hold(lock, 1, [], go, held), "Job%d/Worker%d" % (i, i)) for i in (7, 8)]
    _Await(held, 2)
    waiter = spawn(_Hold(lock, 0, [], go), "Job9/Worker1")
    observer.WaitUntilWaiting("Job9/Worker1")
    assert lock.GetInfo() == {"name": "test", "mode": SHR,
                              "owner": ["Job7/Worker7", "Job8/Worker8"],
                              "pending": [(EXC, ["Job9/Worker1"])]}
    go.set()
    for thread in holders + [waiter]:
        thread.Join()
    assert lock.GetInfo()["mode"] is None


def test_ssynchronized_runs_the_function_under_the_lock(lock):
    @locking.ssynchronized(lock, shared=1)
    def _Shared(value):
        assert lock.is_owned(shared=1)
        return value * 2

    @locking.ssynchronized(lock)
    def _Failing():
        assert lock.is_owned(shared=0)
        raise errors.OpExecError("boom")

    assert _Shared(21) == 42
    with pytest.raises(errors.OpExecError):
        _Failing()
    assert not lock.is_owned()
    assert _Shared.__name__ == "_Shared"
