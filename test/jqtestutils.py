"""Helpers for tests that run a real job queue (test/jqueue, test/test_mcpu.py).

OpTestDelay(duration=GATED) runs GatedLU, which a test holds inside Exec
with a Gate, so that "running" is a state a test can wait for and inspect.
"""

import threading

from ganeti import constants, locking, opcodes
from ganeti.cmdlib.base import NoHooksLU

#: OpTestDelay with this duration runs GatedLU instead of the real LUTestDelay.
GATED = 4242


class FakeConfig:
    write_count = 0

    def DropECReservations(self, ec_id):
        pass


class Context:
    def __init__(self):
        self.glm = locking.GanetiLockManager(["node1"], [])
        self.cfg = FakeConfig()
        self.rpc = None


class Gate:
    """Lets a test hold gated opcodes inside Exec and release them."""

    def __init__(self):
        self.entered = threading.Semaphore(0)
        self.release = threading.Event()
        self.fail = False

    def WaitEntered(self, count=1):
        for _ in range(count):
            assert self.entered.acquire(timeout=10), "gated opcode did not start"


class GatedLU(NoHooksLU):
    REQ_BGL = False
    gate: Gate

    def ExpandNames(self):
        self.needed_locks = {}

    def Exec(self, feedback_fn):
        feedback_fn("entered")
        self.gate.entered.release()
        assert self.gate.release.wait(30)
        if self.gate.fail:
            raise RuntimeError("gated failure")
        return "done"


def Delay(duration=0, **kwargs):
    return opcodes.OpTestDelay(duration=duration, **kwargs)


def WaitForStatus(queue, job_id, wanted, timeout=10):
    """Follow a job with WaitForJobChanges until its status is one of wanted."""
    info = None
    while True:
        result = queue.WaitForJobChanges(job_id, ["status"], info, None, timeout)
        assert result not in (None, constants.JOB_NOTCHANGED), result
        info = result[0]
        if info[0] in wanted:
            return info[0]
        assert info[0] not in constants.JOBS_FINALIZED, info


class OpWithoutLu(opcodes.OpTestDelay):
    """An opcode class no logical unit is named after (not registered: no own OP_ID)."""
