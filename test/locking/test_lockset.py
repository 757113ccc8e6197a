"""Tests of locking.LockSet: ordered acquires, timeouts, whole-set, add/remove."""

from __future__ import annotations

import threading

import pytest

from ganeti import errors, locking

EXC, SHR = locking.MODE_EXCLUSIVE, locking.MODE_SHARED


@pytest.fixture
def ls(cond_class):
    return locking.LockSet(["a", "b", "c", "d"], "set", cond_class)


def _Info(lockset):
    return {i["name"]: i for i in lockset.GetInfo()}


def _Holding(lockset, names, shared=0):
    """A thread body holding names until the returned event is set."""
    held, go = threading.Event(), threading.Event()

    def _Body():
        result = lockset.acquire(names, shared=shared)
        held.set()
        go.wait()
        lockset.release()
        return result
    return _Body, held, go


def test_acquire_release_and_ownership(ls):
    assert ls.acquire(["c", "a"]) == {"a", "c"}
    assert ls.list_owned() == {"a", "c"} and ls.is_owned()
    ls.release(["a"])
    assert ls.list_owned() == {"c"}
    ls.release()
    assert ls.list_owned() == set() and not ls.is_owned()
    assert ls.acquire("b", shared=1) == {"b"}
    assert _Info(ls)["set/b"]["mode"] == SHR
    ls.release("b")


def test_misuse_raises_lock_error(ls):
    with pytest.raises(errors.LockError):
        ls.release()
    with pytest.raises(errors.LockError):
        ls.acquire(["a", "nosuch"])
    assert not ls.is_owned()
    ls.acquire(["a"])
    with pytest.raises(errors.LockError):
        ls.acquire(["b"])  # one acquire per set at a time
    with pytest.raises(errors.LockError):
        ls.release(["b"])
    ls.release()


def test_locks_are_taken_in_sorted_order(ls, spawn, observer):
    body, held, go = _Holding(ls, ["c"])
    holder = spawn(body, "holder")
    assert held.wait(10)
    waiter = spawn(lambda: ls.acquire(["d", "c", "a", "b"]), "W")
    observer.WaitUntilWaiting("W")
    info = _Info(ls)
    # a and b taken, waiting for c, d not touched yet.
    assert info["set/a"]["owner"] == ["W"] and info["set/b"]["owner"] == ["W"]
    assert info["set/c"]["pending"] == [(EXC, ["W"])]
    assert info["set/d"]["mode"] is None
    go.set()
    holder.Join()
    assert waiter.Join() == {"a", "b", "c", "d"}


def test_timeout_holds_nothing(ls, spawn):
    body, held, go = _Holding(ls, ["c"])
    holder = spawn(body, "holder")
    assert held.wait(10)
    attempt = spawn(lambda: (ls.acquire(["a", "b", "c", "d"], timeout=0.05), ls.list_owned()),
                    "impatient")
    assert attempt.Join() == (None, set())
    info = _Info(ls)
    assert [n for n, i in info.items() if i["mode"]] == ["set/c"]
    assert all(i["pending"] == [] for i in info.values())
    # a and b are really free again.
    assert ls.acquire(["a", "b"], timeout=0) == {"a", "b"}
    ls.release()
    go.set()
    holder.Join()


def test_all_set_blocks_additions_until_released(ls, spawn, observer):
    body, held, go = _Holding(ls, locking.ALL_SET, shared=1)
    holder = spawn(body, "all")
    assert held.wait(10)
    adder = spawn(lambda: ls.add("e"), "adder")
    observer.WaitUntilWaiting("adder")
    assert _Info(ls)["set/[lockset]"]["pending"] == [(EXC, ["adder"])]
    assert "e" not in ls._names()
    go.set()
    assert holder.Join() == {"a", "b", "c", "d"}
    adder.Join()
    assert ls._names() == {"a", "b", "c", "d", "e"}


def test_all_set_exclusive_holder_may_add_and_owns_new_locks(ls):
    assert ls.acquire(locking.ALL_SET) == {"a", "b", "c", "d"}
    ls.add(["e", "f"], acquired=1)
    assert ls.list_owned() == {"a", "b", "c", "d", "e", "f"}
    ls.release()
    assert not ls.is_owned()
    assert ls.acquire(locking.ALL_SET, shared=1) == {"a", "b", "c", "d", "e", "f"}
    with pytest.raises(errors.LockError):
        ls.add("g")  # would need the whole set exclusively
    ls.release(["a"])  # a partial release gives back the whole-set lock too
    ls.add("g")
    ls.release()
    assert "g" in ls._names()


def test_all_set_of_an_empty_set_is_owned_until_released(cond_class):
    empty = locking.LockSet([], "empty", cond_class)
    assert empty.acquire(locking.ALL_SET, timeout=0) == set()
    assert empty.is_owned()
    empty.release()
    assert not empty.is_owned()


def test_all_set_timeout_on_the_set_lock(ls, spawn):
    body, held, go = _Holding(ls, locking.ALL_SET)
    holder = spawn(body, "all")
    assert held.wait(10)
    attempt = spawn(lambda: (ls.acquire(locking.ALL_SET, shared=1, timeout=0.02), ls.is_owned()),
                    "also-all")
    assert attempt.Join() == (None, False)
    info = _Info(ls)
    assert info["set/[lockset]"]["owner"] == ["all"]
    assert all(i["pending"] == [] for i in info.values())
    go.set()
    assert holder.Join() == {"a", "b", "c", "d"}


def test_add_rejects_duplicates(ls):
    with pytest.raises(errors.LockError):
        ls.add(["e", "a"])
    with pytest.raises(errors.LockError):
        ls.add(["e", "e"])
    assert ls._names() == {"a", "b", "c", "d"}


def test_remove_needs_the_lock_exclusively(ls):
    ls.acquire(["a", "b"], shared=1)
    with pytest.raises(errors.LockError):
        ls.remove("a")  # held shared
    with pytest.raises(errors.LockError):
        ls.remove("c")  # not held while holding others
    ls.release()
    ls.acquire(["a", "b"])
    assert ls.remove(["a", "nosuch"]) == ["a"]
    assert ls.list_owned() == {"b"}
    ls.release()
    assert ls._names() == {"b", "c", "d"}


def test_remove_without_holding_waits_for_the_holder(ls, spawn, observer):
    body, held, go = _Holding(ls, ["a"], shared=1)
    holder = spawn(body, "holder")
    assert held.wait(10)
    remover = spawn(lambda: ls.remove("a"), "remover")
    observer.WaitUntilWaiting("remover")
    go.set()
    holder.Join()
    assert remover.Join() == ["a"]
    assert ls._names() == {"b", "c", "d"}


def test_waiters_for_a_removed_lock(ls, spawn, observer):
    ls.acquire(["b"])
    by_name = spawn(lambda: ls.acquire(["a", "b"]), "byname")
    observer.WaitUntilWaiting("byname")
    whole = spawn(lambda: ls.acquire(locking.ALL_SET, shared=1), "whole")
    observer.WaitUntilWaiting("whole")
    assert ls.remove("b") == ["b"]
    with pytest.raises(errors.LockError):
        by_name.Join()  # asked for b by name: error, and a given back
    assert whole.Join() == {"a", "c", "d"}  # the whole set: b just skipped
    assert not ls.is_owned()
    assert _Info(ls)["set/a"]["owner"] == ["whole"]
