"""ganeti.utils.filelock: flock between processes, with timeouts."""

import subprocess
import sys

import pytest

from ganeti import errors, utils

_HOLDER = "import fcntl, sys, time; f = open(sys.argv[1], 'w'); fcntl.flock(f, fcntl.LOCK_EX);" \
          "print('locked', flush=True); sys.stdin.read()"


def test_exclusive_between_processes(tmp_path):
    path = str(tmp_path / "lock")
    holder = subprocess.Popen([sys.executable, "-c", _HOLDER, path], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"locked"
        lock = utils.FileLock.Open(path)
        with pytest.raises(errors.LockError):
            lock.Exclusive()
        with pytest.raises(errors.LockError, match="timeout"):
            lock.Shared(timeout=0.05)
    finally:
        holder.stdin.close()
        holder.wait()
    lock.Exclusive(blocking=True, timeout=2)
    lock.Unlock()
    lock.Close()
