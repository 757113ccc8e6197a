"""LockSet: a named collection of SharedLocks taken in one fixed order.

Locks are always acquired in sorted name order, so two threads asking for
overlapping sets cannot deadlock.  An acquire with a timeout either gets
every lock it asked for or, on expiry, gives back those it had taken and
returns None: a thread that waits for one busy lock does not sit on the
others (the 2.1 design's inst1..inst4 case).  Acquiring the whole set
(ALL_SET) also takes the set's own lock, which add() needs exclusively, so
nobody can add a member the holder of "all" would not hold.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

from ganeti import errors
from ganeti.locking.sharedlock import SharedLock

#: Passed instead of a list of names: the whole set, including blocking additions.
ALL_SET = None

Names = str | Iterable[str] | None


def _NameList(names: str | Iterable[str]) -> list[str]:
    """Accept one name as well as a list, as upstream callers pass both."""
    return [names] if isinstance(names, str) else list(names)


class LockSet:
    """Named SharedLocks with per-thread ownership of a subset of them."""

    def __init__(self, members: Iterable[str] | None, name: str,
                 condition_class: type | None = None) -> None:
        self.name = name
        self._cond_class = condition_class
        self._set_lock = SharedLock("%s/[lockset]" % name, condition_class)
        self._dict_mutex = threading.Lock()
        self._locks: dict[str, SharedLock] = {n: self._NewLock(n) for n in members or ()}
        self._owned = threading.local()

    def _NewLock(self, member: str) -> SharedLock:
        return SharedLock("%s/%s" % (self.name, member), self._cond_class)

    def _OwnedLocks(self) -> dict[str, SharedLock]:
        """This thread's held members: name -> lock (a thread-local dict)."""
        try:
            return self._owned.locks
        except AttributeError:
            self._owned.locks = {}
            return self._owned.locks

    def _names(self) -> set[str]:
        """The current member names (a copy)."""
        with self._dict_mutex:
            return set(self._locks)

    def list_owned(self) -> set[str]:
        """Names of the members this thread holds."""
        return set(self._OwnedLocks())

    def is_owned(self) -> bool:
        """Whether this thread holds any member, or the whole set (even if empty)."""
        return bool(self._OwnedLocks()) or self._set_lock.is_owned()

    # --- acquire / release ------------------------------------------------------
    def acquire(self, names: Names, timeout: float | None = None,
                shared: int = 0) -> set[str] | None:
        """Take the named members (or ALL_SET), in sorted order, within timeout.

        Returns the set of names taken, or None if the timeout expired, in
        which case this thread holds nothing of the set.  Unknown names, or a
        member removed while we wait for it, raise errors.LockError (with
        ALL_SET, members removed meanwhile are simply skipped).
        """
        if self.is_owned():
            raise errors.LockError("Locks of set %s are already held by this thread;"
                                   " release them before acquiring again" % self.name)
        deadline = None if timeout is None else time.monotonic() + timeout
        if names is ALL_SET:
            if not self._set_lock.acquire(shared=shared, timeout=timeout):
                return None
            try:
                with self._dict_mutex:
                    wanted = sorted(self._locks.items())
                result = self._AcquireMembers(wanted, shared, deadline, True)
            except BaseException:
                self._set_lock.release()
                raise
            if result is None:
                self._set_lock.release()
            return result
        with self._dict_mutex:
            requested = sorted(set(_NameList(names)))
            missing = [n for n in requested if n not in self._locks]
            wanted = [(n, self._locks[n]) for n in requested if n not in missing]
        if missing:
            raise errors.LockError("No lock named %s in set %s" % (", ".join(missing), self.name))
        return self._AcquireMembers(wanted, shared, deadline, False)

    def _AcquireMembers(self, wanted: list[tuple[str, SharedLock]], shared: int,
                        deadline: float | None, skip_removed: bool) -> set[str] | None:
        owned = self._OwnedLocks()
        try:
            for name, lock in wanted:
                remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
                try:
                    got = lock.acquire(shared=shared, timeout=remaining)
                except errors.LockError:
                    if skip_removed:
                        continue
                    raise errors.LockError("Lock %s of set %s was removed while waiting"
                                           " for it" % (name, self.name))
                if not got:
                    self._ReleaseMembers(list(owned))
                    return None
                owned[name] = lock
        except BaseException:
            self._ReleaseMembers(list(owned))
            raise
        return set(owned)

    def _ReleaseMembers(self, names: list[str]) -> None:
        owned = self._OwnedLocks()
        for name in names:
            owned.pop(name).release()

    def release(self, names: Names = None) -> None:
        """Give back the named members (default: everything this thread holds).

        Releasing any member also gives back the whole-set lock: the thread
        no longer holds "all", so additions may proceed.
        """
        owned = self._OwnedLocks()
        if not owned and not self._set_lock.is_owned():
            raise errors.LockError("Release of set %s while holding none of it" % self.name)
        if names is None:
            to_release = list(owned)
        else:
            to_release = _NameList(names)
            foreign = sorted(set(to_release) - set(owned))
            if foreign:
                raise errors.LockError("Release of locks not held in set %s: %s" %
                                       (self.name, ", ".join(foreign)))
        if self._set_lock.is_owned():
            self._set_lock.release()
        self._ReleaseMembers(to_release)

    # --- membership -------------------------------------------------------------
    def add(self, names: str | Iterable[str], acquired: int = 0, shared: int = 0) -> None:
        """Add new members, optionally already held by this thread.

        Waits while anybody else holds the whole set; a thread holding the
        whole set exclusively may add.  Existing names raise errors.LockError.
        A thread holding some members should add only while nobody can be
        waiting for them with the whole set (e.g. under the exclusive BGL, as
        an instance rename is), or both wait for each other.
        """
        names = _NameList(names)
        if len(set(names)) != len(names):
            raise errors.LockError("Names listed twice in add() to set %s" % self.name)
        if self._set_lock.is_owned(shared=1):
            raise errors.LockError("Cannot add to set %s while holding it as a whole in"
                                   " shared mode" % self.name)
        take_set_lock = not self._set_lock.is_owned()
        if take_set_lock:
            self._set_lock.acquire()
        try:
            new = {n: self._NewLock(n) for n in names}
            if acquired:
                # Not yet visible to anybody, so these cannot block.
                for lock in new.values():
                    lock.acquire(shared=shared)
            with self._dict_mutex:
                duplicates = sorted(set(new) & set(self._locks))
                if duplicates:
                    raise errors.LockError("Set %s already has locks named %s" %
                                           (self.name, ", ".join(duplicates)))
                self._locks.update(new)
            if acquired:
                self._OwnedLocks().update(new)
        finally:
            if take_set_lock:
                self._set_lock.release()

    def remove(self, names: str | Iterable[str]) -> list[str]:
        """Remove members; returns the names actually removed.

        A thread holding members of the set may only remove members it holds
        exclusively; a thread holding none waits to hold each one exclusively
        (SharedLock.delete).  Waiters for a removed lock get errors.LockError.
        Names not in the set are skipped.
        """
        names = _NameList(names)
        owned = self._OwnedLocks()
        if owned or self._set_lock.is_owned():
            foreign = sorted((set(names) - set(owned)) & self._names())
            if foreign:
                raise errors.LockError("Removing locks of set %s not held by this thread: %s"
                                       % (self.name, ", ".join(foreign)))
            shared = sorted(n for n in names if n in owned and not owned[n].is_owned(shared=0))
            if shared:
                raise errors.LockError("Removing locks of set %s held shared: %s" %
                                       (self.name, ", ".join(shared)))
        removed = []
        for name in names:
            with self._dict_mutex:
                lock = self._locks.pop(name, None)
            if lock is None:
                continue
            # Out of the dict first: new acquires fail at once instead of queueing
            # behind the delete, and a concurrent remove() of the name skips it.
            lock.delete()
            owned.pop(name, None)
            removed.append(name)
        return removed

    def GetInfo(self) -> list[dict[str, Any]]:
        """Snapshots of the whole-set lock and of every member, in name order."""
        with self._dict_mutex:
            locks = [lock for _, lock in sorted(self._locks.items())]
        return [self._set_lock.GetInfo()] + [lock.GetInfo() for lock in locks]
