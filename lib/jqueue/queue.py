"""The job queue of the master daemon.

Jobs are submitted (and written) here, run by a pool of JobWorkers, watched
by clients through WaitForJobChanges, canceled, archived. One lock guards
all jobs in memory; it is held only for short in-memory work, never across
a disk write (the writer thread does those, see ganeti.jqueue.writer).

Memory: unfinished jobs live in _active; finished ones are dropped from it
once their last state is durable, and queries read them from a small cache
of parsed job files or from disk.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from typing import Any, Sequence

from ganeti import cmdlib, constants, errors, opcodes, workerpool
from ganeti.jqueue import job as jjob
from ganeti.jqueue.processor import JobWorker
from ganeti.jqueue.storage import QueueStorage
from ganeti.jqueue.writer import JobFileWriter, NullReplicator, Replicator

UNCLEAN_SHUTDOWN_MSG = "Unclean master daemon shutdown"
_CACHE_SIZE = 256
_ARCHIVE_BATCH = 100


def ParseJobId(job_id: Any) -> int:
    """A job id as clients send it (a decimal string or an int)."""
    if isinstance(job_id, int) and not isinstance(job_id, bool) and job_id >= 0:
        return job_id
    if isinstance(job_id, str) and job_id.isdigit():
        return int(job_id)
    raise errors.OpPrereqError("Invalid job id %r" % (job_id,), errors.ECODE_INVAL)


def LoadOpCodes(ops: Any) -> list[opcodes.OpCode]:
    """Opcodes of one job from their wire form (dicts) or as objects, validated.

    An opcode that no logical unit runs yet is refused here (OpCodeUnknown,
    RAPI's 501) rather than accepted into a job that can only fail.
    """
    if not isinstance(ops, list) or not ops:
        raise errors.OpPrereqError("A job must be a non-empty list of opcodes",
                                   errors.ECODE_INVAL)
    result = [op if isinstance(op, opcodes.OpCode) else opcodes.OpCode.LoadOpCode(op)
              for op in ops]
    for op in result:
        op.Validate()
        cmdlib.GetLUClass(op)
    return result


class JobQueue:
    """Persistent queue of jobs with worker threads (upstream's jqueue.JobQueue)."""

    def __init__(self, context: Any, storage: QueueStorage | None = None,
                 replicator: Replicator | None = None,
                 num_workers: int = constants.JOB_QUEUE_WORKERS,
                 size_limit: int = constants.JOB_QUEUE_SIZE_HARD_LIMIT, start: bool = True):
        """Open (and lock) the queue and recover it; start=False defers running jobs.

        masterd passes start=False so that no job runs before the daemon is
        sure to start (its socket is bound), then calls Start().
        """
        self.context = context
        self._storage = storage or QueueStorage()
        self._storage.Open()
        self._size_limit = size_limit
        self.lock = threading.Lock()
        self.shutting_down = False
        self._active: dict[int, jjob.QueuedJob] = {}
        self._cache: collections.OrderedDict[int, jjob.JobSnapshot] = collections.OrderedDict()
        self._ids = set(self._storage.ListJobIds())
        self._last_serial = self._storage.ReadSerial()
        self._drained = self._storage.IsDrained()
        self._replicator = replicator or NullReplicator()
        self.writer = JobFileWriter(self.lock, self._storage, self._replicator, self._OnCommit)
        self._pool = workerpool.WorkerPool("Worker", num_workers, JobWorker)
        self._to_resume = self._Recover()
        if start:
            self.Start()

    # --- start-up -----------------------------------------------------------
    def _Recover(self) -> list[jjob.QueuedJob]:
        """Load the queue, end the jobs a dead master left running; returns the queued ones."""
        to_run = []
        with self.lock:
            for job_id in sorted(self._ids):
                job = self._LoadForRecovery(job_id)
                if job is None:
                    continue
                status = job.CalcStatus()
                if status in constants.JOBS_FINALIZED:
                    self._CacheUnlocked(job_id, job.committed)
                    continue
                self._active[job_id] = job
                if status == constants.JOB_STATUS_QUEUED:
                    to_run.append(job)
                    continue
                if status == constants.JOB_STATUS_CANCELING:
                    job.MarkUnfinishedOps(constants.OP_STATUS_CANCELED, "Job canceled by request")
                else:
                    logging.warning("Job %s was %s when the master daemon died", job_id, status)
                    job.MarkUnfinishedOps(constants.OP_STATUS_ERROR, UNCLEAN_SHUTDOWN_MSG)
                self.writer.MarkDirty(job)
        return to_run

    def Start(self) -> None:
        """Run the queued jobs found at start-up."""
        to_run, self._to_resume = self._to_resume, []
        if to_run:
            logging.info("Resuming %d queued job(s)", len(to_run))
            self._pool.AddManyTasks([(self, job) for job in to_run],
                                    priority=[job.CalcPriority() for job in to_run])

    def _LoadForRecovery(self, job_id: int) -> jjob.QueuedJob | None:
        try:
            data = self._storage.ReadJob(job_id)
            if data is None:
                raise errors.JobFileCorrupted("Job file of job %s vanished" % job_id)
            return jjob.QueuedJob.Restore(data, self.lock)
        except (errors.GenericError, KeyError, TypeError, ValueError) as err:
            logging.error("Ignoring job %s, its file cannot be loaded: %s", job_id, err)
            self._ids.discard(job_id)
            return None

    # --- helpers ----------------------------------------------------------------
    def _OnCommit(self, jobs: list[jjob.QueuedJob]) -> None:
        """Writer callback (lock held): finished, durable jobs leave memory."""
        for job in jobs:
            if (job.durable_version == job.version and job.committed is not None
                    and job.committed.IsFinalized() and self._active.get(job.id) is job):
                del self._active[job.id]
                self._CacheUnlocked(job.id, job.committed)

    def _CacheUnlocked(self, job_id: int, snap: jjob.JobSnapshot) -> None:
        self._cache[job_id] = snap
        self._cache.move_to_end(job_id)
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)

    def _SnapshotUnlocked(self, job_id: int) -> jjob.JobSnapshot | None:
        job = self._active.get(job_id)
        if job is not None:
            return job.committed
        return self._cache.get(job_id)

    def _Snapshot(self, job_id: int) -> jjob.JobSnapshot | None:
        """The committed state of a queued (not archived) job, None if there is none.

        Called with the lock held; it is released while a file is read.
        """
        if job_id not in self._ids:
            return None
        snap = self._SnapshotUnlocked(job_id)
        if snap is not None:
            return snap
        self.lock.release()
        try:
            data = self._storage.ReadJob(job_id)
            snap = jjob.JobSnapshot(data) if data is not None else None
        except errors.JobFileCorrupted as err:
            logging.error("%s", err)
            snap = None
        finally:
            self.lock.acquire()
        if snap is not None and job_id in self._ids and job_id not in self._active:
            self._CacheUnlocked(job_id, snap)
        return snap

    def _CheckSubmitUnlocked(self) -> None:
        if self.shutting_down:
            raise errors.JobQueueError("The job queue is shutting down")
        if self._drained:
            raise errors.JobQueueDrainError("Job queue is drained, refusing job")
        if len(self._ids) >= self._size_limit:
            raise errors.JobQueueFull("Job queue is full (%d jobs)" % len(self._ids))

    # --- submission -----------------------------------------------------------
    def SubmitJob(self, ops: Sequence[Any]) -> str:
        """Create, durably write and queue a job; returns its id."""
        result = self.SubmitManyJobs([ops], _raise=True)
        return result[0][1]

    def SubmitManyJobs(self, jobs: Sequence[Sequence[Any]],
                       _raise: bool = False) -> list[tuple[bool, str]]:
        """Submit several jobs with one durable write; [(True, id) | (False, error)]."""
        results: list[Any] = [None] * len(jobs)
        loaded = []
        for idx, ops in enumerate(jobs):
            try:
                loaded.append((idx, LoadOpCodes(ops)))
            except (errors.OpPrereqError, errors.OpCodeUnknown) as err:
                if _raise:
                    raise
                results[idx] = (False, str(err.args[0]))
        created: list[jjob.QueuedJob] = []
        with self.lock:
            for idx, ops in loaded:
                try:
                    self._CheckSubmitUnlocked()
                except errors.JobQueueError as err:
                    if _raise:
                        raise
                    results[idx] = (False, errors.FormatError(err))
                    continue
                self._last_serial += 1
                job = jjob.QueuedJob(self._last_serial, ops, self.lock)
                self._active[job.id] = job
                self._ids.add(job.id)
                created.append(job)
                results[idx] = (True, str(job.id))
            if not created:
                return results
            # Workers may start at once: an opcode executes only once its "running"
            # state is on disk, which implies the job itself is. Jobs an idle worker
            # takes now get their queued and running states written together.
            idle = self._pool.IdleWorkers()
            versions = [self.writer.MarkDirty(job, starting=pos < idle)
                        for pos, job in enumerate(created)]
            self._pool.AddManyTasks([(self, job) for job in created],
                                    priority=[job.CalcPriority() for job in created])
            try:
                for job, version in zip(created, versions):
                    self.writer.WaitDurable(job, version)
            except errors.JobQueueError as err:
                # The ids are used up; the jobs never run (their workers see them
                # finished) and end as errors on disk if the writer's retry succeeds.
                for job in created:
                    if not job.IsFinalized():
                        job.MarkUnfinishedOps(constants.OP_STATUS_ERROR,
                                              "Job not submitted: %s" % err)
                        self.writer.MarkDirty(job)
                raise
        return results

    # --- queries ------------------------------------------------------------------
    def QueryJobs(self, job_ids: Sequence[Any] | None, fields: Any) -> list[list | None]:
        """Fields of each job (None for unknown ones); all jobs for job_ids None."""
        fields = jjob.CheckFields(fields)
        with self.lock:
            ids = sorted(self._ids) if job_ids is None else [ParseJobId(j) for j in job_ids]
            result = []
            for job_id in ids:
                snap = self._Snapshot(job_id)
                if snap is None:
                    if job_ids is not None:
                        result.append(None)
                    continue
                result.append(snap.GetInfo(fields))
        return result

    def WaitForJobChanges(self, job_id: Any, fields: Any, prev_job_info: Any,
                          prev_log_serial: Any, timeout: float) -> Any:
        """Wait until the job's fields or log differ from what the client has.

        Returns (job_info, new log entries), constants.JOB_NOTCHANGED after
        timeout, or None for an unknown job. A finished job returns at once.
        Woken by the writer as soon as a change is on disk (no polling).
        """
        job_id = ParseJobId(job_id)
        fields = jjob.CheckFields(fields)
        if prev_log_serial is not None and not isinstance(prev_log_serial, int):
            raise errors.OpPrereqError("Invalid log serial %r" % (prev_log_serial,),
                                       errors.ECODE_INVAL)
        deadline = time.monotonic() + max(0.0, float(timeout))
        with self.lock:
            while True:
                snap = self._Snapshot(job_id)
                if snap is None:
                    return None
                job_info = snap.GetInfo(fields)
                log_entries = snap.LogSince(prev_log_serial)
                if job_info != prev_job_info or log_entries or snap.IsFinalized():
                    return (job_info, log_entries)
                job = self._active.get(job_id)
                remaining = deadline - time.monotonic()
                if job is None or remaining <= 0:
                    return constants.JOB_NOTCHANGED
                job.cond.wait(remaining)

    # --- cancel, archive, drain ---------------------------------------------------------
    def CancelJob(self, job_id: Any) -> tuple[bool, str]:
        """Cancel a queued job at once, a waiting one when it next checks."""
        job_id = ParseJobId(job_id)
        with self.lock:
            job = self._active.get(job_id)
            if job is None:
                if self._Snapshot(job_id) is None:
                    return (False, "Job %s not found" % job_id)
                return (False, "Job %s is no longer waiting in the queue" % job_id)
            status = job.CalcStatus()
            if status == constants.JOB_STATUS_QUEUED:
                job.MarkUnfinishedOps(constants.OP_STATUS_CANCELED, "Job canceled by request")
                msg = "Job %s canceled" % job_id
            elif status == constants.JOB_STATUS_WAITLOCK:
                for op in job.ops:
                    if op.status not in constants.OPS_FINALIZED:
                        op.status = constants.OP_STATUS_CANCELING
                msg = "Job %s will be canceled" % job_id
            else:
                return (False, "Job %s is no longer waiting in the queue" % job_id)
            self.writer.WaitDurable(job, self.writer.MarkDirty(job))
        return (True, msg)

    def ArchiveJob(self, job_id: Any) -> bool:
        """Move a finished job to the archive; False if it is unknown or not finished."""
        return self._Archive([ParseJobId(job_id)]) == 1

    def AutoArchiveJobs(self, age: float, timeout: float) -> tuple[int, int]:
        """Archive finished jobs older than age seconds (-1: all finished jobs).

        Stops after timeout seconds; returns (archived, jobs left unchecked).
        """
        deadline = time.monotonic() + timeout
        now = time.time()
        with self.lock:
            ids = sorted(self._ids)
        archived = 0
        pos = 0
        while pos < len(ids) and time.monotonic() < deadline:
            batch = []
            with self.lock:
                while pos < len(ids) and len(batch) < _ARCHIVE_BATCH:
                    snap = self._Snapshot(ids[pos])
                    pos += 1
                    if snap is None or not snap.IsFinalized():
                        continue
                    end = snap.EndTime()
                    if age == -1 or (end is not None and now - end > age):
                        batch.append(ids[pos - 1])
            archived += self._Archive(batch)
        return (archived, len(ids) - pos)

    def _Archive(self, job_ids: list[int]) -> int:
        # The moves happen under the lock (a few ms a batch): nothing may look a
        # job up half-archived. Finished jobs never change, so nothing else waits.
        with self.lock:
            wanted = []
            for job_id in job_ids:
                snap = self._Snapshot(job_id)
                if snap is not None and snap.IsFinalized() and job_id not in self._active:
                    wanted.append(job_id)
            if not wanted:
                return 0
            # Job files no longer show these ids: the serial file must (see storage).
            self._WriteSerialUnlocked()
            moved = self._storage.ArchiveJobs(wanted)
            for job_id in wanted:
                self._ids.discard(job_id)
                self._cache.pop(job_id, None)
        try:
            self._replicator.RenameFiles(moved)
        except Exception:  # noqa: BLE001 - replication is best effort
            logging.exception("Replicating the archiving of %d job(s) failed", len(moved))
        return len(moved)

    def AddNode(self, node: str) -> None:
        """A node became a master candidate: copy the queue to it."""
        with self.lock:
            self.writer.AddNode(node)

    def _WriteSerialUnlocked(self) -> None:
        serial = (self._storage.serial_file, "%d\n" % self._last_serial)
        self._storage.WriteFiles([serial])
        try:
            self._replicator.UpdateFiles([serial])
        except Exception:  # noqa: BLE001 - replication is best effort
            logging.exception("Replicating the job queue serial failed")

    def SetDrainFlag(self, drain: bool) -> bool:
        """Refuse (True) or accept (False) new jobs; kept across restarts."""
        with self.lock:
            self._storage.SetDrainFlag(bool(drain))
            self._drained = bool(drain)
        return True

    # --- shutdown -------------------------------------------------------------
    def Shutdown(self, timeout: float | None = None) -> bool:
        """Stop taking jobs, let running opcodes finish, write everything, unlock.

        Waiting opcodes go back to queued (they run at the next start). Returns
        False if running opcodes were still busy after timeout; they will end
        as errors ("Unclean master daemon shutdown") when the master restarts.
        """
        with self.lock:
            self.shutting_down = True
        clean = self._pool.TerminateWorkers(timeout)
        if not clean:
            logging.warning("Jobs still running after %ss, stopping anyway", timeout)
        self.writer.Stop()
        with self.lock:
            try:
                self._WriteSerialUnlocked()
            except OSError as err:  # the ids are safe in the job files anyway
                logging.error("Cannot write the job queue serial file: %s", err)
        self._storage.Close()
        return clean
