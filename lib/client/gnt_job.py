"""gnt-job: list, inspect, follow, cancel and archive jobs."""

from __future__ import annotations

import itertools
import sys
from typing import Any

from ganeti import cli, errors, serializer
from ganeti.cli import (
    FIELDS_OPT,
    FORCE_OPT,
    NOHDR_OPT,
    SEP_OPT,
    USEUNITS_OPT,
    ArgJobId,
    ArgUnknown,
    ToStdout,
)

_LIST_DEF_FIELDS = ["id", "status", "summary"]

# upstream's column titles
_HEADERS = {
    "id": "ID", "status": "Status", "priority": "Prio", "ops": "OpCodes",
    "opresult": "OpCode_result", "opstatus": "OpCode_status", "oplog": "OpCode_log",
    "summary": "Summary", "opstart": "OpCode_start", "opexec": "OpCode_exec",
    "opend": "OpCode_end", "oppriority": "OpCode_prio", "start_ts": "Start",
    "end_ts": "End", "received_ts": "Received",
}
_TS_FIELDS = frozenset(["start_ts", "end_ts", "received_ts"])
_OPTS_FIELDS = frozenset(["opstart", "opexec", "opend"])


def _FormatField(field: str, value: Any) -> Any:
    if field in _TS_FIELDS:
        return cli.FormatTimestamp(value) if value else None
    if field in _OPTS_FIELDS:
        return ",".join(cli.FormatTimestamp(v) if v else "-" for v in value or [])
    if field == "summary":
        return ",".join(value or [])
    if field in ("ops", "opresult", "oplog"):
        return serializer.DumpJson(value).strip()
    return value


def ListJobs(opts: Any, args: list[str]) -> int:
    fields = cli.ParseFields(opts.output, _LIST_DEF_FIELDS)
    unknown = [f for f in fields if f not in _HEADERS]
    if unknown:
        raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                   errors.ECODE_INVAL)
    rows = []
    for job_id, row in zip(args or itertools.repeat(None), cli.GetClient().QueryJobs(args or None,
                                                                                     fields)):
        if row is None:
            cli.ToStderr("No such job: %s", job_id)
            continue
        rows.append([_FormatField(f, v) for f, v in zip(fields, row)])
    headers = None if opts.no_headers else _HEADERS
    for line in cli.GenerateTable(headers, fields, opts.separator, rows,
                                  numfields=["id", "priority"], units=opts.units):
        ToStdout(line)
    return 0


def ArchiveJobs(opts: Any, args: list[str]) -> int:
    cl = cli.GetClient()
    rcode = 0
    for job_id in args:
        if not cl.ArchiveJob(job_id):
            cli.ToStderr("Failed to archive job with ID '%s'", job_id)
            rcode = 1
    return rcode


def AutoArchiveJobs(opts: Any, args: list[str]) -> int:
    age = -1 if args[0] == "all" else cli.ParseTimespec(args[0])
    archived, remaining = cli.GetClient().AutoArchiveJobs(age, 60)
    ToStdout("Archived %s jobs, %s unchecked left", archived, remaining)
    return 0


def CancelJobs(opts: Any, args: list[str]) -> int:
    cl = cli.GetClient()
    rcode = 0
    for job_id in args:
        success, msg = cl.CancelJob(job_id)
        if not success:
            rcode = 1
        ToStdout(msg)
    return rcode


def _Seconds(ts: Any) -> float:
    return ts[0] + ts[1] / 1e6


def _TimeLine(label: str, ts: Any, since: Any) -> str:
    """'Processing start: <time> (delta 0.001s)', upstream's wording when ts is unknown."""
    if ts is None:
        return "%s unknown (None)" % label
    delta = " (delta %.6fs)" % (_Seconds(ts) - _Seconds(since)) if since is not None else ""
    return "%s %s%s" % (label, cli.FormatTimestamp(ts), delta)


def _FormatValue(value: Any) -> str:
    """An input field or result element as upstream prints it (lists comma-joined)."""
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def _ResultLines(result: Any) -> list[tuple[int, str]]:
    if result is None:
        return [(3, "No output data")]
    if isinstance(result, (list, tuple)):
        if not result:
            return [(3, "Result: empty sequence")]
        return [(3, "Result:")] + [
            (4, "[%s]" % _FormatValue(e) if isinstance(e, (list, tuple)) else str(e))
            for e in result]
    if isinstance(result, dict):
        if not result:
            return [(3, "Result: empty dictionary")]
        return [(4, "%s: %s" % (key, "[%s]" % _FormatValue(val)
                                if isinstance(val, (list, tuple)) else val))
                for key, val in sorted(result.items())]
    return [(3, "Result: %s" % result)]


def _OpcodeLines(op: dict, status: str, result: Any, log: list, ts: tuple) -> list[tuple[int, str]]:
    lines = [(2, op.get("OP_ID", "?")), (3, "Status: %s" % status)]
    for label, value, missing in zip(("Processing start:", "Execution start: ",
                                      "Processing end:  "), ts,
                                     ("No processing start time", "No execution start time",
                                      "No processing end time")):
        lines.append((3, "%s %s" % (label, cli.FormatTimestamp(value)) if value else missing))
    lines.append((3, "Input fields:"))
    lines.extend((4, "%s: %s" % (key, _FormatValue(op[key]))) for key in sorted(op)
                 if key != "OP_ID")
    lines.extend(_ResultLines(result))
    lines.append((3, "Execution log:"))
    lines.extend((4, "%s:%s:%s %s" % (serial, cli.FormatTimestamp(log_ts), log_type,
                                       cli.FormatLogMessage(log_type, msg)))
                 for serial, log_ts, log_type, msg in log)
    return lines


def _JobLines(job: list) -> list[tuple[int, str]]:
    (jid, status, ops, opresult, opstatus, oplog, opstart, opexec, opend,
     recv, start, end) = job
    lines = [(0, "Job ID: %s" % jid), (1, "Status: %s" % status)]
    lines.append((1, "Received:         %s" % cli.FormatTimestamp(recv)) if recv is not None
                 else (1, "Missing received timestamp (None)"))
    lines.append((1, _TimeLine("Processing start:", start, recv)))
    lines.append((1, _TimeLine("Processing end:  ", end, start)))
    lines.append((1, "Total processing time: %.6f seconds" % (_Seconds(end) - _Seconds(recv))
                  if end is not None and recv is not None else "Total processing time: N/A"))
    lines.append((1, "Opcodes:"))
    for op, status_, result, log, ts_start, ts_exec, ts_end in zip(
            ops, opstatus, opresult, oplog, opstart, opexec, opend):
        lines.extend(_OpcodeLines(op, status_, result, log, (ts_start, ts_exec, ts_end)))
    return lines


def ShowJobs(opts: Any, args: list[str]) -> int:
    """gnt-job info: everything about each job, opcode by opcode (upstream's layout)."""
    fields = ["id", "status", "ops", "opresult", "opstatus", "oplog", "opstart", "opexec",
              "opend", "received_ts", "start_ts", "end_ts"]
    rcode = 0
    for idx, (job_id, job) in enumerate(zip(args, cli.GetClient().QueryJobs(args, fields))):
        if idx:
            ToStdout("")
        if job is None:
            ToStdout("Job ID %s not found", job_id)
            rcode = 1
            continue
        for level, text in _JobLines(job):
            ToStdout("%s%s", "  " * level, text)
    return rcode


def WatchJob(opts: Any, args: list[str]) -> int:
    job_id = args[0]
    msg = "Output from job %s follows" % job_id
    ToStdout(msg)
    ToStdout("-" * len(msg))
    try:
        cli.PollJob(job_id)
    except errors.GenericError as err:
        cli.ToStderr("Job %s failed: %s", job_id, errors.FormatError(err))
        return 1
    return 0


commands = {
    "list": (ListJobs, [ArgJobId()], [NOHDR_OPT, SEP_OPT, FIELDS_OPT, USEUNITS_OPT],
             "[job_id ...]", "List the jobs and their status. The available fields are"
             " %s. The default field list is %s." % (", ".join(sorted(_HEADERS)),
                                                     ", ".join(_LIST_DEF_FIELDS))),
    "archive": (ArchiveJobs, [ArgJobId(min=1)], [], "<job-id> [<job-id> ...]",
                "Archive the given jobs"),
    "autoarchive": (AutoArchiveJobs, [ArgUnknown(min=1, max=1)], [], "<age>",
                    "Auto archive jobs older than the given age (e.g. 1d, 2h) or 'all'"),
    "cancel": (CancelJobs, [ArgJobId(min=1)], [FORCE_OPT], "<job-id> [<job-id> ...]",
               "Cancel jobs"),
    "info": (ShowJobs, [ArgJobId(min=1)], [], "<job-id> [<job-id> ...]",
             "Show detailed information about the given job(s)"),
    "watch": (WatchJob, [ArgJobId(min=1, max=1)], [], "<job-id>",
              "Follows a job and prints its output as it arrives"),
}


def Main() -> int:
    return cli.GenericMain(commands)


if __name__ == "__main__":
    sys.exit(Main())

