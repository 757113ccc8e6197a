"""Tests for ganeti.jqueue.writer: group commit, coalescing, durability waits."""

import threading

import pytest

from ganeti import errors, opcodes, serializer
from ganeti.jqueue import job as jjob
from ganeti.jqueue import writer as jwriter


class _Storage:
    """Records batches; a batch can be held on the disk by the test."""

    def __init__(self):
        self.batches = []
        self.hold = threading.Event()
        self.hold.set()
        self.held = threading.Event()
        self.fail = None

    def JobPath(self, job_id):
        return "/q/job-%d" % job_id

    def WriteFiles(self, files):
        self.batches.append([(path, serializer.LoadJson(data)) for path, data in files])
        self.held.set()
        assert self.hold.wait(10)
        if self.fail:
            raise self.fail


@pytest.fixture
def setup():
    lock = threading.Lock()
    storage = _Storage()
    committed = []
    writer = jwriter.JobFileWriter(lock, storage, jwriter.NullReplicator(), committed.extend,
                                   retry_delay=0.01)
    jobs = [jjob.QueuedJob(i, [opcodes.OpTestDelay(duration=i)], lock) for i in range(1, 11)]
    yield lock, storage, writer, jobs, committed
    storage.hold.set()
    assert writer.Stop(10)


def _Mark(lock, writer, job, **kwargs):
    with lock:
        return writer.MarkDirty(job, **kwargs)


def _Wait(lock, writer, job, version):
    with lock:
        writer.WaitDurable(job, version)


def test_changes_made_during_a_write_share_the_next_batch(setup):
    lock, storage, writer, jobs, committed = setup
    storage.hold.clear()
    first = _Mark(lock, writer, jobs[0])
    assert storage.held.wait(10)  # batch 1 (job 1) is on the disk
    versions = [_Mark(lock, writer, job) for job in jobs[1:]]
    jobs[1].ops[0].status = "running"
    second = _Mark(lock, writer, jobs[1])  # a second change of the same job
    storage.hold.set()
    _Wait(lock, writer, jobs[0], first)
    _Wait(lock, writer, jobs[1], second)
    for job, version in zip(jobs[2:], versions[1:]):
        _Wait(lock, writer, job, version)
    assert [len(batch) for batch in storage.batches] == [1, 9]
    assert dict(storage.batches[1])["/q/job-2"]["ops"][0]["status"] == "running"
    assert jobs[1].committed.status == "running"
    assert sorted(job.id for job in committed) == list(range(1, 11))
    assert writer.batches == 2


def test_starting_job_waits_for_its_next_change(setup, monkeypatch):
    lock, storage, writer, jobs, _ = setup
    monkeypatch.setattr(jwriter, "STARTING_GRACE", 30)
    queued = _Mark(lock, writer, jobs[0], starting=True)
    jobs[0].ops[0].status = "running"
    running = _Mark(lock, writer, jobs[0])  # the worker's change ends the grace at once
    _Wait(lock, writer, jobs[0], running)
    assert queued < running
    assert [[data["ops"][0]["status"] for _, data in b] for b in storage.batches] == [["running"]]


def test_starting_job_alone_is_written_after_the_grace(setup, monkeypatch):
    lock, storage, writer, jobs, _ = setup
    monkeypatch.setattr(jwriter, "STARTING_GRACE", 0.01)
    _Wait(lock, writer, jobs[0], _Mark(lock, writer, jobs[0], starting=True))
    assert len(storage.batches) == 1


def test_failed_write_reported_then_retried(setup):
    lock, storage, writer, jobs, _ = setup
    storage.fail = OSError(5, "Input/output error")
    version = _Mark(lock, writer, jobs[0])
    with pytest.raises(errors.JobQueueError, match="Input/output error"):
        _Wait(lock, writer, jobs[0], version)
    storage.fail = None
    again = _Mark(lock, writer, jobs[0])
    _Wait(lock, writer, jobs[0], again)
    assert jobs[0].durable_version == again and jobs[0].write_error is None


def test_stop_writes_what_is_pending(setup):
    lock, storage, writer, jobs, _ = setup
    storage.hold.clear()
    _Mark(lock, writer, jobs[0])
    assert storage.held.wait(10)
    last = _Mark(lock, writer, jobs[1])
    stopper = threading.Thread(target=writer.Stop)
    stopper.start()
    storage.hold.set()
    stopper.join(10)
    assert jobs[1].durable_version == last
