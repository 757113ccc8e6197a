"""Tests of locking.GanetiLockManager: level order, membership, QueryLocks,
and the 2.1 design's inst1..inst4 demonstration."""

from __future__ import annotations

import threading
import time

import pytest

from ganeti import errors, locking

CLUSTER, INSTANCE, NODE = locking.LEVEL_CLUSTER, locking.LEVEL_INSTANCE, locking.LEVEL_NODE
INSTANCES = ["inst1", "inst2", "inst3", "inst4"]


@pytest.fixture
def glm(cond_class):
    return locking.GanetiLockManager(["node1", "node2"], INSTANCES, cond_class)


def _ReleaseAll(glm):
    for level in reversed(locking.LEVELS):
        if glm.is_owned(level):
            glm.release(level)


def test_levels_are_as_the_contract_says():
    assert locking.LEVELS == [0, 1, 2]
    assert (CLUSTER, INSTANCE, NODE) == (0, 1, 2)
    assert locking.BGL == "BGL" and locking.ALL_SET is None


def test_acquire_in_level_order(glm):
    assert glm.acquire(CLUSTER, [locking.BGL], shared=1) == {"BGL"}
    assert glm.acquire(INSTANCE, ["inst2"]) == {"inst2"}
    assert glm.acquire(NODE, locking.ALL_SET, shared=1) == {"node1", "node2"}
    assert glm.list_owned(INSTANCE) == {"inst2"} and glm.is_owned(NODE)
    _ReleaseAll(glm)
    assert not any(glm.is_owned(level) for level in locking.LEVELS)


def test_nothing_below_the_bgl_without_it(glm):
    with pytest.raises(errors.LockError):
        glm.acquire(INSTANCE, ["inst1"])
    with pytest.raises(errors.LockError):
        glm.acquire(NODE, ["node1"])
    assert not glm.is_owned(INSTANCE) and not glm.is_owned(NODE)


def test_never_a_lower_level_while_holding_a_higher_one(glm):
    glm.acquire(CLUSTER, [locking.BGL])
    glm.acquire(NODE, ["node1"])
    with pytest.raises(errors.LockError):
        glm.acquire(INSTANCE, ["inst1"])
    with pytest.raises(errors.LockError):
        glm.release(CLUSTER)  # the BGL goes last
    with pytest.raises(errors.LockError):
        glm.add(INSTANCE, "inst5")
    assert not glm.is_owned(INSTANCE) and glm.is_owned(CLUSTER)
    _ReleaseAll(glm)


def test_invalid_levels(glm):
    with pytest.raises(errors.LockError):
        glm.acquire(7, ["x"])
    glm.acquire(CLUSTER, [locking.BGL])
    with pytest.raises(errors.LockError):
        glm.add(CLUSTER, "BGL2")  # the cluster level is fixed
    with pytest.raises(errors.LockError):
        glm.remove(CLUSTER, locking.BGL)
    _ReleaseAll(glm)


def test_add_and_remove_as_instances_come_and_go(glm):
    with pytest.raises(errors.LockError):
        glm.add(INSTANCE, "inst5")  # needs the BGL
    glm.acquire(CLUSTER, [locking.BGL])
    glm.add(INSTANCE, "inst5", acquired=1)
    assert glm.list_owned(INSTANCE) == {"inst5"}
    glm.add(NODE, ["node3"])
    assert glm._names(NODE) == {"node1", "node2", "node3"}
    glm.release(INSTANCE)
    glm.acquire(INSTANCE, ["inst5"], shared=1)
    with pytest.raises(errors.LockError):
        glm.remove(INSTANCE, "inst5")  # needs the instance lock exclusively
    glm.release(INSTANCE)
    glm.acquire(INSTANCE, ["inst5"])
    assert glm.remove(INSTANCE, "inst5") == ["inst5"]
    assert "inst5" not in glm._names(INSTANCE)
    _ReleaseAll(glm)


def test_remove_holding_nothing_at_the_level(glm):
    glm.acquire(CLUSTER, [locking.BGL])
    glm.acquire(INSTANCE, ["inst1"])
    assert glm.remove(NODE, "node2") == ["node2"]  # a level below: fine...
    glm.release(INSTANCE)
    glm.acquire(NODE, ["node1"])
    with pytest.raises(errors.LockError):
        glm.remove(INSTANCE, "inst1")  # ...but not above a level we hold
    glm.release(NODE)
    assert glm.remove(INSTANCE, "inst1") == ["inst1"]
    _ReleaseAll(glm)


def test_query_locks_reports_modes_owners_and_waiters(glm, spawn, observer):
    held, go = threading.Event(), threading.Event()

    def _Job42():
        glm.acquire(CLUSTER, [locking.BGL], shared=1)
        glm.acquire(INSTANCE, ["inst1"])
        held.set()
        go.wait()
        _ReleaseAll(glm)

    def _Job43():
        glm.acquire(CLUSTER, [locking.BGL], shared=1)
        glm.acquire(INSTANCE, ["inst1"], shared=1)
        _ReleaseAll(glm)

    first = spawn(_Job42, "Job42/Worker1")
    assert held.wait(10)
    second = spawn(_Job43, "Job43/Worker2")
    observer.WaitUntilWaiting("Job43/Worker2")
    locks = {lock["name"]: lock for lock in glm.QueryLocks()}
    assert set(locks) == {
        "cluster/[lockset]", "cluster/BGL", "instance/[lockset]", "node/[lockset]",
        "instance/inst1", "instance/inst2", "instance/inst3", "instance/inst4",
        "node/node1", "node/node2"}
    assert locks["cluster/BGL"] == {"name": "cluster/BGL", "mode": "shared",
                                    "owner": ["Job42/Worker1", "Job43/Worker2"], "pending": []}
    assert locks["instance/inst1"] == {"name": "instance/inst1", "mode": "exclusive",
                                       "owner": ["Job42/Worker1"],
                                       "pending": [("shared", ["Job43/Worker2"])]}
    assert locks["instance/inst2"]["mode"] is None and locks["instance/inst2"]["owner"] == []
    go.set()
    first.Join()
    second.Join()


# --- the design's demonstration ------------------------------------------------

def _LockAllInstances(glm, strategy, attempts):
    """Operation B, driven like ganeti.mcpu: every attempt has a timeout for all
    its locks; on expiry everything is released and the strategy decides."""
    while True:
        timeout = strategy.NextAttempt()
        attempts.append(timeout)
        deadline = None if timeout is None else time.monotonic() + timeout

        def _Remaining(deadline=deadline):
            return None if deadline is None else max(0.0, deadline - time.monotonic())
        if glm.acquire(CLUSTER, [locking.BGL], shared=1, timeout=_Remaining()) is None:
            continue
        try:
            got = glm.acquire(INSTANCE, locking.ALL_SET, timeout=_Remaining())
            if got is None:
                continue
            glm.release(INSTANCE)
            return got
        finally:
            glm.release(CLUSTER)


def _OperationA(glm, held, go):
    def _Body():
        glm.acquire(CLUSTER, [locking.BGL], shared=1)
        glm.acquire(INSTANCE, ["inst4"])
        held.set()
        go.wait()
        _ReleaseAll(glm)
    return _Body


def _OperationC(glm, done):
    def _Body():
        glm.acquire(CLUSTER, [locking.BGL], shared=1)
        got = glm.acquire(INSTANCE, ["inst1"])
        _ReleaseAll(glm)
        done.set()
        return got
    return _Body


def test_demonstration_c_finishes_while_a_holds_inst4(glm, spawn, observer):
    a_held, a_go, c_done = threading.Event(), threading.Event(), threading.Event()
    op_a = spawn(_OperationA(glm, a_held, a_go), "A")
    assert a_held.wait(10)
    # B retries with short timeouts, never falling back to blocking here.
    strategy = locking.LockAttemptTimeoutStrategy(attempts=1000, start=0.05, factor=1.5,
                                                  cap=0.2)
    attempts = []
    op_b = spawn(lambda: _LockAllInstances(glm, strategy, attempts), "B")
    observer.WaitUntilWaiting("B")  # B holds inst1..inst3 and waits for inst4
    op_c = spawn(_OperationC(glm, c_done), "C")
    # C gets inst1 as soon as B gives up an attempt, while A still holds inst4.
    assert c_done.wait(10)
    assert op_c.Join() == {"inst1"}
    inst4 = {lock["name"]: lock for lock in glm.QueryLocks()}["instance/inst4"]
    assert inst4["owner"] == ["A"]
    a_go.set()
    op_a.Join()
    assert op_b.Join() == set(INSTANCES)
    assert len(attempts) >= 2


def test_demonstration_without_retries_c_waits_for_a(glm, spawn, observer):
    a_held, a_go = threading.Event(), threading.Event()
    op_a = spawn(_OperationA(glm, a_held, a_go), "A")
    assert a_held.wait(10)
    blocking = locking.LockAttemptTimeoutStrategy(attempts=0)
    op_b = spawn(lambda: _LockAllInstances(glm, blocking, []), "B")
    observer.WaitUntilWaiting("B")

    def _C():
        glm.acquire(CLUSTER, [locking.BGL], shared=1)
        try:
            return glm.acquire(INSTANCE, ["inst1"], timeout=0.1)
        finally:
            _ReleaseAll(glm)
    assert spawn(_C, "C").Join() is None  # stuck behind B, which waits for A
    a_go.set()
    op_a.Join()
    assert op_b.Join() == set(INSTANCES)
