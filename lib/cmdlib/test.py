"""Logical units for testing the machinery (gnt-debug)."""

from __future__ import annotations

import time
from typing import Any

from ganeti import errors, locking
from ganeti.cmdlib.base import ExpandNodeName, NoHooksLU


class LUTestDelay(NoHooksLU):
    """Sleep on the master and/or the nodes: exercises locks, jobs and RPC."""

    REQ_BGL = False

    def ExpandNames(self) -> None:
        self.needed_locks = {}
        if self.op.on_nodes:
            self.op.on_nodes = [ExpandNodeName(self.cfg, n) for n in self.op.on_nodes]
            self.needed_locks[locking.LEVEL_NODE] = list(self.op.on_nodes)

    def CheckPrereq(self) -> None:
        if self.op.duration < 0:
            raise errors.OpPrereqError("Negative delay %s" % self.op.duration, errors.ECODE_INVAL)

    def _Delay(self) -> None:
        if self.op.on_master and self.op.duration:
            time.sleep(self.op.duration)
        if self.op.on_nodes:
            result = self.rpc.call_test_delay(self.op.on_nodes, self.op.duration)
            for node, res in result.items():
                res.Raise("Failure during rpc call to node %s" % node)

    def Exec(self, feedback_fn: Any) -> Any:
        repeat = max(1, self.op.repeat or 1)
        for i in range(repeat):
            if repeat > 1:
                self.LogInfo("Test delay iteration %d/%d", i + 1, repeat)
            self._Delay()
        return True
