"""The user-id pool (2.1 design, "User-id pool").

The pool is a cluster parameter, a list of (low, high) ranges, shipped to every
node through ssconf. On a node, RequestUnusedUid hands out a uid from the pool
that no process currently runs as, holding a lock file per uid so that two
requesters never get the same one while a process is being started.
"""

from __future__ import annotations

import errno
import os
import random
from typing import Any, Callable, Iterable, Sequence

from ganeti import constants, errors, pathutils
from ganeti.utils import filelock, io

UidRange = tuple[int, int]


def _ParseBoundary(text: str) -> int:
    try:
        value = int(text.strip())
    except ValueError as err:
        raise errors.OpPrereqError("Invalid user-id value %r" % text.strip(),
                                   errors.ECODE_INVAL) from err
    if not constants.UIDPOOL_UID_MIN <= value <= constants.UIDPOOL_UID_MAX:
        raise errors.OpPrereqError("User-id %d is out of range (%d-%d)"
                                   % (value, constants.UIDPOOL_UID_MIN, constants.UIDPOOL_UID_MAX),
                                   errors.ECODE_INVAL)
    return value


def ParseUidPool(value: str, separator: str | None = None) -> list[UidRange]:
    """Parse "1000-1009, 2000" (or one range a line) into [(1000, 1009), (2000, 2000)].

    Boundaries are inclusive; a range whose high end is below its low end is
    an error. The result is sorted.
    """
    ranges = []
    for item in value.split(separator if separator is not None else ","):
        item = item.strip()
        if not item:
            continue
        low_text, dash, high_text = item.partition("-")
        low = _ParseBoundary(low_text)
        high = _ParseBoundary(high_text) if dash else low
        if high < low:
            raise errors.OpPrereqError("User-id range %r has its upper bound below its lower"
                                       " bound" % item, errors.ECODE_INVAL)
        ranges.append((low, high))
    return sorted(ranges)


def FormatUidPool(uid_pool: Iterable[Sequence[int]], separator: str | None = None) -> str:
    """The inverse of ParseUidPool: the form `gnt-cluster modify --uid-pool` accepts."""
    parts = ["%d" % low if low == high else "%d-%d" % (low, high) for low, high in uid_pool]
    return (separator if separator is not None else ", ").join(parts)


def CheckUidPool(uid_pool: Any) -> None:
    """Refuse a stored pool that is not a list of ordered integer pairs."""
    if not isinstance(uid_pool, (list, tuple)):
        raise errors.OpPrereqError("The uid pool must be a list", errors.ECODE_INVAL)
    for item in uid_pool:
        if (not isinstance(item, (list, tuple)) or len(item) != 2
                or not all(isinstance(b, int) and not isinstance(b, bool) for b in item)):
            raise errors.OpPrereqError("Invalid uid pool range %r" % (item,), errors.ECODE_INVAL)
        if item[1] < item[0]:
            raise errors.OpPrereqError("Invalid uid pool range %r: upper bound below lower"
                                       % (item,), errors.ECODE_INVAL)


def AddToUidPool(uid_pool: list[UidRange], add_uids: Iterable[UidRange]) -> list[UidRange]:
    """The pool with add_uids added (duplicates of whole ranges ignored)."""
    result = list(uid_pool)
    for rng in add_uids:
        if tuple(rng) not in result:
            result.append(tuple(rng))
    return sorted(result)


def RemoveFromUidPool(uid_pool: list[UidRange], remove_uids: Iterable[UidRange]) -> list[UidRange]:
    """The pool without remove_uids; each must be a range of the pool, as given."""
    result = list(uid_pool)
    for rng in remove_uids:
        if tuple(rng) not in result:
            raise errors.OpPrereqError("User-id range to be removed is not present in the"
                                       " current user-id pool: %s" % FormatUidPool([rng]),
                                       errors.ECODE_INVAL)
        result.remove(tuple(rng))
    return result


def ExpandUidPool(uid_pool: Iterable[Sequence[int]]) -> list[int]:
    """Every uid of the pool, once each."""
    uids: set[int] = set()
    for low, high in uid_pool:
        uids.update(range(low, high + 1))
    return sorted(uids)


def _UidsInUse() -> set[int]:
    """Real uids of every process on this machine (from /proc)."""
    used = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            used.add(os.stat("/proc/%s" % entry).st_uid)
        except OSError:
            continue
    return used


class LockedUid:
    """A uid reserved from the pool, with its lock file still locked."""

    def __init__(self, uid: int, lock: filelock.FileLock):
        self._uid = uid
        self._lock: filelock.FileLock | None = lock

    def GetUid(self) -> int:
        return self._uid

    def AsStr(self) -> str:
        return str(self._uid)

    def Unlock(self) -> None:
        """Release the file lock once the process runs under the uid."""
        if self._lock is not None:
            self._lock.Unlock()
            self._lock.Close()
            self._lock = None

    def __int__(self) -> int:
        return self._uid


def _LockFile(uid: int) -> str:
    return os.path.join(pathutils.UIDPOOL_LOCKDIR, str(uid))


def RequestUnusedUid(all_uids: Iterable[int]) -> LockedUid:
    """Reserve a uid of the pool that no process runs as.

    The candidates are tried in random order; for each, its lock file is
    locked exclusively (without blocking) and only then is /proc checked, so
    that the check and the reservation cannot race with another requester.
    """
    candidates = list(all_uids)
    if not candidates:
        raise errors.OpPrereqError("The uid pool is empty", errors.ECODE_STATE)
    random.shuffle(candidates)
    io.EnsureDirs([(pathutils.UIDPOOL_LOCKDIR, constants.SECURE_DIR_MODE)])
    in_use = None
    for uid in candidates:
        lock = filelock.FileLock.Open(_LockFile(uid))
        try:
            lock.Exclusive(blocking=False)
        except errors.LockError:
            lock.Close()
            continue
        if in_use is None:
            in_use = _UidsInUse()
        if uid in in_use:
            lock.Unlock()
            lock.Close()
            continue
        return LockedUid(uid, lock)
    raise errors.OpPrereqError("No free user-id found in the pool", errors.ECODE_NORES)


def ReleaseUid(uid: int | LockedUid) -> None:
    """Return a uid to the pool (removes its lock file; does not check processes)."""
    if isinstance(uid, LockedUid):
        uid.Unlock()
        uid = uid.GetUid()
    try:
        os.unlink(_LockFile(int(uid)))
    except OSError as err:
        if err.errno != errno.ENOENT:
            raise errors.GenericError("Can't remove uid lock file for %s: %s" % (uid, err)) from err


def ExecWithUnusedUid(fn: Callable[..., Any], all_uids: Iterable[int], *args: Any,
                      **kwargs: Any) -> Any:
    """Run fn(*args, uid=<int>, **kwargs) with a reserved uid.

    The lock is released once fn returns (the process it started now runs as
    the uid); if fn raises, the uid goes back to the pool.
    """
    uid = RequestUnusedUid(all_uids)
    kwargs["uid"] = uid.GetUid()
    try:
        result = fn(*args, **kwargs)
    except BaseException:
        ReleaseUid(uid)
        raise
    uid.Unlock()
    return result
