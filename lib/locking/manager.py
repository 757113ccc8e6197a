"""GanetiLockManager: the master daemon's locks, in levels taken in order.

Level 0 holds the Big Ganeti Lock (BGL), level 1 the instances, level 2 the
nodes.  A thread must hold the BGL before anything else and may take a level
only while holding nothing at a higher level; since every LockSet is taken in
sorted order too, all threads take locks in one global order and cannot
deadlock.  Breaking the order is a bug in the caller and raises
errors.LockError at once, before any waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ganeti import errors
from ganeti.locking.lockset import LockSet, Names

LEVEL_CLUSTER = 0
LEVEL_INSTANCE = 1
LEVEL_NODE = 2

LEVELS = [LEVEL_CLUSTER, LEVEL_INSTANCE, LEVEL_NODE]
#: Levels whose members change as instances and nodes come and go.
LEVELS_MOD = [LEVEL_NODE, LEVEL_INSTANCE]
LEVEL_NAMES = {LEVEL_CLUSTER: "cluster", LEVEL_INSTANCE: "instance", LEVEL_NODE: "node"}

#: The one lock of LEVEL_CLUSTER.
BGL = "BGL"


class GanetiLockManager:
    """All locks of the cluster, with the level-order rules enforced per thread."""

    def __init__(self, nodes: Iterable[str] | None = None,
                 instances: Iterable[str] | None = None,
                 condition_class: type | None = None) -> None:
        members = {LEVEL_CLUSTER: [BGL], LEVEL_INSTANCE: instances, LEVEL_NODE: nodes}
        self._sets = {level: LockSet(members[level], LEVEL_NAMES[level], condition_class)
                      for level in LEVELS}

    def _Set(self, level: int, modifiable: bool = False) -> LockSet:
        if level not in (LEVELS_MOD if modifiable else LEVELS):
            raise errors.LockError("Invalid%s lock level %r" %
                                   (" or immutable" if modifiable else "", level))
        return self._sets[level]

    def _UpperOwned(self, level: int) -> list[str]:
        return [LEVEL_NAMES[lv] for lv in LEVELS if lv > level and self._sets[lv].is_owned()]

    def _CheckBGL(self, level: int, what: str) -> None:
        if BGL not in self._sets[LEVEL_CLUSTER].list_owned():
            raise errors.LockError("Cannot %s %s locks without holding the BGL" %
                                   (what, LEVEL_NAMES[level]))

    def _CheckOrder(self, level: int, what: str) -> None:
        upper = self._UpperOwned(level)
        if upper:
            raise errors.LockError("Cannot %s %s locks while holding %s locks (level order)" %
                                   (what, LEVEL_NAMES[level], ", ".join(upper)))

    def _names(self, level: int) -> set[str]:
        return self._Set(level)._names()

    def is_owned(self, level: int) -> bool:
        """Whether this thread holds anything at level."""
        return self._Set(level).is_owned()

    def list_owned(self, level: int) -> set[str]:
        """Names this thread holds at level."""
        return self._Set(level).list_owned()

    def acquire(self, level: int, names: Names, timeout: float | None = None,
                shared: int = 0) -> set[str] | None:
        """Take names (or ALL_SET) at level; None if timeout expired (nothing held then)."""
        lockset = self._Set(level)
        if level != LEVEL_CLUSTER:
            self._CheckBGL(level, "acquire")
        self._CheckOrder(level, "acquire")
        return lockset.acquire(names, timeout=timeout, shared=shared)

    def release(self, level: int, names: Names = None) -> None:
        """Give back names (default: all) at level; the BGL goes last."""
        lockset = self._Set(level)
        if level == LEVEL_CLUSTER:
            self._CheckOrder(level, "release")
        lockset.release(names)

    def add(self, level: int, names: str | Iterable[str], acquired: int = 0,
            shared: int = 0) -> None:
        """Add instance or node locks (e.g. for a new instance), optionally held."""
        lockset = self._Set(level, modifiable=True)
        self._CheckBGL(level, "add")
        self._CheckOrder(level, "add")
        lockset.add(names, acquired=acquired, shared=shared)

    def remove(self, level: int, names: str | Iterable[str]) -> list[str]:
        """Remove instance or node locks; the caller holds them exclusively or holds none.

        Holding nothing at the level, the removal waits for each lock, so it
        is only allowed while holding nothing at a higher level either.
        """
        lockset = self._Set(level, modifiable=True)
        self._CheckBGL(level, "remove")
        if not lockset.is_owned():
            self._CheckOrder(level, "remove")
        return lockset.remove(names)

    def QueryLocks(self) -> list[dict[str, Any]]:
        """Every lock's name, mode, owner and pending acquires, for gnt-debug locks.

        Each lock is read under its own mutex only; nothing is stopped.
        """
        return [info for level in LEVELS for info in self._sets[level].GetInfo()]
