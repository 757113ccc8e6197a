"""Locking a daemon's memory in RAM (2.1 design, "Node daemon availability").

The node daemon must keep answering (above all a powercycle request) when the
system disk fails, so it must never need to page anything back in. It calls
mlockall(MCL_CURRENT | MCL_FUTURE) through ctypes at start.

With MCL_FUTURE every later mapping is locked and populated at once, so a
thread's whole stack and every malloc arena become resident. Mlockall
therefore first shrinks the stack size of threads created afterwards and caps
the number of malloc arenas; otherwise each request thread would pin ~8 MiB of
stack plus a 64 MiB arena reservation.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import threading

from ganeti import constants, errors

THREAD_STACK_SIZE = 512 * 1024  # enough for our C recursion depth, cheap when locked
MALLOC_ARENA_MAX = 2
_M_ARENA_MAX = -8  # glibc mallopt parameter number


def _LoadLibc() -> ctypes.CDLL:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name, use_errno=True)
    except OSError as err:
        raise errors.NoCtypesError("Cannot load the C library: %s" % err) from err


def Mlockall(libc: ctypes.CDLL | None = None) -> bool:
    """Lock all current and future memory of this process; False if not allowed.

    Failure (no CAP_IPC_LOCK and RLIMIT_MEMLOCK too small, or no libc) is
    logged and the daemon goes on unlocked: running swappable is better than
    not running.
    """
    try:
        libc = libc or _LoadLibc()
    except errors.NoCtypesError as err:
        logging.warning("Cannot lock memory: %s", err)
        return False
    threading.stack_size(THREAD_STACK_SIZE)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is not None:
        mallopt(ctypes.c_int(_M_ARENA_MAX), ctypes.c_int(MALLOC_ARENA_MAX))
    flags = constants.MLOCK_MCL_CURRENT | constants.MLOCK_MCL_FUTURE
    if libc.mlockall(ctypes.c_int(flags)) != 0:
        err = ctypes.get_errno()
        logging.warning("Cannot lock memory with mlockall: %s (errno %d)",
                        os.strerror(err), err)
        return False
    logging.info("Memory locked with mlockall: %d KiB", GetLockedMemory())
    return True


def GetLockedMemory(pid: int | str = "self") -> int:
    """VmLck of a process in KiB (0 when unknown), as /proc reports it."""
    try:
        with open("/proc/%s/status" % pid) as fh:
            for line in fh:
                if line.startswith("VmLck:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
