"""Tests for the gnt-* table output and option parsers."""

import optparse

import pytest

from ganeti import cli, constants, errors
from ganeti.cli import jobs as cli_jobs


def test_table_padded_with_headers_and_units():
    lines = cli.GenerateTable({"name": "Node", "mem": "MTotal"}, ["name", "mem"], None,
                              [["node1", 2048], ["n2", 512]], unitfields=["mem"])
    assert lines == ["Node  MTotal", "node1   2.0G", "n2      512M"]


def test_table_separator_no_headers_plain_mib():
    lines = cli.GenerateTable(None, ["name", "mem", "up"], "|",
                              [["node1", 2048, True], ["n2", None, False]], unitfields=["mem"])
    assert lines == ["node1|2048|Y", "n2|-|N"]


def test_table_units_forced():
    lines = cli.GenerateTable(None, ["mem"], ":", [[3072]], unitfields=["mem"], units="g")
    assert lines == ["3.0"]


def test_parse_fields_replace_and_add():
    assert cli.ParseFields(None, ["a", "b"]) == ["a", "b"]
    assert cli.ParseFields("c,d", ["a", "b"]) == ["c", "d"]
    assert cli.ParseFields("+c", ["a", "b"]) == ["a", "b", "c"]


def test_keyval_parsing():
    assert cli.ParseKeyVal("-B", "memory=512,no_auto_balance,-vcpus,x\\,y=1") == {
        "memory": "512", "auto_balance": False, "vcpus": None, "x,y": "1"}
    with pytest.raises(errors.ParameterError):
        cli.ParseKeyVal("-B", "a=1,a=2")
    assert cli.ParseIdentKeyVal("-H", "kvm:kernel_path=/k") == ("kvm", {"kernel_path": "/k"})
    assert cli.ParseIdentKeyVal("-H", "no_kvm") == ("kvm", False)


def test_option_types_in_parser():
    parser = optparse.OptionParser(option_list=[cli.BACKEND_OPT, cli.HYPERVISOR_OPT])
    opts, _ = parser.parse_args(["-B", "memory=128", "-H", "fake:x=1"])
    assert opts.beparams == {"memory": "128"}
    assert opts.hypervisor == ("fake", {"x": "1"})


def test_timespec():
    assert cli.ParseTimespec("90") == 90
    assert cli.ParseTimespec("2h") == 7200
    with pytest.raises(errors.OpPrereqError):
        cli.ParseTimespec("x1")


class _FakeClient:
    """Plays a job's life: two waits with log entries, then the final query."""

    def __init__(self, final):
        self.waits = [
            ([constants.JOB_STATUS_RUNNING], [(1, (1700000000, 0), "message", "step one")]),
            constants.JOB_NOTCHANGED,
            ([constants.JOB_STATUS_SUCCESS], [(2, (1700000001, 5), "message", "step two")]),
        ]
        self.final = final
        self.seen_serials = []

    def WaitForJobChangeOnce(self, job_id, fields, prev_job_info, prev_log_serial):
        self.seen_serials.append(prev_log_serial)
        return self.waits.pop(0)

    def QueryJobs(self, ids, fields):
        return [self.final]


def test_poll_job_feeds_log_in_order_and_returns_results():
    cl = _FakeClient([constants.JOB_STATUS_SUCCESS, ["success"], [42]])
    seen = []
    assert cli.PollJob(7, cl=cl, feedback_fn=seen.append) == [42]
    assert [e[3] for e in seen] == ["step one", "step two"]
    assert cl.seen_serials == [None, 1, 1]


def test_poll_job_reraises_encoded_error():
    err = errors.EncodeException(errors.OpPrereqError("no such node", errors.ECODE_NOENT))
    cl = _FakeClient([constants.JOB_STATUS_ERROR, ["error"], [err]])
    with pytest.raises(errors.OpPrereqError) as info:
        cli.PollJob(7, cl=cl, feedback_fn=lambda _: None)
    assert info.value.args == ("no such node", errors.ECODE_NOENT)


def test_log_entry_format():
    text = cli_jobs.FormatJobLogEntry((1, (0, 0), "message", "hello"))
    assert text.endswith(" hello") and len(text) > len(" hello")


def test_generic_main_exit_codes(capsys):
    def ok(opts, args):
        cli.ToStdout("args=%s", ",".join(args))
        return 0

    def fail(opts, args):
        raise errors.OpPrereqError("bad thing", errors.ECODE_INVAL)

    commands = {
        "ok": (ok, [cli.ArgUnknown(min=1, max=2)], [], "<x>", "says ok"),
        "fail": (fail, cli.ARGS_NONE, [], "", "fails"),
    }
    assert cli.GenericMain(commands, argv=["gnt-x", "ok", "a"]) == 0
    assert "args=a" in capsys.readouterr().out
    assert cli.GenericMain(commands, argv=["gnt-x", "ok"]) == 1
    assert "at least 1" in capsys.readouterr().err
    assert cli.GenericMain(commands, argv=["gnt-x", "fail"]) == 1
    assert "bad thing" in capsys.readouterr().err
    assert cli.GenericMain(commands, argv=["gnt-x", "nope"]) == 1


@pytest.mark.parametrize("where, message", [
    (("node2.example.com", "node1.example.com"),
     "This is not the master node, please connect to node 'node2.example.com'"),
    (errors.ConfigurationError("Can't read ssconf file"), "Cluster not initialized"),
    (("node1.example.com", "node1.example.com"), "Cannot communicate with the master daemon"),
])
def test_no_master_daemon_says_where_the_master_is(monkeypatch, capsys, where, message):
    from ganeti import ssconf

    def _MasterAndMyself(ss=None):
        if isinstance(where, Exception):
            raise where
        return where

    def _Query(opts, args):
        raise errors.NoMasterError("/var/run/ganeti/socket/ganeti-master")

    monkeypatch.setattr(ssconf, "GetMasterAndMyself", _MasterAndMyself)
    commands = {"list": (_Query, cli.ARGS_NONE, [], "", "asks the master")}
    assert cli.GenericMain(commands, argv=["gnt-x", "list"]) == 1
    assert message in capsys.readouterr().err
