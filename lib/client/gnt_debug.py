"""gnt-debug: test delays, raw job submission and lock introspection."""

from __future__ import annotations

import sys
from typing import Any

from ganeti import cli, errors, opcodes, serializer
from ganeti.cli import (
    FIELDS_OPT,
    NOHDR_OPT,
    SEP_OPT,
    SUBMIT_OPT,
    ArgFile,
    ArgUnknown,
    ToStdout,
    cli_option,
)
from ganeti.utils import io


def Delay(opts: Any, args: list[str]) -> int:
    try:
        delay = float(args[0])
    except ValueError:
        raise errors.OpPrereqError("Invalid duration '%s'" % args[0], errors.ECODE_INVAL)
    op = opcodes.OpTestDelay(duration=delay, on_master=opts.on_master,
                             on_nodes=opts.on_nodes, repeat=opts.repeat)
    cli.SubmitOrSend(op, opts)
    return 0


def GenericOpCodes(opts: Any, args: list[str]) -> int:
    """Submit the opcodes of each JSON file as one job and wait for them all."""
    executor = cli.JobExecutor(opts=opts)
    for fname in args:
        data = serializer.LoadJson(io.ReadFile(fname))
        if not isinstance(data, list):
            raise errors.OpPrereqError("%s: expected a JSON list of opcodes" % fname,
                                       errors.ECODE_INVAL)
        ops = [opcodes.OpCode.LoadOpCode(item) for item in data]
        for _ in range(opts.rep_job):
            executor.QueueJob(fname, *ops * opts.rep_op)
    rcode = 0
    for success, result in executor.WaitOrShow(not opts.submit_only):
        if not success:
            cli.ToStderr("Job failed: %s", result)
            rcode = 1
    return rcode


_LOCK_FIELDS = ["name", "mode", "owner", "pending"]
_LOCK_HEADERS = {"name": "Name", "mode": "Mode", "owner": "Owner", "pending": "Pending"}


def ListLocks(opts: Any, args: list[str]) -> int:
    """Every lock, its holders and its queue of waiters (thread names: "Job42/Worker3")."""
    fields = cli.ParseFields(opts.output, _LOCK_FIELDS)
    unknown = [f for f in fields if f not in _LOCK_HEADERS]
    if unknown:
        raise errors.OpPrereqError("Unknown output field(s): %s" % ", ".join(unknown),
                                   errors.ECODE_INVAL)
    rows = []
    for lock in cli.GetClient().QueryLocks():
        pending = ", ".join("%s:%s" % (mode, ",".join(owners))
                            for mode, owners in lock.get("pending") or [])
        values = dict(lock, owner=",".join(lock.get("owner") or []) or None,
                      pending=pending or None)
        rows.append([values.get(f) for f in fields])
    headers = None if opts.no_headers else _LOCK_HEADERS
    for line in cli.GenerateTable(headers, fields, opts.separator, rows):
        ToStdout(line)
    return 0


commands = {
    "delay": (Delay, [ArgUnknown(min=1, max=1)],
              [cli_option("--no-master", dest="on_master", default=True, action="store_false",
                          help="Do not sleep in the master code"),
               cli_option("-n", dest="on_nodes", default=[], action="append",
                          help="Select nodes to sleep on"),
               cli_option("-r", "--repeat", type="int", default=0, dest="repeat",
                          help="Number of times to repeat the sleep"),
               SUBMIT_OPT],
              "[opts...] <duration>", "Executes a TestDelay OpCode"),
    "submit-job": (GenericOpCodes, [ArgFile(min=1)],
                   [cli_option("--op-repeat", type="int", default=1, dest="rep_op",
                               help="Repeat the opcode sequence this number of times"),
                    cli_option("--job-repeat", type="int", default=1, dest="rep_job",
                               help="Repeat the job this number of times"),
                    SUBMIT_OPT],
                   "<op_list_file...>", "Submits jobs built from json files containing a"
                   " list of serialized opcodes"),
    "locks": (ListLocks, [], [NOHDR_OPT, SEP_OPT, FIELDS_OPT], "[--no-headers] [-o fields]",
              "Show the locks in the master daemon: name, mode, owners, pending acquires"),
}


def Main() -> int:
    return cli.GenericMain(commands)


if __name__ == "__main__":
    sys.exit(Main())
