"""Jobs and their opcodes in memory, their file format, and the query fields.

A QueuedJob is mutated only by its worker (and by cancel/recovery), always
under the queue lock. What clients see is a JobSnapshot: the job as last
written to disk (durable), so that nothing a client was told can be lost by a
crash. The file format is the one in doc/hacking.md ("Jobs").
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterable, Sequence

from ganeti import constants, errors, opcodes

Timestamp = list  # [seconds, microseconds]


def TimeStampNow() -> Timestamp:
    """The current time as [sec, usec]: exact in JSON, unlike a float."""
    now = time.time()
    sec = int(now)
    return [sec, int((now - sec) * 1000000)]


def CalcJobStatus(op_statuses: Iterable[str]) -> str:
    """A job's status from its opcodes' (upstream's rules).

    All opcodes succeeded: success. Otherwise the first canceling, error or
    canceled opcode decides; else any running or waiting opcode; else queued.
    """
    status = constants.JOB_STATUS_QUEUED
    all_success = True
    for op_status in op_statuses:
        if op_status == constants.OP_STATUS_SUCCESS:
            continue
        all_success = False
        if op_status in (constants.OP_STATUS_CANCELING, constants.OP_STATUS_ERROR,
                         constants.OP_STATUS_CANCELED):
            return op_status
        if op_status == constants.OP_STATUS_RUNNING:
            status = constants.JOB_STATUS_RUNNING
        elif op_status == constants.OP_STATUS_WAITLOCK and status != constants.JOB_STATUS_RUNNING:
            status = constants.JOB_STATUS_WAITLOCK
    return constants.JOB_STATUS_SUCCESS if all_success else status


def CalcJobPriority(ops: Sequence[tuple[str, int]]) -> int:
    """The priority of the first unfinished opcode, else of the last one."""
    for status, prio in ops:
        if status not in constants.OPS_FINALIZED:
            return prio
    return ops[-1][1] if ops else constants.OP_PRIO_DEFAULT


class QueuedOpCode:
    """One opcode of a job, with its status, result and log."""

    __slots__ = ("input", "input_state", "status", "result", "log", "priority",
                 "start_timestamp", "exec_timestamp", "end_timestamp")

    def __init__(self, op: opcodes.OpCode):
        self.input = op
        self.input_state = op.__getstate__()  # an opcode never changes once queued
        self.status = constants.OP_STATUS_QUEUED
        self.result: Any = None
        self.log: list[list] = []  # [serial, [sec, usec], type, message]
        self.priority = op.priority
        self.start_timestamp: Timestamp | None = None
        self.exec_timestamp: Timestamp | None = None
        self.end_timestamp: Timestamp | None = None

    @classmethod
    def Restore(cls, state: dict[str, Any]) -> "QueuedOpCode":
        obj = cls(opcodes.OpCode.LoadOpCode(state["input"]))
        obj.input_state = state["input"]
        obj.status = state["status"]
        obj.result = state.get("result")
        obj.log = [list(entry) for entry in state.get("log", [])]
        obj.priority = state.get("priority", obj.priority)
        obj.start_timestamp = state.get("start_timestamp")
        obj.exec_timestamp = state.get("exec_timestamp")
        obj.end_timestamp = state.get("end_timestamp")
        return obj

    def Serialize(self) -> dict[str, Any]:
        return {
            "input": self.input_state,
            "status": self.status,
            "result": self.result,
            "log": list(self.log),
            "priority": self.priority,
            "start_timestamp": self.start_timestamp,
            "exec_timestamp": self.exec_timestamp,
            "end_timestamp": self.end_timestamp,
        }


class QueuedJob:
    """A job: its opcodes plus the bookkeeping of durable writes.

    version counts changes in memory, durable_version the last one on disk;
    cond (on the queue lock) is notified whenever a change becomes durable,
    which is what WaitForJobChanges and the durability waits sleep on.
    """

    def __init__(self, job_id: int, ops: Sequence[opcodes.OpCode], lock: Any):
        if not ops:
            raise errors.OpPrereqError("A job needs at least one opcode", errors.ECODE_INVAL)
        self.id = job_id
        self.ops = [QueuedOpCode(op) for op in ops]
        self.received_timestamp: Timestamp | None = TimeStampNow()
        self.start_timestamp: Timestamp | None = None
        self.end_timestamp: Timestamp | None = None
        self.log_serial = 0
        self.cond = threading.Condition(lock)
        self.version = 0
        self.durable_version = 0
        self.failed_version = 0
        self.write_error: Exception | None = None
        self.starting = False  # just handed to an idle worker (see writer.MarkDirty)
        self.committed: JobSnapshot | None = None
        self.summary = [op.input.Summary() for op in self.ops]

    @classmethod
    def Restore(cls, state: dict[str, Any], lock: Any) -> "QueuedJob":
        """A job from its file's content; the file is its committed state."""
        obj = cls.__new__(cls)
        obj.id = int(state["id"])
        obj.ops = [QueuedOpCode.Restore(op) for op in state["ops"]]
        if not obj.ops:
            raise errors.JobFileCorrupted("Job %s has no opcodes" % obj.id)
        obj.received_timestamp = state.get("received_timestamp")
        obj.start_timestamp = state.get("start_timestamp")
        obj.end_timestamp = state.get("end_timestamp")
        obj.log_serial = max([entry[0] for op in obj.ops for entry in op.log] or [0])
        obj.cond = threading.Condition(lock)
        obj.version = obj.durable_version = obj.failed_version = 0
        obj.write_error = None
        obj.starting = False
        obj.summary = [op.input.Summary() for op in obj.ops]
        obj.committed = JobSnapshot(state, obj.summary)
        return obj

    def Serialize(self) -> dict[str, Any]:
        """The content of queue/job-<id>."""
        return {
            "id": str(self.id),
            "ops": [op.Serialize() for op in self.ops],
            "received_timestamp": self.received_timestamp,
            "start_timestamp": self.start_timestamp,
            "end_timestamp": self.end_timestamp,
        }

    def CalcStatus(self) -> str:
        return CalcJobStatus(op.status for op in self.ops)

    def CalcPriority(self) -> int:
        return CalcJobPriority([(op.status, op.priority) for op in self.ops])

    def IsFinalized(self) -> bool:
        return self.CalcStatus() in constants.JOBS_FINALIZED

    def AddLog(self, op: QueuedOpCode, log_type: str, message: Any) -> None:
        self.log_serial += 1
        op.log.append([self.log_serial, TimeStampNow(), log_type, message])

    def MarkUnfinishedOps(self, status: str, result: Any) -> None:
        """Finish every opcode not yet finished with status and result (and end the job)."""
        now = TimeStampNow()
        for op in self.ops:
            if op.status in constants.OPS_FINALIZED:
                continue
            op.status = status
            op.result = result
            op.end_timestamp = now
        if self.end_timestamp is None:
            self.end_timestamp = now

    def __repr__(self) -> str:
        return "<QueuedJob %s %s %s>" % (self.id, self.CalcStatus(), self.summary)


def _Ops(field: str) -> Callable[["JobSnapshot"], list]:
    return lambda snap: [op.get(field) for op in snap.data["ops"]]


_FIELDS: dict[str, Callable[["JobSnapshot"], Any]] = {
    "id": lambda snap: str(snap.data["id"]),
    "status": lambda snap: snap.status,
    "priority": lambda snap: CalcJobPriority(
        [(op["status"], op.get("priority", constants.OP_PRIO_DEFAULT))
         for op in snap.data["ops"]]),
    "ops": _Ops("input"),
    "opresult": _Ops("result"),
    "opstatus": _Ops("status"),
    "oplog": _Ops("log"),
    "opstart": _Ops("start_timestamp"),
    "opexec": _Ops("exec_timestamp"),
    "opend": _Ops("end_timestamp"),
    "oppriority": _Ops("priority"),
    "received_ts": lambda snap: snap.data.get("received_timestamp"),
    "start_ts": lambda snap: snap.data.get("start_timestamp"),
    "end_ts": lambda snap: snap.data.get("end_timestamp"),
    "summary": lambda snap: list(snap.summary),
}

VALID_FIELDS = frozenset(_FIELDS)


def CheckFields(fields: Any) -> list[str]:
    """Refuse unknown QueryJobs fields before doing any work."""
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise errors.OpPrereqError("Job fields must be a list of strings", errors.ECODE_INVAL)
    unknown = [f for f in fields if f not in _FIELDS]
    if unknown:
        raise errors.OpPrereqError("Unknown job field(s): %s" % ", ".join(unknown),
                                   errors.ECODE_INVAL)
    return fields


def _SummaryOf(state: dict[str, Any]) -> str:
    try:
        return opcodes.OpCode.LoadOpCode(state).Summary()
    except errors.GenericError:
        return str(state.get("OP_ID", "?"))


class JobSnapshot:
    """A job as it is on disk (a parsed job file), with the query fields."""

    __slots__ = ("data", "summary", "status")

    def __init__(self, data: dict[str, Any], summary: list[str] | None = None):
        self.data = data
        self.summary = summary if summary is not None else [
            _SummaryOf(op["input"]) for op in data["ops"]]
        self.status = CalcJobStatus(op["status"] for op in data["ops"])

    def GetInfo(self, fields: Sequence[str]) -> list[Any]:
        return [_FIELDS[f](self) for f in fields]

    def LogSince(self, serial: int | None) -> list[list]:
        """Log entries (of all opcodes) newer than serial; all of them for None."""
        last = -1 if serial is None else serial
        return [entry for op in self.data["ops"] for entry in op.get("log", [])
                if entry[0] > last]

    def IsFinalized(self) -> bool:
        return self.status in constants.JOBS_FINALIZED

    def EndTime(self) -> float | None:
        """When the job ended (else started, else was received), for auto-archiving."""
        for key in ("end_timestamp", "start_timestamp", "received_timestamp"):
            ts = self.data.get(key)
            if ts:
                return ts[0] + ts[1] / 1e6
        return None
