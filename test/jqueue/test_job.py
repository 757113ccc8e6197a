"""Tests for ganeti.jqueue.job: statuses, file format, query fields."""

import threading

import pytest

from ganeti import constants, errors, opcodes
from ganeti.jqueue import job as jjob

Q, W, R, S, E, C, CI = (constants.OP_STATUS_QUEUED, constants.OP_STATUS_WAITLOCK,
                        constants.OP_STATUS_RUNNING, constants.OP_STATUS_SUCCESS,
                        constants.OP_STATUS_ERROR, constants.OP_STATUS_CANCELED,
                        constants.OP_STATUS_CANCELING)


@pytest.mark.parametrize("ops, status", [
    ([S, S], constants.JOB_STATUS_SUCCESS),
    ([Q, Q], constants.JOB_STATUS_QUEUED),
    ([S, Q], constants.JOB_STATUS_QUEUED),
    ([S, W, Q], constants.JOB_STATUS_WAITLOCK),
    ([S, R, Q], constants.JOB_STATUS_RUNNING),
    ([S, E, E], constants.JOB_STATUS_ERROR),
    ([CI, CI], constants.JOB_STATUS_CANCELING),
    ([S, C], constants.JOB_STATUS_CANCELED),
])
def test_job_status_from_opcode_statuses(ops, status):
    assert jjob.CalcJobStatus(ops) == status


def test_priority_is_that_of_the_first_unfinished_opcode():
    assert jjob.CalcJobPriority([(S, -10), (Q, 10), (Q, 0)]) == 10
    assert jjob.CalcJobPriority([(S, -10), (E, 5)]) == 5


def _Job():
    job = jjob.QueuedJob(7, [opcodes.OpTestDelay(duration=1),
                             opcodes.OpTestDelay(duration=2, priority=-10)], threading.Lock())
    job.start_timestamp = [100, 5]
    job.ops[0].status = S
    job.ops[0].result = True
    job.AddLog(job.ops[0], constants.ELOG_MESSAGE, "hello")
    job.AddLog(job.ops[1], constants.ELOG_MESSAGE, "world")
    job.ops[1].status = R
    return job


def test_file_format_as_the_contract_says():
    data = _Job().Serialize()
    assert set(data) == {"id", "ops", "received_timestamp", "start_timestamp", "end_timestamp"}
    assert data["id"] == "7"
    op = data["ops"][1]
    assert set(op) == {"input", "status", "result", "log", "priority", "start_timestamp",
                       "exec_timestamp", "end_timestamp"}
    assert op["input"]["OP_ID"] == "OP_TEST_DELAY" and op["priority"] == -10
    serial, ts, log_type, msg = op["log"][0]
    assert (serial, log_type, msg) == (2, "message", "world")
    assert isinstance(ts, list) and len(ts) == 2 and 0 <= ts[1] < 1000000


def test_restore_round_trip():
    job = _Job()
    data = job.Serialize()
    restored = jjob.QueuedJob.Restore(data, threading.Lock())
    assert restored.Serialize() == data
    assert restored.log_serial == 2
    assert restored.CalcStatus() == constants.JOB_STATUS_RUNNING
    assert restored.summary == ["TEST_DELAY(1)", "TEST_DELAY(2)"]
    with pytest.raises(errors.JobFileCorrupted):
        jjob.QueuedJob.Restore(dict(data, ops=[]), threading.Lock())


def test_snapshot_fields_and_log():
    snap = jjob.JobSnapshot(_Job().Serialize())
    assert snap.GetInfo(["id", "status", "summary", "opstatus", "priority", "start_ts"]) == [
        "7", "running", ["TEST_DELAY(1)", "TEST_DELAY(2)"], [S, R], -10, [100, 5]]
    assert [e[0] for e in snap.LogSince(None)] == [1, 2]
    assert [e[0] for e in snap.LogSince(1)] == [2]
    assert snap.LogSince(2) == []
    assert jjob.CheckFields(sorted(jjob.VALID_FIELDS)) == sorted(jjob.VALID_FIELDS)
    with pytest.raises(errors.OpPrereqError, match="nosuch"):
        jjob.CheckFields(["id", "nosuch"])


def test_mark_unfinished_keeps_finished_opcodes():
    job = _Job()
    job.MarkUnfinishedOps(E, "Unclean master daemon shutdown")
    assert [op.status for op in job.ops] == [S, E]
    assert job.ops[0].result is True
    assert job.ops[1].result == "Unclean master daemon shutdown"
    assert job.end_timestamp is not None and job.IsFinalized()
