"""Conditions the SharedLock queue can wait on.

The 2.1 design proposes a condition whose waiters sleep in poll(2) on a
pipe and are woken by closing it, because Python 2's threading.Condition
implemented timeouts by polling the lock every 1-20 ms.  Python 3's
threading.Condition waits in the kernel (sem_timedwait), so whether the pipe
still pays off is a measurement, not a given: test/bench/bench_locking.py
compares both and DEFAULT_CONDITION names the winner (see doc/locking.md).
Both classes have threading.Condition's interface, so SharedLock takes
either.
"""

from __future__ import annotations

import os
import select
import threading
from typing import Any


class _PipeGeneration:
    """One notification's pipe: waiters poll the read end, notify closes the write end.

    A generation lives as long as it has waiters; the last one out closes
    whatever is still open, so no file descriptor outlives its waiters.
    """

    __slots__ = ("read_fd", "write_fd", "waiters")

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.waiters = 0

    def wait(self, timeout: float | None) -> bool:
        """Sleep until the write end is closed (True) or timeout expires (False)."""
        poller = select.poll()
        poller.register(self.read_fd, select.POLLIN)
        # poll() takes milliseconds, rounds fractions up and restarts itself
        # with the remaining time after a signal (PEP 475).
        return bool(poller.poll(None if timeout is None else max(0.0, timeout) * 1000.0))

    def close_write(self) -> None:
        os.close(self.write_fd)
        self.write_fd = -1

    def close(self) -> None:
        if self.write_fd >= 0:
            self.close_write()
        os.close(self.read_fd)


class PipeCondition:
    """threading.Condition look-alike whose waiters sleep on a pipe.

    notify_all() closes the current pipe, which wakes every waiter at once
    through the kernel; the next wait() starts a new pipe.  A pipe cannot be
    closed for just some of its readers, so notify(n) wakes all waiters too:
    as with any condition, woken threads re-check what they wait for.
    """

    def __init__(self, lock: Any = None) -> None:
        self._lock = threading.RLock() if lock is None else lock
        self.acquire = self._lock.acquire
        self.release = self._lock.release
        self._gen: _PipeGeneration | None = None
        release_save = getattr(self._lock, "_release_save", None)
        if release_save is not None:
            self._release_save = release_save
            self._acquire_restore = self._lock._acquire_restore

    def _release_save(self) -> Any:
        self._lock.release()

    def _acquire_restore(self, _saved: Any) -> None:
        self._lock.acquire()

    def __enter__(self) -> bool:
        return self._lock.__enter__()

    def __exit__(self, *exc_info: Any) -> None:
        self._lock.__exit__(*exc_info)

    def _check_owned(self) -> None:
        is_owned = getattr(self._lock, "_is_owned", None)
        owned = is_owned() if is_owned is not None else self._lock.locked()
        if not owned:
            raise RuntimeError("cannot wait on or notify an un-acquired lock")

    def wait(self, timeout: float | None = None) -> bool:
        """Release the lock, sleep until notified or timeout, re-acquire; False on timeout."""
        self._check_owned()
        gen = self._gen
        if gen is None:
            gen = self._gen = _PipeGeneration()
        gen.waiters += 1
        # A reentrant lock must be let go of completely, as threading.Condition does.
        saved = self._release_save()
        try:
            return gen.wait(timeout)
        finally:
            self._acquire_restore(saved)
            gen.waiters -= 1
            if not gen.waiters:
                if gen is self._gen:
                    self._gen = None  # everybody timed out: nobody needs this pipe
                gen.close()

    def notify(self, n: int = 1) -> None:
        """Wake waiters; a pipe wakes all of them (see the class docstring)."""
        self.notify_all()

    def notify_all(self) -> None:
        """Wake every current waiter; later waiters wait on a fresh pipe."""
        self._check_owned()
        gen = self._gen
        if gen is not None:
            self._gen = None
            gen.close_write()


# Chosen by test/bench/bench_locking.py on Python 3.11 (figures in doc/locking.md).
DEFAULT_CONDITION: type = threading.Condition
