"""ganeti.utils.mlock: mlockall through ctypes, and going on when it is refused."""

import subprocess
import sys

from ganeti.utils import mlock

_LOCK_IN_CHILD = ("from ganeti.utils import mlock; import threading; ok = mlock.Mlockall(); "
                  "print(ok, mlock.GetLockedMemory(), threading.stack_size())")


class _RefusingLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append(("mallopt", param.value, value.value))
        return 1

    def mlockall(self, flags):
        self.calls.append(("mlockall", flags.value))
        return -1


def test_refusal_is_reported_not_raised(monkeypatch, caplog):
    libc = _RefusingLibc()
    monkeypatch.setattr(mlock.threading, "stack_size", lambda size: libc.calls.append(("stack", size)))
    assert mlock.Mlockall(libc) is False
    assert libc.calls == [("stack", mlock.THREAD_STACK_SIZE), ("mallopt", -8, 2), ("mlockall", 3)]
    assert "Cannot lock memory" in caplog.text


def test_mlockall_in_a_child_process():
    out = subprocess.run([sys.executable, "-c", _LOCK_IN_CHILD], check=True,
                         capture_output=True, text=True).stdout.split()
    ok, locked, stack = out[0] == "True", int(out[1]), int(out[2])
    if ok:
        assert locked > 0 and stack == mlock.THREAD_STACK_SIZE
    else:
        assert locked == 0  # not permitted here: reported, process carries on


def test_locked_memory_of_unknown_process():
    assert mlock.GetLockedMemory(2 ** 22 + 12345) == 0
