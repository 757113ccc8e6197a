"""Tests for gnt-job's output (upstream's columns and `gnt-job info` layout)."""

import time

import pytest

from ganeti import cli, constants
from ganeti.cli import jobs as cli_jobs
from ganeti.client import gnt_job

_TS = [1262347200, 123456]  # 2010-01-01 12:00:00.123456 UTC


class FakeClient:
    def __init__(self, jobs):
        self.jobs = jobs
        self.calls = []

    def QueryJobs(self, job_ids, fields):
        self.calls.append(("QueryJobs", job_ids, fields))
        ids = job_ids if job_ids is not None else sorted(self.jobs, key=int)
        return [[self.jobs[j][f] for f in fields] if j in self.jobs else None for j in ids]

    def CancelJob(self, job_id):
        return (job_id == "1", "Job %s canceled" % job_id)

    def AutoArchiveJobs(self, age, timeout=None):
        self.calls.append(("AutoArchiveJobs", age))
        return (2, 0)

    def ArchiveJob(self, job_id):
        return job_id == "1"


def _Job(job_id, status, summary, result, log=()):
    return {"id": job_id, "status": status, "summary": [summary], "priority": 0,
            "ops": [{"OP_ID": "OP_TEST_DELAY", "duration": 0.5, "on_nodes": ["n1", "n2"],
                     "dry_run": False}],
            "opresult": [result], "opstatus": [status], "oplog": [list(log)],
            "opstart": [_TS], "opexec": [[_TS[0], 223456]], "opend": [[_TS[0] + 1, 0]],
            "oppriority": [0], "received_ts": [_TS[0], 0], "start_ts": _TS,
            "end_ts": [_TS[0] + 1, 0]}


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    fake = FakeClient({
        "1": _Job("1", "success", "TEST_DELAY(0.5)", [True, ["a", "b"]],
                  [[1, _TS, "message", "Test delay iteration 1/2"]]),
        "12": _Job("12", "error", "TEST_DELAY(7)", ["OpExecError", ["boom"]]),
    })
    monkeypatch.setattr(cli, "GetClient", lambda: fake)
    monkeypatch.setattr(cli_jobs, "GetClient", lambda: fake)
    yield fake
    monkeypatch.delenv("TZ")
    time.tzset()


def _Run(capsys, *argv):
    rc = cli.GenericMain(gnt_job.commands, argv=["gnt-job"] + list(argv))
    out = capsys.readouterr()
    return rc, out.out.splitlines(), out.err.splitlines()


def test_list_default_columns(client, capsys):
    rc, out, _ = _Run(capsys, "list")
    assert rc == 0
    assert out == ["ID Status  Summary",
                   " 1 success TEST_DELAY(0.5)",
                   "12 error   TEST_DELAY(7)"]
    assert client.calls == [("QueryJobs", None, ["id", "status", "summary"])]


def test_list_added_fields_separator_no_headers(client, capsys):
    rc, out, _ = _Run(capsys, "list", "-o", "+received_ts,end_ts,opstart", "--separator=|")
    assert out[0] == "ID|Status|Summary|Received|End|OpCode_start"
    assert out[1] == ("1|success|TEST_DELAY(0.5)|2010-01-01 12:00:00.000000|"
                      "2010-01-01 12:00:01.000000|2010-01-01 12:00:00.123456")
    rc, out, _ = _Run(capsys, "list", "--no-headers", "-o", "id,status,priority", "12")
    assert out == ["12 error 0"]
    rc, _, err = _Run(capsys, "list", "99")
    assert err == ["No such job: 99"]
    rc, _, err = _Run(capsys, "list", "-o", "id,bogus")
    assert rc == 1 and "bogus" in "\n".join(err)


def test_headers_are_upstreams():
    assert gnt_job._HEADERS == {
        "id": "ID", "status": "Status", "priority": "Prio", "ops": "OpCodes",
        "opresult": "OpCode_result", "opstatus": "OpCode_status", "oplog": "OpCode_log",
        "summary": "Summary", "opstart": "OpCode_start", "opexec": "OpCode_exec",
        "opend": "OpCode_end", "oppriority": "OpCode_prio", "start_ts": "Start",
        "end_ts": "End", "received_ts": "Received"}


def test_info_layout(client, capsys):
    rc, out, _ = _Run(capsys, "info", "1", "5")
    assert rc == 1
    assert out == [
        "Job ID: 1",
        "  Status: success",
        "  Received:         2010-01-01 12:00:00.000000",
        "  Processing start: 2010-01-01 12:00:00.123456 (delta 0.123456s)",
        "  Processing end:   2010-01-01 12:00:01.000000 (delta 0.876544s)",
        "  Total processing time: 1.000000 seconds",
        "  Opcodes:",
        "    OP_TEST_DELAY",
        "      Status: success",
        "      Processing start: 2010-01-01 12:00:00.123456",
        "      Execution start:  2010-01-01 12:00:00.223456",
        "      Processing end:   2010-01-01 12:00:01.000000",
        "      Input fields:",
        "        dry_run: False",
        "        duration: 0.5",
        "        on_nodes: n1,n2",
        "      Result:",
        "        True",
        "        [a,b]",
        "      Execution log:",
        "        1:2010-01-01 12:00:00.123456:message Test delay iteration 1/2",
        "",
        "Job ID 5 not found",
    ]


def test_cancel_archive_autoarchive(client, capsys):
    rc, out, _ = _Run(capsys, "cancel", "1", "2")
    assert rc == 1 and out == ["Job 1 canceled", "Job 2 canceled"]
    rc, _, err = _Run(capsys, "archive", "1", "3")
    assert rc == 1 and err == ["Failed to archive job with ID '3'"]
    rc, out, _ = _Run(capsys, "autoarchive", "1d")
    assert out == ["Archived 2 jobs, 0 unchecked left"]
    _Run(capsys, "autoarchive", "all")
    assert [c for c in client.calls if c[0] == "AutoArchiveJobs"] == [
        ("AutoArchiveJobs", 86400), ("AutoArchiveJobs", -1)]


def test_log_entries_printed_safely():
    line = cli.FormatJobLogEntry([3, _TS, constants.ELOG_MESSAGE, "bad\x1bchar"])
    assert line.endswith(" bad\\x1bchar")
    assert cli.FormatLogMessage("remote-import", {"x": 1}) == "remote-import: {'x': 1}"
