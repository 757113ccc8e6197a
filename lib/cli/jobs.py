"""Submitting opcodes and following jobs, with their log as it happens."""

from __future__ import annotations

import time
from typing import Any, Callable, Sequence

from ganeti import constants, errors, utils
from ganeti.cli.output import ToStdout

FeedbackFn = Callable[[tuple], None]

_PENDING = frozenset([constants.JOB_STATUS_QUEUED, constants.JOB_STATUS_WAITLOCK,
                      constants.JOB_STATUS_CANCELING, constants.JOB_STATUS_RUNNING])


class JobSubmittedException(Exception):
    """Raised by SubmitOrSend with --submit: args[0] is the job id to print."""


def GetClient():
    """A luxi client connected to this node's master socket."""
    from ganeti import luxi
    return luxi.Client()


def FormatLogMessage(log_type: str, message: Any) -> str:
    """A job log message made safe for a terminal (non-text types shown with theirs)."""
    if log_type == constants.ELOG_MESSAGE and isinstance(message, str):
        return utils.SafeEncode(message)
    return utils.SafeEncode("%s: %s" % (log_type, message)
                            if log_type != constants.ELOG_MESSAGE else str(message))


def FormatJobLogEntry(entry: Sequence[Any]) -> str:
    """'<ctime> <message>' for one (serial, (sec, usec), type, message) entry."""
    _, timestamp, log_type, message = entry
    if isinstance(timestamp, (list, tuple)):
        timestamp = timestamp[0] + timestamp[1] / 1e6
    return "%s %s" % (time.ctime(timestamp), FormatLogMessage(log_type, message))


def _PrintFeedback(entry: tuple) -> None:
    ToStdout(FormatJobLogEntry(entry))


def SendJob(ops: Sequence[Any], cl=None) -> str:
    """Submit a job of opcodes and return its id without waiting."""
    cl = cl or GetClient()
    return cl.SubmitJob(ops)


def PollJob(job_id: str | int, cl=None, feedback_fn: FeedbackFn | None = None) -> list[Any]:
    """Wait for a job to finish, printing its log entries as they arrive.

    Returns the opcode results on success; raises the job's error otherwise.
    The wait is event-driven (WaitForJobChangeOnce returns on every change).
    """
    cl = cl or GetClient()
    feedback_fn = feedback_fn or _PrintFeedback
    prev_job_info = None
    prev_serial = None
    while True:
        result = cl.WaitForJobChangeOnce(job_id, ["status"], prev_job_info, prev_serial)
        if not result:
            raise errors.JobLost("Job with id %s lost" % job_id)
        if result == constants.JOB_NOTCHANGED:
            continue
        job_info, log_entries = result
        for entry in log_entries or []:
            feedback_fn(tuple(entry))
            prev_serial = max(prev_serial or 0, entry[0])
        if job_info[0] not in _PENDING:
            break
        prev_job_info = job_info
    jobs = cl.QueryJobs([job_id], ["status", "opstatus", "opresult"])
    if not jobs or jobs[0] is None:
        raise errors.JobLost("Job with id %s lost" % job_id)
    status, opstatus, opresult = jobs[0]
    if status == constants.JOB_STATUS_SUCCESS:
        return opresult
    if status in (constants.JOB_STATUS_CANCELING, constants.JOB_STATUS_CANCELED):
        raise errors.OpExecError("Job was canceled")
    for idx, (op_status, msg) in enumerate(zip(opstatus, opresult)):
        if op_status == constants.OP_STATUS_SUCCESS:
            continue
        if op_status == constants.OP_STATUS_CANCELED:
            raise errors.OpExecError("Job was canceled")
        if op_status != constants.OP_STATUS_ERROR:
            raise errors.OpExecError("Partial failure (opcode %d): %s" % (idx, msg))
        errors.MaybeRaise(msg)
        raise errors.OpExecError(str(msg))
    raise errors.OpExecError("Job %s ended in status %s" % (job_id, status))


def SetGenericOpcodeOpts(ops: Sequence[Any], opts: Any) -> None:
    """Copy --dry-run, --debug and --priority from options to opcodes."""
    if opts is None:
        return
    from ganeti.cli.options import PRIORITY_NAMES
    for op in ops:
        if hasattr(opts, "dry_run") and hasattr(op, "dry_run"):
            op.dry_run = opts.dry_run
        if getattr(opts, "debug", None) is not None and hasattr(op, "debug_level"):
            op.debug_level = opts.debug
        if getattr(opts, "priority", None) is not None:
            op.priority = PRIORITY_NAMES[opts.priority]


def SubmitOpCode(op: Any, cl=None, feedback_fn: FeedbackFn | None = None, opts: Any = None) -> Any:
    """Run one opcode as a job, wait for it and return its result."""
    SetGenericOpcodeOpts([op], opts)
    cl = cl or GetClient()
    job_id = SendJob([op], cl=cl)
    return PollJob(job_id, cl=cl, feedback_fn=feedback_fn)[0]


def SubmitOrSend(op: Any, opts: Any, cl=None, feedback_fn: FeedbackFn | None = None) -> Any:
    """SubmitOpCode, or with --submit only send and raise JobSubmittedException."""
    if opts is not None and getattr(opts, "submit_only", False):
        SetGenericOpcodeOpts([op], opts)
        raise JobSubmittedException(SendJob([op], cl=cl))
    return SubmitOpCode(op, cl=cl, feedback_fn=feedback_fn, opts=opts)


class JobExecutor:
    """Submits several jobs at once, then waits for each in order."""

    def __init__(self, cl=None, verbose: bool = True, opts: Any = None,
                 feedback_fn: FeedbackFn | None = None):
        self.cl = cl or GetClient()
        self.verbose = verbose
        self.opts = opts
        self.feedback_fn = feedback_fn
        self.queue: list[tuple[str | None, list[Any]]] = []
        self.jobs: list[tuple[int, bool, Any, str | None]] = []

    def QueueJob(self, name: str | None, *ops: Any) -> None:
        SetGenericOpcodeOpts(ops, self.opts)
        self.queue.append((name, list(ops)))

    def SubmitPending(self) -> None:
        results = self.cl.SubmitManyJobs([ops for _, ops in self.queue])
        for idx, ((name, _), (ok, job_id)) in enumerate(zip(self.queue, results)):
            self.jobs.append((idx, ok, job_id, name))
        self.queue = []

    def GetResults(self) -> list[tuple[bool, Any]]:
        """[(success, result or error message)] in submission order."""
        if self.queue:
            self.SubmitPending()
        if self.verbose:
            ok_ids = [str(job_id) for _, ok, job_id, _ in self.jobs if ok]
            if ok_ids:
                ToStdout("Submitted jobs %s", ", ".join(ok_ids))
        results = []
        for _, ok, job_id, name in self.jobs:
            if not ok:
                results.append((False, job_id))
                continue
            if self.verbose:
                ToStdout("Waiting for job %s%s ...", job_id, " for %s" % name if name else "")
            try:
                results.append((True, PollJob(job_id, cl=self.cl, feedback_fn=self.feedback_fn)))
            except (errors.GenericError, errors.QuitGanetiException) as err:
                results.append((False, errors.FormatError(err)))
        return results

    def WaitOrShow(self, wait: bool) -> list[tuple[bool, Any]]:
        if wait:
            return self.GetResults()
        if self.queue:
            self.SubmitPending()
        for _, ok, job_id, name in self.jobs:
            if ok:
                ToStdout("%s: %s", job_id, name)
            else:
                ToStdout("Failure for %s: %s", name, job_id)
        return [(ok, job_id) for _, ok, job_id, _ in self.jobs]
