"""The opcode processor: runs one opcode's logical unit under its locks.

Lock acquisition follows the 2.1 design's retry strategy: every attempt to
take all of an LU's locks has a timeout; when it expires, everything is
released, the strategy pauses and the next attempt has a longer timeout,
and after a few attempts it blocks. So an operation that wants many locks
never sits on some of them while waiting for the rest (the design's
inst1..inst4 demonstration), and every LU gets this without doing anything.

Each level is first tried without waiting; only if that fails is the job
told it is waiting (OpExecCbBase.NotifyWaiting), so a job whose locks are
free goes straight from queued to running.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from ganeti import cmdlib, constants, errors, hooksmaster, locking


def _AsList(names: Any) -> list[str]:
    return [names] if isinstance(names, str) else list(names)


class LockAcquireTimeout(Exception):
    """An attempt to take an LU's locks timed out (internal to the processor)."""


class OpExecCbBase:
    """What the processor tells whoever runs it (the job queue) about an opcode.

    NotifyWaiting: a lock is busy, the opcode now waits for it.
    NotifyStart: all locks are held, the LU is about to check and execute.
    Feedback(*args): a log message ((msg) or (type, msg)) for the job log.
    CheckCancel: raise to abort while waiting for locks (cancel, shutdown).
    SubmitManyJobs(jobs): submit follow-up jobs, returns their results.
    """

    def NotifyWaiting(self) -> None:
        pass

    def NotifyStart(self) -> None:
        pass

    def Feedback(self, *args: Any) -> None:
        pass

    def CheckCancel(self) -> None:
        pass

    def SubmitManyJobs(self, jobs: list) -> list:
        raise errors.ProgrammerError("This processor cannot submit jobs")


class Processor:
    """Executes opcodes; one Processor per job (ec_id, the job id, scopes reservations)."""

    def __init__(self, context: Any, ec_id: Any,
                 strategy_factory: Callable[[], Any] | None = None):
        self.context = context
        self._ec_id = ec_id
        self._cbs: OpExecCbBase | None = None
        self.rpc = getattr(context, "rpc", None)
        self._strategy_factory = strategy_factory or locking.LockAttemptTimeoutStrategy

    # --- logging, as LUs call it ------------------------------------------
    def Log(self, *args: Any) -> None:
        if self._cbs:
            self._cbs.Feedback(*args)

    def LogStep(self, current: int, total: int, message: str) -> None:
        self.Log("STEP %d/%d %s" % (current, total, message))

    def LogWarning(self, message: str, *args: Any, hint: str | None = None) -> None:
        if args:
            message = message % tuple(args)
        logging.warning(message)
        self.Log(" - WARNING: %s" % message)
        if hint:
            self.Log("      Hint: %s" % hint)

    def LogInfo(self, message: str, *args: Any) -> None:
        if args:
            message = message % tuple(args)
        logging.info(message)
        self.Log(" - INFO: %s" % message)

    def GetECId(self) -> Any:
        return self._ec_id

    def SubmitManyJobs(self, jobs: list) -> list:
        """For LUs that hand work on to new jobs."""
        if self._cbs is None:
            raise errors.ProgrammerError("No job queue to submit jobs to")
        return self._cbs.SubmitManyJobs(jobs)

    # --- execution ----------------------------------------------------------
    def ExecOpCode(self, op: Any, cbs: OpExecCbBase | None = None) -> Any:
        """Run op's LU to completion and return its result."""
        lu_class = cmdlib.GetLUClass(op)
        self._cbs = cbs
        strategy = self._strategy_factory()
        try:
            while True:
                timeout = strategy.NextAttempt()
                try:
                    return self._ExecOnce(op, lu_class, timeout)
                except LockAcquireTimeout:
                    logging.info("Could not get the locks of %s within %.1fs, retrying",
                                 op.OP_ID, timeout)
        finally:
            self._cbs = None
            drop = getattr(getattr(self.context, "cfg", None), "DropECReservations", None)
            if drop is not None and self._ec_id is not None:
                drop(self._ec_id)

    def _ExecOnce(self, op: Any, lu_class: type, timeout: float | None) -> Any:
        """One attempt: all locks within timeout (None: wait as long as needed), then run."""
        deadline = None if timeout is None else time.monotonic() + timeout

        def _Remaining() -> float | None:
            return None if deadline is None else max(0.0, deadline - time.monotonic())

        glm = self.context.glm
        self._Acquire(locking.LEVEL_CLUSTER, [locking.BGL], not lu_class.REQ_BGL, _Remaining())
        try:
            lu = lu_class(self, op, self.context, self.rpc)
            lu.ExpandNames()
            if lu.needed_locks is None:
                raise errors.ProgrammerError("%s did not declare its locks" % lu_class.__name__)
            return self._LockAndExecLU(lu, locking.LEVEL_CLUSTER + 1, _Remaining)
        finally:
            if glm.is_owned(locking.LEVEL_CLUSTER):
                glm.release(locking.LEVEL_CLUSTER)

    def _Acquire(self, level: int, names: Any, shared: bool, timeout: float | None) -> Any:
        if self._cbs:
            self._cbs.CheckCancel()
        glm = self.context.glm
        shared = int(bool(shared))
        acquired = glm.acquire(level, names, shared=shared, timeout=0)
        if acquired is None and timeout != 0:
            if self._cbs:
                self._cbs.NotifyWaiting()
            acquired = glm.acquire(level, names, shared=shared, timeout=timeout)
        if acquired is None:
            raise LockAcquireTimeout()
        return acquired

    def _LockAndExecLU(self, lu: Any, level: int, remaining: Callable[[], float | None]) -> Any:
        """Take the locks of level and the levels after it, then run the LU.

        lu.add_locks[level] are created (held) instead of acquired, and
        lu.remove_locks[level] are deleted once the LU has run, also when it
        failed (instance and node additions and removals). An LU that adds a
        lock names it in remove_locks too until the object exists, as
        upstream's LUs do, so a failed addition leaves its name usable.
        """
        if level not in locking.LEVELS:
            if self._cbs:
                self._cbs.NotifyStart()
            return self._ExecLU(lu)
        glm = self.context.glm
        if level in lu.add_locks:
            try:
                glm.add(level, lu.add_locks[level], acquired=1,
                        shared=lu.share_locks.get(level, 0))
            except errors.LockError:
                # outside the try below: the locks are another job's, never removed here
                raise errors.OpPrereqError("Couldn't add locks (%s), probably because another"
                                           " job added them first (e.g. a concurrent creation"
                                           " of the same name)"
                                           % ", ".join(_AsList(lu.add_locks[level])),
                                           errors.ECODE_EXISTS)
        else:
            lu.DeclareLocks(level)
            if level in lu.needed_locks:
                self._Acquire(level, lu.needed_locks[level], lu.share_locks.get(level, 0),
                              remaining())
        try:
            return self._LockAndExecLU(lu, level + 1, remaining)
        finally:
            # Whether the LU succeeded, failed or will retry after a lock
            # timeout: only the LU knows whether the object an added lock
            # stands for exists (an instance can fail to start after it was
            # added), so it names in remove_locks exactly what must go
            if level in lu.remove_locks:
                glm.remove(level, _AsList(lu.remove_locks[level]))
            if glm.is_owned(level):
                glm.release(level)

    def _ExecLU(self, lu: Any) -> Any:
        lu.CheckPrereq()
        if getattr(lu.op, "dry_run", False):
            self.LogInfo("Dry-run mode requested, not executing the operation")
            return lu.dry_run_result
        if lu.HPATH is None:
            return lu.Exec(self.Log)
        hm = hooksmaster.HooksMaster(self.rpc.call_hooks_runner, lu, self.LogWarning)
        h_results = hm.RunPhase(constants.HOOKS_PHASE_PRE)
        lu.HooksCallBack(constants.HOOKS_PHASE_PRE, h_results, self.Log, None)
        cfg = self.context.cfg
        writes_before = cfg.write_count
        try:
            result = lu.Exec(self.Log)
            h_results = hm.RunPhase(constants.HOOKS_PHASE_POST)
            return lu.HooksCallBack(constants.HOOKS_PHASE_POST, h_results, self.Log, result)
        finally:
            if cfg.write_count != writes_before:
                try:
                    hm.RunConfigUpdate()
                except errors.GenericError as err:
                    self.LogWarning("Config update hooks failed: %s", err)
