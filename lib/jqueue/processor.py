"""Running one job in a worker thread: opcode after opcode, through mcpu.

State changes of a job and which of them the worker waits for:
  queued --(locks free at once)--> running    durable before the LU executes
  queued --(must wait for a lock)--> waiting  written, not waited for
  running --> success | error                 written, not waited for
A job that never waits for a lock is never recorded as waiting: that saves
a disk write per job and changes nothing a client could rely on (an opcode
that is not running yet has done nothing). Cancel and shutdown are noticed
whenever mcpu calls back: when the opcode would start waiting, between lock
attempts (CheckCancel) and just before it would start running.
"""

from __future__ import annotations

import logging
from typing import Any

from ganeti import constants, errors, mcpu, serializer, workerpool
from ganeti.jqueue.job import QueuedJob, QueuedOpCode, TimeStampNow


class JobCanceled(Exception):
    """The job was ended from outside while its opcode waited (internal)."""


class QueueShutdown(Exception):
    """The queue is shutting down; the opcode goes back to queued (internal)."""


def EncodeOpError(err: BaseException) -> Any:
    """An opcode's error result: errors.EncodeException form, JSON-safe."""
    if not isinstance(err, errors.GenericError):
        err = errors.OpExecError(str(err))
    encoded = errors.EncodeException(err)
    try:
        serializer.DumpJson(encoded)
    except errors.ProgrammerError:
        encoded = errors.EncodeException(errors.OpExecError(str(err)))
    return encoded


class _OpExecCallbacks(mcpu.OpExecCbBase):
    """What mcpu.Processor reports back about one opcode."""

    def __init__(self, runner: "JobRunner", op: QueuedOpCode):
        self._runner = runner
        self._op = op

    def NotifyWaiting(self) -> None:
        self._runner.OpWaiting(self._op)

    def NotifyStart(self) -> None:
        self._runner.OpRunning(self._op)

    def Feedback(self, *args: Any) -> None:
        if len(args) == 1:
            log_type, message = constants.ELOG_MESSAGE, args[0]
        else:
            log_type, message = args
        self._runner.OpLog(self._op, str(log_type), message)

    def CheckCancel(self) -> None:
        self._runner.CheckInterrupt(self._op)

    def SubmitManyJobs(self, jobs: list) -> list:
        return self._runner.queue.SubmitManyJobs(jobs)


class JobRunner:
    """Executes the unfinished opcodes of one job (queue.lock guards the job)."""

    def __init__(self, queue: Any, job: QueuedJob):
        self.queue = queue
        self.job = job
        self._lock = queue.lock
        self._writer = queue.writer

    # --- callbacks from mcpu (worker thread) -----------------------------
    def _CheckInterruptUnlocked(self, op: QueuedOpCode) -> None:
        """Raise if the opcode was ended from outside (cancel, failed submission) or we stop."""
        if op.status == constants.OP_STATUS_CANCELING or op.status in constants.OPS_FINALIZED:
            raise JobCanceled()
        if self.queue.shutting_down:
            raise QueueShutdown()

    def CheckInterrupt(self, op: QueuedOpCode) -> None:
        with self._lock:
            self._CheckInterruptUnlocked(op)

    def OpWaiting(self, op: QueuedOpCode) -> None:
        with self._lock:
            self._CheckInterruptUnlocked(op)
            op.status = constants.OP_STATUS_WAITLOCK
            self._writer.MarkDirty(self.job)

    def OpRunning(self, op: QueuedOpCode) -> None:
        """All locks held: record running durably before the LU may act."""
        with self._lock:
            self._CheckInterruptUnlocked(op)
            op.status = constants.OP_STATUS_RUNNING
            op.exec_timestamp = TimeStampNow()
            self._writer.WaitDurable(self.job, self._writer.MarkDirty(self.job))
            self._CheckInterruptUnlocked(op)  # the lock was released while waiting

    def OpLog(self, op: QueuedOpCode, log_type: str, message: Any) -> None:
        try:
            serializer.DumpJson(message)
        except errors.ProgrammerError:
            message = str(message)
        with self._lock:
            self.job.AddLog(op, log_type, message)
            self._writer.MarkDirty(self.job)

    # --- the job --------------------------------------------------------------
    def Run(self) -> None:
        job = self.job
        with self._lock:
            if job.IsFinalized() or self.queue.shutting_down:
                return
            if job.start_timestamp is None:
                job.start_timestamp = TimeStampNow()
        proc = mcpu.Processor(self.queue.context, job.id)
        for op in job.ops:
            if op.status == constants.OP_STATUS_SUCCESS:
                continue
            if not self._RunOp(proc, op):
                return

    def _RunOp(self, proc: mcpu.Processor, op: QueuedOpCode) -> bool:
        """Run one opcode; whether the job goes on with the next one."""
        job = self.job
        with self._lock:
            if op.status in (constants.OP_STATUS_CANCELING, constants.OP_STATUS_CANCELED):
                self._Canceled()
                return False
            op.start_timestamp = TimeStampNow()
        try:
            result = proc.ExecOpCode(op.input, _OpExecCallbacks(self, op))
            serializer.DumpJson(result)
        except JobCanceled:
            with self._lock:
                self._Canceled()
            return False
        except QueueShutdown:
            with self._lock:
                op.status = constants.OP_STATUS_QUEUED
                op.exec_timestamp = None
                self._writer.MarkDirty(job)
            logging.info("Job %s: opcode %s requeued for shutdown", job.id, op.input.OP_ID)
            return False
        except Exception as err:  # noqa: BLE001 - every failure ends the opcode as error
            self._Failed(op, err)
            return False
        with self._lock:
            op.status = constants.OP_STATUS_SUCCESS
            op.result = result
            op.end_timestamp = TimeStampNow()
            if op is job.ops[-1]:
                job.end_timestamp = op.end_timestamp
            self._writer.MarkDirty(job)
        return True

    def _Canceled(self) -> None:
        self.job.MarkUnfinishedOps(constants.OP_STATUS_CANCELED, "Job canceled by request")
        self._writer.MarkDirty(self.job)

    def _Failed(self, op: QueuedOpCode, err: Exception) -> None:
        if isinstance(err, errors.GenericError):
            logging.info("Job %s: opcode %s failed: %s", self.job.id, op.input.OP_ID, err)
        else:
            logging.exception("Job %s: opcode %s failed unexpectedly", self.job.id,
                              op.input.OP_ID)
        with self._lock:
            if op.status in (constants.OP_STATUS_CANCELING, constants.OP_STATUS_CANCELED):
                self._Canceled()
                return
            op.status = constants.OP_STATUS_ERROR
            op.result = EncodeOpError(err)
            op.end_timestamp = TimeStampNow()
            self.job.MarkUnfinishedOps(constants.OP_STATUS_ERROR,
                                       EncodeOpError(errors.OpExecError("Preceding opcode failed")))
            self._writer.MarkDirty(self.job)


class JobWorker(workerpool.BaseWorker):
    """A job queue worker; its thread is named "Job<id>/<worker>" while it runs a job."""

    def RunTask(self, queue: Any, job: QueuedJob) -> None:  # type: ignore[override]
        self.SetTaskName("Job%s" % job.id)
        JobRunner(queue, job).Run()
