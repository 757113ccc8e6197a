"""ganeti.backend.jobqueue: job file replication stays inside the queue directory."""

import os

import pytest

from ganeti import backend, constants, pathutils
from ganeti.backend import jobqueue


def _Job(n):
    return os.path.join(pathutils.QUEUE_DIR, "job-%d" % n)


def test_update_writes_queue_files(noderoot):
    jobqueue.JobQueueUpdate(_Job(7), b'{"id": 7}\n')
    assert open(_Job(7), "rb").read() == b'{"id": 7}\n'
    assert os.stat(_Job(7)).st_mode & 0o777 == constants.JOB_QUEUE_FILES_PERMS
    jobqueue.JobQueueUpdate(pathutils.JOB_QUEUE_SERIAL_FILE, b"7\n")
    assert open(pathutils.JOB_QUEUE_SERIAL_FILE).read() == "7\n"


@pytest.mark.parametrize("path", ["/var/lib/ganeti/config.data", "/var/lib/ganeti/queue",
                                  "/var/lib/ganeti/queue-evil/job-1", "/etc/cron.d/x"])
def test_update_refuses_other_paths(noderoot, path):
    with pytest.raises(backend.RPCFail, match="outside the job queue"):
        jobqueue.JobQueueUpdate(pathutils.Prefix(path), b"x")
    assert not os.path.isfile(pathutils.Prefix(path))


def test_rename_archives(noderoot):
    jobqueue.JobQueueUpdate(_Job(1), b"1")
    jobqueue.JobQueueUpdate(_Job(2), b"2")
    archived = [os.path.join(pathutils.JOB_QUEUE_ARCHIVE_DIR, "0", "job-%d" % n) for n in (1, 2)]
    jobqueue.JobQueueRename([(_Job(1), archived[0]), (_Job(2), archived[1])])
    assert [open(p).read() for p in archived] == ["1", "2"]
    assert not os.path.exists(_Job(1))
    with pytest.raises(backend.RPCFail, match="outside"):
        jobqueue.JobQueueRename([(archived[0], pathutils.CLUSTER_CONF_FILE)])
    with pytest.raises(backend.RPCFail, match="Cannot rename"):
        jobqueue.JobQueueRename([(_Job(99), _Job(100))])


def test_purge_keeps_only_the_lock(noderoot):
    jobqueue.JobQueueUpdate(_Job(1), b"1")
    jobqueue.JobQueueUpdate(pathutils.JOB_QUEUE_LOCK_FILE, b"")
    jobqueue.JobQueueUpdate(os.path.join(pathutils.JOB_QUEUE_ARCHIVE_DIR, "0", "job-0"), b"0")
    jobqueue.JobQueuePurge()
    assert os.listdir(pathutils.QUEUE_DIR) == ["lock"]
    jobqueue.JobQueuePurge()


def test_purge_without_queue(noderoot):
    jobqueue.JobQueuePurge()
    assert not os.path.exists(pathutils.QUEUE_DIR)
