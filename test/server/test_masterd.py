"""Integration tests: a real ganeti-masterd process in its own root."""

import os
import signal
import threading
import time

import pytest
from mastertestutils import MasterDaemon

from ganeti import constants, errors, opcodes, serializer

FINAL = constants.JOBS_FINALIZED


@pytest.fixture
def master(reaper):
    daemon = MasterDaemon()
    yield daemon
    daemon.Cleanup()


def _WaitDone(client, job_id, timeout=60):
    """Follow a job like cli.PollJob does; returns its final status."""
    info, serial = None, None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = client.WaitForJobChangeOnce(job_id, ["status"], info, serial, timeout=5)
        if result == constants.JOB_NOTCHANGED:
            continue
        info, log = result
        if log:
            serial = log[-1][0]
        if info[0] in FINAL:
            return info[0]
    raise AssertionError("job %s not finished" % job_id)


def _Delay(duration=0.0):
    return opcodes.OpTestDelay(duration=duration)


def test_hundred_jobs_from_several_clients(master, reaper):
    master.Start(reaper=reaper)
    results, problems = {}, []

    def _Client(idx):
        try:
            with master.Client() as client:
                for _ in range(20):
                    job_id = client.SubmitJob([_Delay()])
                    results[job_id] = _WaitDone(client, job_id)
        except Exception as err:  # noqa: BLE001 - reported by the assert below
            problems.append(repr(err))

    threads = [threading.Thread(target=_Client, args=(i,)) for i in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert problems == []
    assert sorted(results, key=int) == [str(i) for i in range(1, 101)]
    assert set(results.values()) == {"success"}
    with master.Client() as client:
        rows = client.QueryJobs(None, ["id", "status", "summary"])
    assert len(rows) == 100 and rows[0] == ["1", "success", ["TEST_DELAY(0.0)"]]


def test_invalid_opcode_refused_over_luxi(master, reaper):
    master.Start(reaper=reaper)
    with master.Client() as client:
        with pytest.raises(errors.OpPrereqError, match="'duration'") as exc:
            client.SubmitJob([{"OP_ID": "OP_TEST_DELAY", "duration": "soon"}])
        assert exc.value.args[1] == errors.ECODE_INVAL
        assert client.QueryJobs(None, ["id"]) == []
        assert client.SetDrainFlag(True)
        with pytest.raises(errors.JobQueueDrainError):
            client.SubmitJob([_Delay()])
        client.SetDrainFlag(False)
        assert client.QueryLocks()[0]["name"] == "cluster/[lockset]"


def test_cancel_of_a_queued_job(master, reaper):
    master.Start(reaper=reaper)
    with master.Client() as client:
        # 25 workers busy for 3 s, so the 26th job has to queue
        results = client.SubmitManyJobs([[_Delay(3)] for _ in range(constants.JOB_QUEUE_WORKERS)]
                                        + [[_Delay()]])
        assert all(ok for ok, _ in results)
        target = results[-1][1]
        assert client.QueryJobs([target], ["status"]) == [["queued"]]
        assert client.CancelJob(target) == [True, "Job %s canceled" % target]
        assert client.QueryJobs([target], ["status"]) == [["canceled"]]
        with open(os.path.join(master.queue_dir, "job-%s" % target)) as fh:
            assert serializer.LoadJson(fh.read())["ops"][0]["status"] == "canceled"
        busy = results[0][1]
        info = None
        while info != ["running"]:
            info, _ = client.WaitForJobChangeOnce(busy, ["status"], info, None, 10)
        ok, msg = client.CancelJob(busy)
        assert not ok and "no longer waiting" in msg
        assert _WaitDone(client, busy) == "success"


def test_wait_for_job_changes_wakes_within_milliseconds(master, reaper):
    master.Start(reaper=reaper)
    with master.Client() as client:
        job_id = client.SubmitJob([_Delay(0.5)])
        info = None
        while info != ["running"]:
            info, _ = client.WaitForJobChangeOnce(job_id, ["status"], info, None, 10)
        info, _ = client.WaitForJobChangeOnce(job_id, ["status", "end_ts"], info + [None],
                                              None, 10)
        woken = time.time()
        status, end_ts = info
        assert status == "success"
        latency = woken - (end_ts[0] + end_ts[1] / 1e6)
        # the end timestamp is taken before the durable write; the rest is the wake-up
        assert 0 <= latency < 0.1, latency


def test_kill_nine_with_jobs_running_then_restart(master, reaper):
    master.Start(reaper=reaper)
    with master.Client() as client:
        ids = [job_id for _, job_id in client.SubmitManyJobs([[_Delay(0.2)] for _ in range(60)])]
        statuses = None
        while not statuses or "running" not in statuses:
            statuses = [row[0] for row in client.QueryJobs(ids, ["status"])]
    master.Kill(signal.SIGKILL)
    master.WaitGone()
    for job_id in ids:  # every job file parses: none is torn
        with open(os.path.join(master.queue_dir, "job-%s" % job_id)) as fh:
            serializer.LoadJson(fh.read())
    os.unlink(master.pid_file)
    master.Start(reaper=reaper)
    with master.Client() as client:
        finals = {job_id: _WaitDone(client, job_id) for job_id in ids}
        assert set(finals.values()) <= {"success", "error"}
        errored = [job_id for job_id, status in finals.items() if status == "error"]
        assert errored, "some jobs were running when the master died"
        for (result,) in [row[0] for row in client.QueryJobs(errored, ["opresult"])]:
            assert result == "Unclean master daemon shutdown"
        assert [row[0] for row in client.QueryJobs(None, ["id"])] == ids
        assert client.SubmitJob([_Delay()]) == str(len(ids) + 1)


def test_sigterm_lets_running_jobs_finish(master, reaper):
    master.Start(reaper=reaper)
    with master.Client() as client:
        job_id = client.SubmitJob([_Delay(1)])
        info = None
        while info != ["running"]:
            info, _ = client.WaitForJobChangeOnce(job_id, ["status"], info, None, 10)
    master.Kill(signal.SIGTERM)
    master.WaitGone()
    with open(os.path.join(master.queue_dir, "job-%s" % job_id)) as fh:
        assert serializer.LoadJson(fh.read())["ops"][0]["status"] == "success"
    assert not os.path.exists(master.socket)
    assert not os.path.exists(master.pid_file)


def test_refuses_to_start_when_not_master_or_queue_locked(master, reaper):
    other = MasterDaemon(hostname="node2.example.com")
    try:
        result = other.Start(check=False)
        assert result.returncode == constants.EXIT_NOTMASTER
        assert "not the master" in result.stderr
    finally:
        other.Cleanup()
    result = master.Start("--no-voting", check=False)
    assert result.returncode == constants.EXIT_FAILURE and "--yes-do-it" in result.stderr
    master.Start("--no-voting", "--yes-do-it", reaper=reaper)
    os.unlink(master.pid_file)  # a second daemon is stopped by the queue lock itself
    result = master.Start(check=False)
    assert result.returncode == constants.EXIT_FAILURE
    assert "locked by another process" in result.stderr


# --- in-process tests of the daemon's parts ----------------------------------

class _Store:
    def __init__(self, nodes):
        self._nodes = nodes

    def GetNodeList(self):
        return list(self._nodes)

    def GetNodePrimaryIPList(self):
        return ["%s 127.0.0.%d" % (name, i) for i, name in enumerate(self._nodes, 1)]


@pytest.mark.parametrize("rounds, expected", [
    ([[("node1", 2), (None, 1)]], True),
    ([[(None, 3)], [("node1", 3)]], True),  # nobody answered at first
    ([[("node2", 2), ("node1", 1)]], False),  # the others think node2 is master
    ([[(None, 3)]] * 6, False),  # never enough answers
])
def test_start_up_vote(monkeypatch, rounds, expected):
    from ganeti.server import masterd
    calls = iter(rounds)
    monkeypatch.setattr(masterd.bootstrap, "GatherMasterVotes",
                        lambda nodes, runner: next(calls))
    monkeypatch.setattr(masterd.bootstrap.time, "sleep", lambda _: None)
    assert masterd._CheckAgreement("node1", _Store(["node1", "node2", "node3", "node4"])) \
        is expected
    assert masterd._CheckAgreement("node1", _Store(["node1"])) is True


def test_client_ops_dispatch(tmp_path, monkeypatch):
    from ganeti import pathutils
    from ganeti.server import masterd

    class _Queue:
        def CancelJob(self, job_id):
            return (True, "canceled %s" % job_id)

        def QueryJobs(self, job_ids, fields):
            return [[job_ids, fields]]

        def WaitForJobChanges(self, *args):
            return args

    ctx = masterd.GanetiContext.__new__(masterd.GanetiContext)
    ctx.jobqueue = _Queue()
    ops = masterd.ClientOps(ctx)
    assert ops("CancelJob", "7") == (True, "canceled 7")  # upstream: the bare job id
    assert ops("QueryJobs", [None, ["id"]]) == [[None, ["id"]]]
    # the wait is bounded so that the answer beats the client's read timeout
    assert ops("WaitForJobChanges", ["1", ["status"], None, None, 3600])[-1] == 29.5
    for method, args, text in [("NoSuch", [], "Unknown luxi method"),
                               ("QueryJobs", {"a": 1}, "must be a list"),
                               ("QueryJobs", [None], "Invalid arguments"),
                               ("QueryJobs", [None, [], 3], "Invalid arguments")]:
        with pytest.raises(errors.ProtocolError, match=text):
            ops(method, args)
    with pytest.raises(errors.OpPrereqError):
        ops("SetDrainFlag", "yes")
    pause_file = str(tmp_path / "watcher.pause")
    monkeypatch.setattr(pathutils, "WATCHER_PAUSEFILE", pause_file)
    assert ops("SetWatcherPause", [1234567890]) == 1234567890
    assert open(pause_file).read() == "1234567890\n"
    assert ops("SetWatcherPause", [None]) is None
    assert not os.path.exists(pause_file)
