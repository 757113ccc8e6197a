"""The job queue directory: its files, their durable writes, and the archive.

Layout (upstream's): queue/lock (held by the running master), queue/version,
queue/serial (last job id), queue/drain (flag file), queue/job-<id> (one per
job), queue/archive/<id // 10000>/job-<id>.

Every file is replaced atomically (temporary file, fsync, rename, directory
fsync), so a crash leaves either the old or the new content. WriteFiles does
this for a whole batch at once: all temporary files are written and synced,
then renamed, then the directory is synced once, which is what lets the
queue's writer share one directory sync (and the disk's flushes) between
the state changes of many jobs.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import tempfile
from typing import Iterable, Sequence

from ganeti import constants, errors, pathutils, serializer, utils

_JOB_FILE_RE = re.compile(r"^job-(\d+)$")
_TMP_PREFIX = "."


class QueueStorage:
    """Files of one queue directory (pathutils.QUEUE_DIR by default)."""

    def __init__(self, queue_dir: str | None = None):
        self.queue_dir = queue_dir or pathutils.QUEUE_DIR
        self.archive_dir = os.path.join(self.queue_dir, "archive")
        self.lock_file = os.path.join(self.queue_dir, "lock")
        self.version_file = os.path.join(self.queue_dir, "version")
        self.serial_file = os.path.join(self.queue_dir, "serial")
        self.drain_file = os.path.join(self.queue_dir, "drain")
        self._lock: utils.FileLock | None = None

    # --- opening and closing -------------------------------------------
    def Open(self) -> None:
        """Create the directories, take the queue lock, check the version.

        The lock is what keeps two master daemons (or a master and a tool
        rewriting the queue) from using one queue at the same time.
        """
        utils.EnsureDirs([(self.queue_dir, constants.JOB_QUEUE_DIRS_MODE),
                          (self.archive_dir, constants.JOB_QUEUE_DIRS_MODE)])
        lock = utils.FileLock.Open(self.lock_file)
        try:
            lock.Exclusive(blocking=False)
        except errors.LockError:
            lock.Close()
            raise errors.JobQueueError("Job queue %s is locked by another process (is another"
                                       " master daemon running?)" % self.queue_dir)
        self._lock = lock
        try:
            self._CheckVersion()
            self._RemoveTemporaryFiles()
        except BaseException:
            self.Close()
            raise

    def Close(self) -> None:
        if self._lock is not None:
            self._lock.Close()
            self._lock = None

    def _CheckVersion(self) -> None:
        try:
            text = utils.ReadFile(self.version_file)
        except FileNotFoundError:
            if self.ListJobIds():
                raise errors.JobQueueError("Job queue %s has jobs but no version file"
                                           % self.queue_dir)
            self.WriteFiles([(self.version_file, "%d\n" % constants.JOB_QUEUE_VERSION)])
            return
        try:
            version = int(text.strip())
        except ValueError:
            raise errors.JobQueueError("Invalid job queue version file content %r" % text)
        if version != constants.JOB_QUEUE_VERSION:
            raise errors.JobQueueError("Found job queue version %s, expected %s"
                                       % (version, constants.JOB_QUEUE_VERSION))

    def _RemoveTemporaryFiles(self) -> None:
        """Drop temporary files a crash left behind (their rename never happened)."""
        for name in os.listdir(self.queue_dir):
            if name.startswith(_TMP_PREFIX):
                logging.info("Removing leftover temporary file %s", name)
                utils.RemoveFile(os.path.join(self.queue_dir, name))

    # --- names ------------------------------------------------------------
    def JobPath(self, job_id: int) -> str:
        return os.path.join(self.queue_dir, "job-%d" % job_id)

    def ArchivePath(self, job_id: int) -> str:
        return os.path.join(self.archive_dir, str(job_id // constants.JOB_ARCHIVE_DIR_RANGE),
                            "job-%d" % job_id)

    def ListJobIds(self) -> list[int]:
        """Ids of the jobs in the queue (not archived), ascending."""
        ids = []
        for name in os.listdir(self.queue_dir):
            match = _JOB_FILE_RE.match(name)
            if match:
                ids.append(int(match.group(1)))
        return sorted(ids)

    # --- reading ------------------------------------------------------------
    def ReadSerial(self) -> int:
        """The last job id handed out.

        Ids live in job files, in the archive, and in the serial file; the
        master writes the serial file when archiving and at shutdown, not for
        every submission (a job file already records its id durably), so the
        highest of the three is the truth.
        """
        try:
            serial = int(utils.ReadFile(self.serial_file).strip() or 0)
        except FileNotFoundError:
            serial = 0
        except ValueError as err:
            raise errors.JobQueueError("Invalid job queue serial file: %s" % err)
        return max([serial] + self.ListJobIds()[-1:] + [self._MaxArchivedId()])

    def _MaxArchivedId(self) -> int:
        ranges = [int(name) for name in os.listdir(self.archive_dir) if name.isdigit()]
        for subdir in sorted(ranges, reverse=True):
            ids = [int(m.group(1)) for m in map(
                _JOB_FILE_RE.match, os.listdir(os.path.join(self.archive_dir, str(subdir)))) if m]
            if ids:
                return max(ids)
        return 0

    def ReadJob(self, job_id: int) -> dict | None:
        """The parsed job file, None if there is none; JobFileCorrupted if unparsable."""
        try:
            text = utils.ReadFile(self.JobPath(job_id))
        except FileNotFoundError:
            return None
        try:
            data = serializer.LoadJson(text)
        except errors.ParseError as err:
            raise errors.JobFileCorrupted("Job file of job %s: %s" % (job_id, err))
        if not isinstance(data, dict) or not isinstance(data.get("ops"), list):
            raise errors.JobFileCorrupted("Job file of job %s is not a job" % job_id)
        return data

    def IsDrained(self) -> bool:
        return os.path.exists(self.drain_file)

    # --- writing ------------------------------------------------------------
    def WriteFiles(self, files: Sequence[tuple[str, str | bytes]]) -> None:
        """Replace files of the queue directory atomically and durably, as one batch.

        Renames happen in the given order (callers put the serial file first,
        so that a job file never survives a crash without its id's serial).
        """
        pending: list[tuple[int | None, str, str]] = []
        try:
            for path, data in files:
                fd, tmp = self._NewTempFile(path)
                pending.append((fd, tmp, path))
                self._WriteAll(fd, data.encode("utf-8") if isinstance(data, str) else data)
            for idx, (fd, tmp, path) in enumerate(pending):
                os.fsync(fd)
                os.close(fd)
                pending[idx] = (None, tmp, path)
            for idx, (_, tmp, path) in enumerate(pending):
                os.rename(tmp, path)
                pending[idx] = (None, "", path)
            utils.io.FsyncDir(self.queue_dir)
        finally:
            for fd, tmp, _ in pending:
                if fd is not None:
                    os.close(fd)
                if tmp:
                    utils.RemoveFile(tmp)

    @staticmethod
    def _NewTempFile(path: str) -> tuple[int, str]:
        dirname, name = os.path.split(path)
        fd, tmp = tempfile.mkstemp(prefix="%s%s." % (_TMP_PREFIX, name), dir=dirname)
        os.fchmod(fd, constants.JOB_QUEUE_FILES_PERMS)
        return fd, tmp

    @staticmethod
    def _WriteAll(fd: int, data: bytes) -> None:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]

    def SetDrainFlag(self, drain: bool) -> None:
        """Create or remove the drain flag file, durably."""
        if drain:
            self.WriteFiles([(self.drain_file, "")])
        elif os.path.exists(self.drain_file):
            utils.RemoveFile(self.drain_file)
            utils.io.FsyncDir(self.queue_dir)

    def ArchiveJobs(self, job_ids: Iterable[int]) -> list[tuple[str, str]]:
        """Move job files into the archive; returns the (old, new) paths moved.

        A job already missing from the queue is skipped. Every touched
        directory is synced once, after all renames.
        """
        moved = []
        targets = set()
        for job_id in job_ids:
            old, new = self.JobPath(job_id), self.ArchivePath(job_id)
            target_dir = os.path.dirname(new)
            if target_dir not in targets:
                utils.EnsureDirs([(target_dir, constants.JOB_QUEUE_DIRS_MODE)])
                targets.add(target_dir)
            try:
                os.rename(old, new)
            except OSError as err:
                if err.errno == errno.ENOENT:
                    continue
                raise
            moved.append((old, new))
        for path in sorted(targets) + [self.archive_dir, self.queue_dir]:
            utils.io.FsyncDir(path)
        return moved
