"""Fixtures for the locking tests: named threads and a view of who waits.

Tests order threads by events, never by sleeping.  To know that a thread is
queued on a lock, the locks under test are built with an observing
condition class: its wait() reports the calling thread before sleeping, and
the lock's internal mutex is only let go inside that wait(), so once the
report is seen, anything the test does to the lock happens after the thread
sleeps (no lost wakeup, no race).
"""

from __future__ import annotations

import collections
import threading
from typing import Any, Callable

import pytest

from ganeti import locking

CONDITION_CLASSES = [threading.Condition, locking.PipeCondition]

# Generous: only reached when something is broken.
DEADLINE = 10.0


class WaitObserver:
    """Counts, per thread name, how often a thread has entered a condition wait."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._entered: collections.Counter[str] = collections.Counter()
        self._stalls: dict[tuple[str, bool], tuple[threading.Event, threading.Event]] = {}

    def Stall(self, name: str, before: bool = False) -> tuple[threading.Event, threading.Event]:
        """Make thread `name` pause, with the lock's mutex let go, like a thread
        not yet scheduled: once next notified, before it re-takes the mutex; or
        (before=True) just before it next goes to sleep, so that its timeout
        cannot expire before the test says so.  Returns (stalled, resume)."""
        events = (threading.Event(), threading.Event())
        with self._cond:
            self._stalls[(name, before)] = events
        return events

    def Pause(self, mutex: Any, before: bool) -> None:
        with self._cond:
            stall = self._stalls.pop((threading.current_thread().name, before), None)
        if stall is not None:
            mutex.release()
            stall[0].set()
            stall[1].wait(DEADLINE)
            mutex.acquire()

    def Entered(self) -> None:
        with self._cond:
            self._entered[threading.current_thread().name] += 1
            self._cond.notify_all()

    def Count(self, name: str) -> int:
        with self._cond:
            return self._entered[name]

    def WaitUntilWaiting(self, name: str, times: int = 1) -> None:
        """Block until thread `name` has gone to sleep in a lock `times` times in all."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._entered[name] >= times, DEADLINE):
                raise AssertionError("thread %s never waited for a lock" % name)

    def ConditionClass(self, base: type) -> type:
        observer = self

        class _Observed(base):  # type: ignore[misc, valid-type]
            def wait(self, timeout: float | None = None) -> bool:
                observer.Pause(self._lock, True)
                observer.Entered()
                notified = super().wait(timeout)
                if notified:
                    observer.Pause(self._lock, False)
                return notified

        return _Observed


class Spawned:
    """A named thread running fn; keeps its result or exception."""

    def __init__(self, fn: Callable[[], Any], name: str) -> None:
        self.result: Any = None
        self.error: BaseException | None = None
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._Run, args=(fn,), name=name, daemon=True)
        self.thread.start()

    def _Run(self, fn: Callable[[], Any]) -> None:
        try:
            self.result = fn()
        except BaseException as err:  # handed to the test through Join()
            self.error = err
        finally:
            self.done.set()

    def Join(self) -> Any:
        """Wait for the thread; return its result or re-raise its exception."""
        if not self.done.wait(DEADLINE):
            raise AssertionError("thread %s did not finish" % self.thread.name)
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.result


@pytest.fixture
def observer() -> WaitObserver:
    return WaitObserver()


@pytest.fixture(params=CONDITION_CLASSES, ids=lambda c: c.__name__)
def cond_class(request: Any, observer: WaitObserver) -> type:
    """Each test runs with both condition implementations, observed."""
    return observer.ConditionClass(request.param)


@pytest.fixture
def spawn() -> Any:
    threads: list[Spawned] = []

    def _Spawn(fn: Callable[[], Any], name: str) -> Spawned:
        handle = Spawned(fn, name)
        threads.append(handle)
        return handle

    yield _Spawn
    stuck = [h.thread.name for h in threads if not h.done.wait(DEADLINE)]
    assert not stuck, "threads still running at the end of the test: %s" % stuck
