"""Stress: many threads, random shared/exclusive acquires with timeouts.

Every holder checks the exclusion invariants as it enters and leaves; a
monitor checks each lock's snapshot (owners agree with the mode, at most two
shared entries in the queue, nobody both holding and waiting) until the
workers are done.  Bounded in operations, so it ends by itself.
"""

from __future__ import annotations

import collections
import random
import threading
import time

import pytest

from ganeti import locking

THREADS = 16
OPS = 250
TIMEOUTS = [None, 0, 0.001, 0.005]


class _Ledger:
    """Who holds what according to the holders themselves; records violations."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._exc: collections.Counter[str] = collections.Counter()
        self._shr: collections.Counter[str] = collections.Counter()
        self.violations: list[str] = []
        self.granted = collections.Counter()

    def Enter(self, name: str, shared: bool) -> None:
        with self._mutex:
            if self._exc[name] or (not shared and self._shr[name]):
                self.violations.append("%s: %s granted while exc=%d shr=%d" % (
                    name, "shared" if shared else "exclusive", self._exc[name], self._shr[name]))
            (self._shr if shared else self._exc)[name] += 1
            self.granted["shared" if shared else "exclusive"] += 1

    def Leave(self, name: str, shared: bool) -> None:
        with self._mutex:
            (self._shr if shared else self._exc)[name] -= 1


def _CheckSnapshot(info: dict, problems: list[str]) -> None:
    owners, pending = info["owner"], info["pending"]
    if (info["mode"] == "exclusive" and len(owners) != 1) or \
            (info["mode"] == "shared" and not owners) or (info["mode"] is None and owners):
        problems.append("%s: mode %s with owners %s" % (info["name"], info["mode"], owners))
    if sum(1 for mode, _ in pending if mode == "shared") > 2:
        problems.append("%s: more than two shared entries: %s" % (info["name"], pending))
    waiting = [name for _, names in pending for name in names]
    if len(waiting) != len(set(waiting)) or set(waiting) & set(owners):
        problems.append("%s: inconsistent queue %s, owners %s" % (info["name"], pending, owners))


@pytest.mark.timeout(60)
@pytest.mark.parametrize("cond_class", [threading.Condition, locking.PipeCondition],
                         ids=lambda c: c.__name__)
def test_random_acquires_keep_the_invariants(cond_class):
    locks = [locking.SharedLock("lock%d" % i, cond_class) for i in range(3)]
    members = ["m%d" % i for i in range(6)]
    lockset = locking.LockSet(members, "set", cond_class)
    ledger = _Ledger()
    timed_out = collections.Counter()
    start = threading.Barrier(THREADS + 1)
    stop = threading.Event()
    problems: list[str] = []

    def _OneLock(rnd: random.Random) -> None:
        lock = rnd.choice(locks)
        shared = rnd.random() < 0.6
        if not lock.acquire(shared=shared, timeout=rnd.choice(TIMEOUTS)):
            timed_out["lock"] += 1
            return
        ledger.Enter(lock.name, shared)
        for _ in range(rnd.randrange(3)):
            time.sleep(0.0002)  # hold it a while: real contention
        ledger.Leave(lock.name, shared)
        lock.release()

    def _SomeOfSet(rnd: random.Random) -> None:
        shared = rnd.random() < 0.5
        wanted = locking.ALL_SET if rnd.random() < 0.1 else rnd.sample(members, rnd.randint(1, 4))
        got = lockset.acquire(wanted, shared=shared, timeout=rnd.choice(TIMEOUTS))
        if got is None:
            timed_out["set"] += 1
            assert not lockset.is_owned()
            return
        for name in got:
            ledger.Enter("set/" + name, shared)
        time.sleep(0.0002)
        for name in got:
            ledger.Leave("set/" + name, shared)
        lockset.release()

    def _Worker(seed: int) -> None:
        rnd = random.Random(seed)
        start.wait()
        for _ in range(OPS):
            (_OneLock if rnd.random() < 0.7 else _SomeOfSet)(rnd)

    def _Monitor() -> None:
        while not stop.is_set():
            for info in [lock.GetInfo() for lock in locks] + lockset.GetInfo():
                _CheckSnapshot(info, problems)

    errors_seen: list[BaseException] = []

    def _Guarded(fn, *args):
        try:
            fn(*args)
        except BaseException as err:
            errors_seen.append(err)

    workers = [threading.Thread(target=_Guarded, args=(_Worker, seed), daemon=True)
               for seed in range(THREADS)]
    monitor = threading.Thread(target=_Guarded, args=(_Monitor,), daemon=True)
    for thread in workers + [monitor]:
        thread.start()
    start.wait()
    for thread in workers:
        thread.join(50)
    stop.set()
    monitor.join(10)
    assert not any(t.is_alive() for t in workers + [monitor]), "stress test hung"
    assert errors_seen == []
    assert ledger.violations == [] and problems == []
    assert ledger.granted["exclusive"] and ledger.granted["shared"]
    assert timed_out["lock"] and timed_out["set"]  # the timeout paths did run
    for info in [lock.GetInfo() for lock in locks] + lockset.GetInfo():
        assert info["mode"] is None and info["pending"] == [], info
