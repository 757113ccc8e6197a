"""gnt-job: list, inspect, follow, cancel and archive jobs."""

from __future__ import annotations

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
        return " ".join(value or [])
    if field in ("ops", "opresult", "oplog"):
        return serializer.DumpJson(value).strip()
    return value


def ListJobs(opts: Any, args: list[str]) -> int:
    fields = cli.ParseFields(opts.output, _LIST_DEF_FIELDS)
    unknown = [f for f in fields if f not in _HEADERS]
    if unknown:
        raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                   errors.ECODE_INVAL)
    data = cli.GetClient().QueryJobs(args or None, fields)
    rows = [[_FormatField(f, v) for f, v in zip(fields, row)] for row in data if row]
    headers = None if opts.no_headers else _HEADERS
    for line in cli.GenerateTable(headers, fields, opts.separator, rows,
                                  numfields=["id"], units=opts.units):
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


def _FormatDelta(start: Any, end: Any) -> str:
    if not (start and end):
        return ""
    return " (delta %.6fs)" % ((end[0] + end[1] / 1e6) - (start[0] + start[1] / 1e6))


def ShowJobs(opts: Any, args: list[str]) -> int:
    """gnt-job info: everything about each job, opcode by opcode."""
    fields = ["id", "ops", "status", "received_ts", "start_ts", "end_ts", "opstatus",
              "opresult", "oplog", "opstart", "opexec", "opend"]
    rcode = 0
    for job_id, job in zip(args, cli.GetClient().QueryJobs(args, fields)):
        if job is None:
            ToStdout("Job ID: %s not found", job_id)
            rcode = 1
            continue
        (jid, ops, status, recv, start, end, opstatus, opresult, oplog,
         opstart, opexec, opend) = job
        ToStdout("Job ID: %s", jid)
        ToStdout("  Status: %s", status)
        ToStdout("  Received:         %s", cli.FormatTimestamp(recv) if recv else "unknown")
        ToStdout("  Processing start: %s%s", cli.FormatTimestamp(start) if start else "unknown",
                 _FormatDelta(recv, start))
        ToStdout("  Processing end:   %s%s", cli.FormatTimestamp(end) if end else "unknown",
                 _FormatDelta(start, end))
        ToStdout("  Opcodes:")
        for op, st, res, log, ostart, oexec, oend in zip(ops, opstatus, opresult, oplog,
                                                         opstart, opexec, opend):
            ToStdout("    Opcode: %s", op.get("OP_ID"))
            ToStdout("      Status: %s", st)
            ToStdout("      Processing start: %s", cli.FormatTimestamp(ostart) if ostart else "N/A")
            ToStdout("      Execution start:  %s", cli.FormatTimestamp(oexec) if oexec else "N/A")
            ToStdout("      Processing end:   %s", cli.FormatTimestamp(oend) if oend else "N/A")
            ToStdout("      Input fields:")
            for key in sorted(op):
                if key != "OP_ID":
                    ToStdout("        %s: %s", key, serializer.DumpJson(op[key]).strip())
            ToStdout("      Result: %s", serializer.DumpJson(res).strip())
            ToStdout("      Execution log:")
            for entry in log:
                ToStdout("        %s", cli.FormatJobLogEntry(entry))
    return rcode


def WatchJob(opts: Any, args: list[str]) -> int:
    job_id = args[0]
    ToStdout("Output from job %s follows", job_id)
    ToStdout("-" * 26)
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

