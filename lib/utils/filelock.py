"""Advisory file locks (flock) with timeouts.

Used between processes of one node: the job queue lock, uid pool, the
watcher. Threads of one process use ganeti.locking instead.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time

from ganeti import errors


class FileLock:
    """A flock(2) lock on an open file descriptor."""

    def __init__(self, fd: int, filename: str):
        self.fd = fd
        self.filename = filename

    @classmethod
    def Open(cls, filename: str) -> "FileLock":
        """Open (creating if needed) a file and wrap it as a lock."""
        fd = os.open(filename, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o664)
        return cls(fd, filename)

    def Close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    def __del__(self):
        self.Close()

    def _flock(self, flag: int, blocking: bool, timeout: float | None) -> None:
        assert self.fd is not None, "Lock on closed file"
        if not blocking:
            timeout = 0
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = 0.001
        while True:
            try:
                fcntl.flock(self.fd, flag | (fcntl.LOCK_NB if deadline is not None else 0))
                return
            except BlockingIOError:
                pass
            except OSError as err:
                if err.errno != errno.EINTR:
                    raise
            if deadline is not None and time.monotonic() >= deadline:
                raise errors.LockError("Failed to lock %s (timeout %s)" % (self.filename, timeout))
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())) if deadline else delay)
            delay = min(delay * 2, 0.1)

    def Exclusive(self, blocking: bool = False, timeout: float | None = None) -> None:
        """Take the lock exclusively; non-blocking by default, as upstream."""
        self._flock(fcntl.LOCK_EX, blocking or timeout is not None, timeout)

    def Shared(self, blocking: bool = False, timeout: float | None = None) -> None:
        self._flock(fcntl.LOCK_SH, blocking or timeout is not None, timeout)

    def Unlock(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
