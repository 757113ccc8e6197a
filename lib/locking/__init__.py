"""Locks of the master daemon, as redesigned for Ganeti 2.1 (see doc/locking.md).

A package split by job: condition (pipe and stdlib conditions), sharedlock
(the fair reader/writer lock with timeouts), lockset (named locks taken in
order), manager (the levelled GanetiLockManager) and strategy (the retry
schedule for taking locks).  Everything is re-exported here so callers write
``locking.SharedLock`` as upstream code does.
"""

from ganeti.locking.condition import DEFAULT_CONDITION, PipeCondition  # noqa: F401
from ganeti.locking.lockset import ALL_SET, LockSet  # noqa: F401
from ganeti.locking.manager import (  # noqa: F401
    BGL,
    LEVEL_CLUSTER,
    LEVEL_INSTANCE,
    LEVEL_NAMES,
    LEVEL_NODE,
    LEVELS,
    LEVELS_MOD,
    GanetiLockManager,
)
from ganeti.locking.sharedlock import (  # noqa: F401
    MODE_EXCLUSIVE,
    MODE_SHARED,
    SharedLock,
    ssynchronized,
)
from ganeti.locking.strategy import LockAttemptTimeoutStrategy  # noqa: F401
