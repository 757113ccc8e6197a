"""SharedLock: a fair reader/writer lock with timeouts, as redesigned for 2.1.

Waiting acquires form one FIFO queue of conditions: one condition per
exclusive acquire and two that shared acquires take turns on, so the queue is
never longer than 2 + (waiting exclusive acquires).  Only the entry at the
head of the queue may take the lock.  A shared acquire joins the *active*
shared entry (shared acquires may so pass exclusive ones queued behind it);
when that entry is notified the two shared entries swap roles, so shared
acquires arriving later queue behind any exclusive acquire already waiting
and cannot starve it.  A timed-out acquire leaves the queue as if it had
never been there.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable, TypeVar

from ganeti import errors
from ganeti.locking import condition

F = TypeVar("F", bound=Callable[..., Any])

MODE_EXCLUSIVE = "exclusive"
MODE_SHARED = "shared"


class _QueueEntry:
    """A condition in the queue and the threads waiting on it, oldest first."""

    __slots__ = ("cond", "shared", "threads")

    def __init__(self, cond: Any, shared: bool) -> None:
        self.cond = cond
        self.shared = shared
        self.threads: list[threading.Thread] = []


class SharedLock:
    """A lock held by one thread exclusively or by many threads shared.

    Ownership is per thread: a thread may not acquire a lock it already holds
    (there are no upgrades) nor release one it does not hold; both raise
    errors.LockError, as does any use of a deleted lock.
    """

    def __init__(self, name: str, condition_class: type | None = None) -> None:
        self.name = name
        self._cond_class = condition_class or condition.DEFAULT_CONDITION
        self._mutex = threading.Lock()
        self._exc: threading.Thread | None = None
        self._shr: set[threading.Thread] = set()
        self._pending: list[_QueueEntry] = []
        self._active_shr = _QueueEntry(self._cond_class(self._mutex), True)
        self._inactive_shr = _QueueEntry(self._cond_class(self._mutex), True)
        self._deleted = False

    def __repr__(self) -> str:
        return "<SharedLock %s>" % self.name

    # --- helpers, all called with _mutex held ---------------------------------
    def _check_not_deleted(self) -> None:
        if self._deleted:
            raise errors.LockError("Lock %s has been deleted" % self.name)

    def _grantable(self, shared: bool) -> bool:
        return self._exc is None and (shared or not self._shr)

    def _grant(self, shared: bool, me: threading.Thread) -> None:
        if shared:
            self._shr.add(me)
        else:
            self._exc = me

    def _notify_head(self) -> None:
        """Wake the head of the queue if it could take the lock now."""
        head = self._pending[0]
        if not self._grantable(head.shared):
            return
        head.cond.notify_all()
        if head is self._active_shr:
            # Shared acquires arriving from now on wait behind everybody queued.
            self._active_shr, self._inactive_shr = self._inactive_shr, self._active_shr

    def _wait_in_queue(self, shared: bool, timeout: float | None, me: threading.Thread) -> bool:
        if shared:
            entry = self._active_shr
            if not entry.threads:
                self._pending.append(entry)
        else:
            entry = _QueueEntry(self._cond_class(self._mutex), False)
            self._pending.append(entry)
        entry.threads.append(me)
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if self._pending[0] is entry and self._grantable(shared):
                    self._grant(shared, me)
                    return True
                if deadline is None:
                    entry.cond.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    entry.cond.wait(remaining)
                self._check_not_deleted()
        finally:
            entry.threads.remove(me)
            if not entry.threads and entry in self._pending:
                was_head = self._pending[0] is entry
                self._pending.remove(entry)
                if was_head and self._pending:
                    self._notify_head()

    def _acquire_locked(self, shared: bool, timeout: float | None, me: threading.Thread) -> bool:
        self._check_not_deleted()
        if self._exc is me or me in self._shr:
            raise errors.LockError("Lock %s is already held by this thread" % self.name)
        if not self._pending and self._grantable(shared):
            self._grant(shared, me)  # the fast path: nobody waits, no queue needed
            return True
        return self._wait_in_queue(shared, timeout, me)

    # --- public API -----------------------------------------------------------
    def acquire(self, shared: int = 0, timeout: float | None = None) -> bool:
        """Take the lock (shared if shared is true); False if timeout expired first.

        timeout=None waits as long as needed, 0 only tries.  A lock deleted
        while we wait raises errors.LockError.
        """
        me = threading.current_thread()
        with self._mutex:
            return self._acquire_locked(bool(shared), timeout, me)

    def release(self) -> None:
        """Give the lock up and wake the oldest waiting acquire."""
        me = threading.current_thread()
        with self._mutex:
            if self._exc is me:
                self._exc = None
            elif me in self._shr:
                self._shr.remove(me)
            else:
                self._check_not_deleted()
                raise errors.LockError("Lock %s is not held by this thread" % self.name)
            if self._pending:
                self._notify_head()

    def delete(self, timeout: float | None = None) -> bool:
        """Delete the lock, acquiring it exclusively first unless already held so.

        Every waiting acquire then fails with errors.LockError.  Deleting a lock
        this thread holds shared is refused (others may hold it too).  Returns
        False if the exclusive acquire timed out; the lock is unchanged then.
        """
        me = threading.current_thread()
        with self._mutex:
            self._check_not_deleted()
            if me in self._shr:
                raise errors.LockError("Lock %s is held shared; only an exclusive holder"
                                       " may delete it" % self.name)
            if self._exc is not me and not self._acquire_locked(False, timeout, me):
                return False
            self._deleted = True
            self._exc = None
            for entry in self._pending:
                entry.cond.notify_all()
            self._pending = []
            return True

    def is_owned(self, shared: int = -1) -> bool:
        """Whether this thread holds the lock: in any mode (-1), exclusive (0), shared (1)."""
        me = threading.current_thread()
        with self._mutex:
            if shared < 0:
                return self._exc is me or me in self._shr
            if shared:
                return me in self._shr
            return self._exc is me

    def GetInfo(self) -> dict[str, Any]:
        """A consistent snapshot for gnt-debug locks: name, mode, owner, pending.

        owner and pending list thread names (the job queue names its workers
        after the job); pending is [(mode, [names])] in queue order.
        """
        with self._mutex:
            if self._exc is not None:
                mode, owners = MODE_EXCLUSIVE, [self._exc]
            elif self._shr:
                mode, owners = MODE_SHARED, list(self._shr)
            else:
                mode, owners = None, []
            pending = [(MODE_SHARED if e.shared else MODE_EXCLUSIVE, list(e.threads))
                       for e in self._pending]
        return {
            "name": self.name,
            "mode": mode,
            "owner": sorted(t.name for t in owners),
            "pending": [(m, [t.name for t in threads]) for m, threads in pending],
        }


def ssynchronized(lock: SharedLock, shared: int = 0) -> Callable[[F], F]:
    """Decorator: run the function holding lock (shared if shared is true).

    For module-level locks guarding one object's state (the configuration,
    the job queue), as upstream's config and jqueue modules use it.
    """
    def _Wrap(fn: F) -> F:
        @functools.wraps(fn)
        def _Locked(*args: Any, **kwargs: Any) -> Any:
            lock.acquire(shared=shared)
            try:
                return fn(*args, **kwargs)
            finally:
                lock.release()
        return _Locked  # type: ignore[return-value]
    return _Wrap
