"""Tests for ganeti.jqueue.storage: the queue directory and its durable writes."""

import os

import pytest

from ganeti import constants, errors, serializer
from ganeti.jqueue.storage import QueueStorage


@pytest.fixture
def storage(tmp_path):
    st = QueueStorage(str(tmp_path / "queue"))
    st.Open()
    yield st
    st.Close()


def test_open_creates_layout_and_version(storage):
    assert sorted(os.listdir(storage.queue_dir)) == ["archive", "lock", "version"]
    assert open(storage.version_file).read() == "%d\n" % constants.JOB_QUEUE_VERSION
    assert os.stat(storage.queue_dir).st_mode & 0o777 == constants.JOB_QUEUE_DIRS_MODE


def test_second_opener_is_refused_until_closed(storage):
    other = QueueStorage(storage.queue_dir)
    with pytest.raises(errors.JobQueueError, match="locked"):
        other.Open()
    storage.Close()
    other.Open()
    other.Close()


def test_version_mismatch_and_missing_version_refused(tmp_path):
    qdir = tmp_path / "q"
    qdir.mkdir()
    (qdir / "version").write_text("99\n")
    with pytest.raises(errors.JobQueueError, match="version 99"):
        QueueStorage(str(qdir)).Open()
    (qdir / "version").unlink()
    (qdir / "job-1").write_text("{}")
    with pytest.raises(errors.JobQueueError, match="no version file"):
        QueueStorage(str(qdir)).Open()


def test_write_batch_atomic_leaves_no_temporary_files(storage):
    storage.WriteFiles([(storage.serial_file, "3\n"), (storage.JobPath(3), '{"ops": []}')])
    assert open(storage.JobPath(3)).read() == '{"ops": []}'
    assert storage.ReadSerial() == 3
    assert storage.ListJobIds() == [3]
    assert not [n for n in os.listdir(storage.queue_dir) if n.startswith(".")]
    assert os.stat(storage.JobPath(3)).st_mode & 0o777 == constants.JOB_QUEUE_FILES_PERMS


def test_failed_batch_cleans_up_and_keeps_old_content(storage, monkeypatch):
    storage.WriteFiles([(storage.JobPath(1), "old")])

    def _Fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "rename", _Fail)
    with pytest.raises(OSError):
        storage.WriteFiles([(storage.JobPath(1), "new"), (storage.JobPath(2), "x")])
    monkeypatch.undo()
    assert open(storage.JobPath(1)).read() == "old"
    assert storage.ListJobIds() == [1]
    assert not [n for n in os.listdir(storage.queue_dir) if n.startswith(".")]


def test_serial_is_never_below_a_job_file(storage):
    storage.WriteFiles([(storage.serial_file, "5\n"), (storage.JobPath(9), "{}")])
    assert storage.ReadSerial() == 9


def test_leftover_temporary_files_removed_at_open(tmp_path):
    st = QueueStorage(str(tmp_path / "q"))
    st.Open()
    st.Close()
    leftover = os.path.join(st.queue_dir, ".job-4.abcd")
    open(leftover, "w").write("half")
    st.Open()
    st.Close()
    assert not os.path.exists(leftover)


def test_read_job(storage):
    assert storage.ReadJob(1) is None
    storage.WriteFiles([(storage.JobPath(1), serializer.DumpJson({"id": "1", "ops": []}))])
    assert storage.ReadJob(1) == {"id": "1", "ops": []}
    storage.WriteFiles([(storage.JobPath(2), '{"id": "2", "ops": [')])
    with pytest.raises(errors.JobFileCorrupted):
        storage.ReadJob(2)


def test_archive_moves_into_id_range_directories(storage):
    storage.WriteFiles([(storage.JobPath(i), "{}") for i in (5, 12345)])
    moved = storage.ArchiveJobs([5, 12345, 77])
    assert moved == [(storage.JobPath(5), os.path.join(storage.archive_dir, "0", "job-5")),
                     (storage.JobPath(12345),
                      os.path.join(storage.archive_dir, "1", "job-12345"))]
    assert storage.ListJobIds() == []
    assert os.path.exists(storage.ArchivePath(12345))


def test_drain_flag(storage):
    assert not storage.IsDrained()
    storage.SetDrainFlag(True)
    assert storage.IsDrained() and os.path.exists(storage.drain_file)
    storage.SetDrainFlag(False)
    storage.SetDrainFlag(False)
    assert not storage.IsDrained()
