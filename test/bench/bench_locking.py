#!/usr/bin/env python3
"""Benchmarks of ganeti.locking, run by hand; prints the figures.

  .venv/bin/python test/bench/bench_locking.py [--quick]

Measures uncontended SharedLock acquire+release (goal <= 5 us), throughput
of 8 threads contending for one lock, LockSet acquire/release of 1,000
names, and the wakeup latency of PipeCondition against threading.Condition,
which decides locking.DEFAULT_CONDITION.  Figures go to doc/locking.md and
doc/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import threading
import time
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from ganeti import locking  # noqa: E402

CONDITIONS = {"threading.Condition": threading.Condition, "PipeCondition": locking.PipeCondition}


def _Best(fn: Callable[[], float], repeat: int) -> float:
    """Smallest of repeat runs: the figure least disturbed by the rest of the machine."""
    return min(fn() for _ in range(repeat))


def _TimeAcquireRelease(lock: locking.SharedLock, shared: int, count: int) -> float:
    acquire, release = lock.acquire, lock.release
    start = time.perf_counter()
    for _ in range(count):
        acquire(shared=shared)
        release()
    return (time.perf_counter() - start) / count


def BenchUncontended(count: int, repeat: int) -> None:
    lock = locking.SharedLock("bench")
    for shared, label in ((0, "exclusive"), (1, "shared")):
        best = _Best(lambda s=shared: _TimeAcquireRelease(lock, s, count), repeat)
        print("  uncontended %-9s acquire+release: %6.2f us" % (label, best * 1e6))


def BenchContended(cond_class: type, threads: int, per_thread: int, exclusive_share: float) -> float:
    """ops/s of `threads` threads hammering one lock (exclusive_share of them exclusive)."""
    lock = locking.SharedLock("bench", cond_class)
    barrier = threading.Barrier(threads + 1)
    holders = {"exc": 0, "shr": 0}
    violations = []

    def _Worker(seed: int) -> None:
        rnd = random.Random(seed)
        modes = [0 if rnd.random() < exclusive_share else 1 for _ in range(per_thread)]
        barrier.wait()
        for shared in modes:
            lock.acquire(shared=shared)
            key = "shr" if shared else "exc"
            holders[key] += 1
            if holders["exc"] > 1 or (holders["exc"] and holders["shr"]):
                violations.append(dict(holders))
            time.sleep(0)  # let others in while we hold it: real contention
            holders[key] -= 1
            lock.release()

    workers = [threading.Thread(target=_Worker, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    if violations:
        raise AssertionError("exclusion violated: %s" % violations[:3])
    return threads * per_thread / elapsed


def _TimeLockSet(lockset: locking.LockSet, wanted: list[str] | None, shared: int) -> float:
    start = time.perf_counter()
    lockset.acquire(wanted, shared=shared)
    lockset.release()
    return time.perf_counter() - start


def BenchLockSet(names: int, repeat: int) -> None:
    members = ["inst%05d" % i for i in range(names)]
    lockset = locking.LockSet(members, "bench")
    for label, wanted, shared in (("exclusive, by name", members, 0),
                                  ("shared, by name", members, 1),
                                  ("exclusive, ALL_SET", locking.ALL_SET, 0)):
        best = _Best(lambda w=wanted, s=shared: _TimeLockSet(lockset, w, s), repeat)
        print("  LockSet of %d, %-19s acquire+release: %6.2f ms" % (names, label, best * 1e3))


def BenchWakeup(cond_class: type, rounds: int, timeout: float | None) -> float:
    """Median time (s) from notify_all() to the woken thread running (ping-pong)."""
    mutex = threading.Lock()
    conds = [cond_class(mutex), cond_class(mutex)]
    state = {"turn": 0, "sent": 0.0}
    latencies: list[float] = []

    def _Player(me: int) -> None:
        with mutex:
            for _ in range(rounds):
                while state["turn"] != me:
                    conds[me].wait(timeout)
                if state["sent"]:
                    latencies.append(time.perf_counter() - state["sent"])
                state["turn"] = 1 - me
                state["sent"] = time.perf_counter()
                conds[1 - me].notify_all()

    players = [threading.Thread(target=_Player, args=(i,)) for i in (0, 1)]
    for player in players:
        player.start()
    for player in players:
        player.join()
    return statistics.median(latencies)


def _GroupWakeupOnce(cond_class: type, waiters: int) -> float:
    mutex = threading.Lock()
    cond, all_in = cond_class(mutex), threading.Condition(mutex)
    woken: list[float] = []
    state = {"go": False, "inside": 0}

    def _Waiter() -> None:
        with mutex:
            state["inside"] += 1
            all_in.notify()
            while not state["go"]:
                cond.wait()
            woken.append(time.perf_counter())

    threads = [threading.Thread(target=_Waiter) for _ in range(waiters)]
    for thread in threads:
        thread.start()
    with mutex:
        # Each waiter counted itself holding the mutex and let go of it only
        # inside cond.wait(), so once we hold it with all counted, all wait.
        while state["inside"] < waiters:
            all_in.wait()
        state["go"] = True
        start = time.perf_counter()
        cond.notify_all()
    for thread in threads:
        thread.join()
    return max(woken) - start


def BenchGroupWakeup(cond_class: type, waiters: int, rounds: int) -> float:
    """Median time (s) for one notify_all() to get `waiters` threads running."""
    return statistics.median(_GroupWakeupOnce(cond_class, waiters) for _ in range(rounds))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    opts = parser.parse_args()
    scale = 10 if opts.quick else 1
    print("ganeti.locking benchmarks: Python %s, %s, %d CPUs" %
          (platform.python_version(), platform.machine(), os.cpu_count() or 0))
    print("Default condition: %s" % locking.DEFAULT_CONDITION.__name__)
    BenchUncontended(200000 // scale, 5)
    for label, cls in CONDITIONS.items():
        for share in (1.0, 0.25):
            ops = BenchContended(cls, 8, 5000 // scale, share)
            print("  8 threads, %3d%% exclusive, %-19s: %8.0f acquire+release/s" %
                  (share * 100, label, ops))
    BenchLockSet(1000, 5)
    for label, cls in CONDITIONS.items():
        for timeout in (None, 60.0):
            lat = BenchWakeup(cls, 20000 // scale, timeout)
            print("  wakeup latency, %-19s wait(%s): %6.1f us (median)" %
                  (label, "timeout" if timeout else "", lat * 1e6))
        lat = BenchGroupWakeup(cls, 8, 200 // scale)
        print("  notify_all to 8 waiters running, %-19s: %6.1f us (median)" % (label, lat * 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
