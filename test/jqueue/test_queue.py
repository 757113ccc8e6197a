"""Tests for ganeti.jqueue.JobQueue: lifecycle, cancel, archive, drain, recovery."""

import os
import threading
import time

import pytest
from jqtestutils import GATED, Context, Delay, OpWithoutLu, WaitForStatus

from ganeti import constants, errors, jqueue, locking, serializer
from ganeti.jqueue import storage as jstorage

FINAL = constants.JOBS_FINALIZED


def _File(queue, job_id):
    return serializer.LoadJson(open(queue._storage.JobPath(int(job_id))).read())


def test_submit_run_success_and_job_file(make_queue):
    queue = make_queue()
    job_id = queue.SubmitJob([Delay(0), Delay(0)])
    assert job_id == "1"
    assert WaitForStatus(queue, job_id, FINAL) == constants.JOB_STATUS_SUCCESS
    status, opstatus, opresult, summary = queue.QueryJobs([job_id], [
        "status", "opstatus", "opresult", "summary"])[0]
    assert (status, opstatus, opresult) == ("success", ["success"] * 2, [True, True])
    assert summary == ["TEST_DELAY(0)", "TEST_DELAY(0)"]
    data = _File(queue, job_id)
    assert data["id"] == "1" and [op["status"] for op in data["ops"]] == ["success"] * 2
    for op in data["ops"]:
        assert op["start_timestamp"] <= op["exec_timestamp"] <= op["end_timestamp"]
    assert data["received_timestamp"] <= data["start_timestamp"] <= data["end_timestamp"]
    queue.Shutdown(10)
    assert open(queue._storage.serial_file).read() == "1\n"


def test_invalid_opcode_refused_before_anything_is_written(make_queue):
    queue = make_queue()
    with pytest.raises(errors.OpPrereqError, match="'duration'") as exc:
        queue.SubmitJob([{"OP_ID": "OP_TEST_DELAY", "duration": -1}])
    assert exc.value.args[1] == errors.ECODE_INVAL
    with pytest.raises(errors.OpPrereqError):
        queue.SubmitJob([])
    assert queue._storage.ListJobIds() == []
    results = queue.SubmitManyJobs([[Delay(0)], [{"OP_ID": "OP_NOPE"}]])
    assert results[0] == (True, "1")
    assert results[1][0] is False and "OP_NOPE" in results[1][1]


def test_failed_opcode_fails_the_rest(make_queue, gate):
    queue = make_queue()
    gate.fail = True
    gate.release.set()
    job_id = queue.SubmitJob([Delay(GATED), Delay(0)])
    assert WaitForStatus(queue, job_id, FINAL) == constants.JOB_STATUS_ERROR
    opstatus, opresult = queue.QueryJobs([job_id], ["opstatus", "opresult"])[0]
    assert opstatus == ["error", "error"]
    assert opresult[0] == ["OpExecError", ["gated failure"]]
    assert opresult[1] == ["OpExecError", ["Preceding opcode failed"]]
    assert errors.DecodeException(opresult[0]).args == ("gated failure",)


def test_opcode_without_lu_is_refused_at_submission(make_queue):
    queue = make_queue()
    with pytest.raises(errors.OpCodeUnknown, match="OpWithoutLu"):
        queue.SubmitJob([OpWithoutLu(duration=0)])
    assert queue.QueryJobs(None, ["id"]) == [], "no job was created"
    results = queue.SubmitManyJobs([[OpWithoutLu(duration=0)], [Delay(0)]])
    assert results[0][0] is False and "not implemented" in results[0][1]
    assert results[1][0] is True


def test_log_entries_and_wait_for_changes_wake_up(make_queue, gate):
    queue = make_queue()
    job_id = queue.SubmitJob([Delay(GATED)])
    gate.WaitEntered()
    assert WaitForStatus(queue, job_id, ["running"]) == "running"
    (status,), log = queue.WaitForJobChanges(job_id, ["status"], ["running"], None, 10)
    assert status == "running"
    assert [(e[0], e[2], e[3]) for e in log] == [(1, "message", "entered")]
    assert isinstance(log[0][1], list)
    # Nothing changes: the call times out with JOB_NOTCHANGED.
    assert queue.WaitForJobChanges(job_id, ["status"], ["running"], 1, 0.05) == \
        constants.JOB_NOTCHANGED
    woken = {}

    def _Waiter():
        woken["result"] = queue.WaitForJobChanges(job_id, ["status"], ["running"], 1, 10)
        woken["at"] = time.monotonic()

    waiter = threading.Thread(target=_Waiter)
    waiter.start()
    released = time.monotonic()
    gate.release.set()
    waiter.join(10)
    assert woken["result"][0] == ["success"]
    # Woken by the durable write of the final state, not by polling.
    assert woken["at"] - released < 1.0
    assert queue.WaitForJobChanges("99", ["status"], None, None, 0) is None


def test_cancel_queued_job(make_queue, gate):
    queue = make_queue(num_workers=1)
    blocker = queue.SubmitJob([Delay(GATED)])
    gate.WaitEntered()
    job_id = queue.SubmitJob([Delay(0)])
    assert queue.QueryJobs([job_id], ["status"]) == [["queued"]]
    assert queue.CancelJob(job_id) == (True, "Job %s canceled" % job_id)
    assert _File(queue, job_id)["ops"][0]["status"] == "canceled"
    assert queue.QueryJobs([job_id], ["status", "opresult"]) == [
        ["canceled", ["Job canceled by request"]]]
    assert queue.CancelJob(blocker) == (False, "Job %s is no longer waiting in the queue"
                                        % blocker)
    assert queue.CancelJob("999") == (False, "Job 999 not found")
    gate.release.set()
    WaitForStatus(queue, blocker, FINAL)
    assert queue.QueryJobs([job_id], ["status"]) == [["canceled"]]


def test_waiting_job_recorded_and_canceled_when_it_next_checks(make_queue):
    context = Context()
    queue = make_queue(context)
    context.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL])  # held exclusively: jobs wait
    try:
        job_id = queue.SubmitJob([Delay(0)])
        assert WaitForStatus(queue, job_id, ["waiting"]) == "waiting"
        assert _File(queue, job_id)["ops"][0]["status"] == "waiting"
        assert queue.CancelJob(job_id) == (True, "Job %s will be canceled" % job_id)
        assert queue.QueryJobs([job_id], ["status"]) == [["canceling"]]
    finally:
        context.glm.release(locking.LEVEL_CLUSTER)
    assert WaitForStatus(queue, job_id, FINAL) == "canceled"


def test_locks_free_means_no_waiting_state_written(make_queue, monkeypatch):
    queue = make_queue()
    real, written = jstorage.QueueStorage.WriteFiles, []

    def _Write(self, files):
        written.extend(serializer.LoadJson(data)["ops"][0]["status"]
                       for path, data in files if path == self.JobPath(1))
        return real(self, files)

    monkeypatch.setattr(jstorage.QueueStorage, "WriteFiles", _Write)
    job_id = queue.SubmitJob([Delay(0)])
    WaitForStatus(queue, job_id, FINAL)
    # the queued state may share the running state's write (see test_writer)
    assert written in (["queued", "running", "success"], ["running", "success"])


def test_worker_thread_named_after_job_holds_its_locks(make_queue, gate):
    context = Context()
    queue = make_queue(context)
    job_id = queue.SubmitJob([Delay(GATED)])
    gate.WaitEntered()
    owners = [lock["owner"] for lock in context.glm.QueryLocks() if lock["name"] == "cluster/BGL"]
    assert len(owners[0]) == 1 and owners[0][0].startswith("Job%s/Worker" % job_id)
    gate.release.set()


def test_drain_flag_refuses_jobs_and_survives_restart(make_queue):
    queue = make_queue()
    assert queue.SetDrainFlag(True)
    with pytest.raises(errors.JobQueueDrainError):
        queue.SubmitJob([Delay(0)])
    ok, msg = queue.SubmitManyJobs([[Delay(0)]])[0]
    assert not ok and "drain" in msg
    queue.Shutdown(10)
    queue = make_queue()
    with pytest.raises(errors.JobQueueDrainError):
        queue.SubmitJob([Delay(0)])
    queue.SetDrainFlag(False)
    assert queue.SubmitJob([Delay(0)]) == "1"


def test_size_limit(make_queue):
    queue = make_queue(size_limit=2)
    queue.SubmitJob([Delay(0)])
    queue.SubmitJob([Delay(0)])
    with pytest.raises(errors.JobQueueFull):
        queue.SubmitJob([Delay(0)])


def test_archive_manual_and_by_age(make_queue, gate):
    queue = make_queue()
    ids = [queue.SubmitJob([Delay(0)]) for _ in range(3)]
    running = queue.SubmitJob([Delay(GATED)])
    gate.WaitEntered()
    for job_id in ids:
        WaitForStatus(queue, job_id, FINAL)
    assert queue.ArchiveJob(ids[0])
    assert not queue.ArchiveJob(ids[0])
    assert not queue.ArchiveJob(running)
    archived = os.path.join(queue._storage.archive_dir, "0", "job-%s" % ids[0])
    assert serializer.LoadJson(open(archived).read())["id"] == ids[0]
    assert queue.QueryJobs([ids[0]], ["status"]) == [None]
    assert queue.AutoArchiveJobs(3600, 10) == (0, 0)  # all checked, none old enough
    assert queue.AutoArchiveJobs(-1, 0) == (0, 3)  # no time: all left unchecked
    assert queue.AutoArchiveJobs(-1, 10) == (2, 0)
    assert [row[0] for row in queue.QueryJobs(None, ["id"])] == [running]
    gate.release.set()


def test_restart_recovers_every_job_state(tmp_path, make_queue):
    queue = make_queue()
    done = queue.SubmitJob([Delay(0)])
    WaitForStatus(queue, done, FINAL)
    queue.Shutdown(10)
    storage = jstorage.QueueStorage(str(tmp_path / "queue"))
    template = serializer.LoadJson(open(storage.JobPath(1)).read())

    def _Write(job_id, *statuses):
        ops = []
        for status in statuses:
            op = dict(template["ops"][0], status=status, result=None, end_timestamp=None)
            ops.append(op)
        data = dict(template, id=str(job_id), ops=ops, end_timestamp=None)
        open(storage.JobPath(job_id), "w").write(serializer.DumpJson(data))

    _Write(2, "running")
    _Write(3, "success", "waiting")
    _Write(4, "queued")
    _Write(5, "success", "queued")
    _Write(6, "canceling")
    open(storage.JobPath(7), "w").write('{"id": "7", "ops": [')  # not parseable
    queue = make_queue()
    for job_id in ("4", "5"):
        assert WaitForStatus(queue, job_id, FINAL) == "success"
    rows = {row[0]: row[1:] for row in queue.QueryJobs(None, ["id", "status", "opresult"])}
    assert rows["1"] == ["success", [True]]
    assert rows["2"] == ["error", ["Unclean master daemon shutdown"]]
    assert rows["3"] == ["error", [None, "Unclean master daemon shutdown"]]
    assert rows["5"] == ["success", [None, True]]
    assert rows["6"] == ["canceled", ["Job canceled by request"]]
    assert "7" not in rows
    assert queue.SubmitJob([Delay(0)]) == "8"
    queue.Shutdown(10)  # the recovered states are on disk too
    assert serializer.LoadJson(open(storage.JobPath(2)).read())["ops"][0]["status"] == "error"


def test_shutdown_requeues_waiting_jobs(make_queue):
    context = Context()
    queue = make_queue(context)
    context.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL])
    job_id = queue.SubmitJob([Delay(0)])
    WaitForStatus(queue, job_id, ["waiting"])
    stopper = threading.Thread(target=queue.Shutdown, args=(10,))
    stopper.start()
    while not queue.shutting_down:
        time.sleep(0.001)
    context.glm.release(locking.LEVEL_CLUSTER)  # the job gets its lock, sees the shutdown
    stopper.join(10)
    assert not stopper.is_alive()
    assert _File(queue, job_id)["ops"][0]["status"] == "queued"
    with pytest.raises(errors.JobQueueError, match="shutting down"):
        queue.SubmitJob([Delay(0)])
    queue = jqueue.JobQueue(Context(), jstorage.QueueStorage(queue._storage.queue_dir))
    try:
        assert WaitForStatus(queue, job_id, FINAL) == "success"
    finally:
        queue.Shutdown(10)


def test_write_failure_is_reported_to_the_submitter(make_queue, monkeypatch):
    queue = make_queue()
    real = jstorage.QueueStorage.WriteFiles
    calls = []

    def _Fail(self, files):
        calls.append(files)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real(self, files)

    monkeypatch.setattr(jstorage.QueueStorage, "WriteFiles", _Fail)
    queue.writer._retry_delay = 0.01
    with pytest.raises(errors.JobQueueError, match="No space left"):
        queue.SubmitJob([Delay(0)])
    job_id = queue.SubmitJob([Delay(0)])
    assert WaitForStatus(queue, job_id, FINAL) == "success"
    # The refused job's id is used up; it never ran and ends as an error.
    assert queue.QueryJobs(["1"], ["status"]) == [["error"]]


def test_many_jobs_share_batches(make_queue):
    queue = make_queue()
    results = queue.SubmitManyJobs([[Delay(0)] for _ in range(20)])
    for ok, job_id in results:
        assert ok
        WaitForStatus(queue, job_id, FINAL)
    # 20 jobs with up to 3 durable states each; the writer shares batches
    # between jobs (exactly how many depends on timing: see test_writer).
    assert queue.writer.batches < 60


def test_replication_gets_every_batch_and_rename(make_queue):
    class Recorder:
        def __init__(self):
            self.updates, self.renames = [], []

        def UpdateFiles(self, files):
            self.updates.extend(files)

        def RenameFiles(self, renames):
            self.renames.extend(renames)

        def AddNode(self, node, files):
            pass

    rec = Recorder()
    queue = make_queue(replicator=rec)
    job_id = queue.SubmitJob([Delay(0)])
    WaitForStatus(queue, job_id, FINAL)
    paths = {path for path, _ in rec.updates}
    assert paths == {queue._storage.JobPath(1)}
    last = [data for path, data in rec.updates if path == queue._storage.JobPath(1)][-1]
    assert serializer.LoadJson(last)["ops"][0]["status"] == "success"
    assert queue.ArchiveJob(job_id)
    assert rec.renames == [(queue._storage.JobPath(1), queue._storage.ArchivePath(1))]
    assert rec.updates[-1] == (queue._storage.serial_file, "1\n")


def test_recovered_jobs_wait_for_start(make_queue):
    context = Context()
    queue = make_queue(context)
    context.glm.acquire(locking.LEVEL_CLUSTER, [locking.BGL])
    job_id = queue.SubmitJob([Delay(0)])
    WaitForStatus(queue, job_id, ["waiting"])
    queue.shutting_down = True  # what Shutdown does first: the job goes back to queued
    context.glm.release(locking.LEVEL_CLUSTER)
    queue.Shutdown(10)
    queue = make_queue(start=False)
    assert queue.QueryJobs([job_id], ["status"]) == [["queued"]]
    assert queue._pool.QueuedTasks() == 0 and not queue._pool.HasRunningTasks()
    queue.Start()
    assert WaitForStatus(queue, job_id, FINAL) == "success"
