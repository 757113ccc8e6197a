"""Group commit of job files: one writer thread makes many jobs' changes durable.

Whoever changes a job (under the queue lock) calls MarkDirty, which bumps the
job's version and wakes the writer; whoever must not go on before the change
is on disk (a submission before answering, a worker before executing an
opcode) then calls WaitDurable. The writer takes every dirty job at once,
serialises each one's current state, writes them all with one
QueueStorage.WriteFiles batch, replicates the batch, and only then publishes
the written states (job.committed) and wakes the waiters.

Consequences: a job changed several times while the previous batch was on
the disk is written once, with its latest state; jobs share the directory
sync and the disk's flushes; and a client can never see a state that a crash
could take back, because queries read only committed states.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any, Callable, Protocol, Sequence

from ganeti import errors, serializer, utils
from ganeti.jqueue.job import JobSnapshot, QueuedJob
from ganeti.jqueue.storage import QueueStorage

#: How long the writer waits for a job just handed to an idle worker to change again.
STARTING_GRACE = 0.002


class Replicator(Protocol):
    """Where the queue's files go besides the local disk (master candidates)."""

    def UpdateFiles(self, files: Sequence[tuple[str, str]]) -> None:
        """Push (local path, content) pairs; best effort."""

    def RenameFiles(self, renames: Sequence[tuple[str, str]]) -> None:
        """Apply (old, new) local path renames (archiving); best effort."""

    def AddNode(self, node: str, files: Sequence[tuple[str, str]]) -> None:
        """Give a new master candidate the whole queue (files: (path, content))."""


class NullReplicator:
    """No other master candidates: nothing to replicate."""

    def UpdateFiles(self, files: Sequence[tuple[str, str]]) -> None:
        pass

    def RenameFiles(self, renames: Sequence[tuple[str, str]]) -> None:
        pass

    def AddNode(self, node: str, files: Sequence[tuple[str, str]]) -> None:
        pass


class JobFileWriter:
    """The writer thread; every method except Stop is called with the queue lock held."""

    def __init__(self, lock: Any, storage: QueueStorage, replicator: Replicator,
                 on_commit: Callable[[list[QueuedJob]], None], retry_delay: float = 1.0):
        self._lock = lock
        self._storage = storage
        self._replicator = replicator
        self._on_commit = on_commit
        self._retry_delay = retry_delay
        self._work = threading.Condition(lock)
        self._dirty: dict[int, QueuedJob] = {}
        self._new_nodes: list[str] = []
        self._stopping = False
        self._stop_event = threading.Event()
        self.batches = 0  # for tests and benchmarks: how many WriteFiles batches
        self._thread = threading.Thread(target=self._Run, name="JobFileWriter", daemon=True)
        self._thread.start()

    def MarkDirty(self, job: QueuedJob, starting: bool = False) -> int:
        """Schedule job for writing; returns the version to WaitDurable for.

        starting: the job was just handed to an idle worker, which will
        change it again within moments (running, or waiting for a lock); the
        writer then waits up to STARTING_GRACE for that change, so that one
        write records both (a job then costs two writes, not three).
        """
        job.version += 1
        job.starting = starting
        self._dirty[job.id] = job
        self._work.notify()
        return job.version

    def AddNode(self, node: str) -> None:
        """Copy the whole queue to a new master candidate, between two batches."""
        self._new_nodes.append(node)
        self._work.notify()

    def WaitDurable(self, job: QueuedJob, version: int) -> None:
        """Sleep (releasing the queue lock) until job's version is on disk."""
        while job.durable_version < version:
            if job.write_error is not None and job.failed_version >= version:
                raise errors.JobQueueError("Cannot write the file of job %s: %s"
                                           % (job.id, job.write_error))
            job.cond.wait()

    def Stop(self, timeout: float | None = None) -> bool:
        """Write what is pending, then end the thread (called without the lock)."""
        with self._lock:
            self._stopping = True
            self._work.notify()
        self._stop_event.set()
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _Run(self) -> None:
        while True:
            with self._lock:
                self._WaitForWork()
                if not self._dirty and not self._new_nodes:
                    return
                jobs = list(self._dirty.values())
                self._dirty.clear()
                new_nodes, self._new_nodes = self._new_nodes, []
                states = [(job, job.version, job.Serialize()) for job in jobs]
            for node in new_nodes:
                self._SyncNode(node)
            if states and not self._WriteBatch(states):
                if self._stopping:
                    logging.error("Stopping with unwritten job queue changes")
                    return
                self._stop_event.wait(self._retry_delay)

    def _WaitForWork(self) -> None:
        """Until something is dirty (lock held), giving starting jobs their grace."""
        deadline = None
        while not self._stopping:
            if self._new_nodes or (self._dirty and not all(
                    job.starting for job in self._dirty.values())):
                return
            if not self._dirty:
                deadline = None
                self._work.wait()
                continue
            now = time.monotonic()
            deadline = deadline or now + STARTING_GRACE
            if now >= deadline:
                return
            self._work.wait(deadline - now)

    def _SyncNode(self, node: str) -> None:
        """Send every queue file as it is on disk (no batch is being written now)."""
        paths = [self._storage.version_file, self._storage.serial_file] + \
            [self._storage.JobPath(job_id) for job_id in self._storage.ListJobIds()]
        files = []
        for path in paths:
            try:
                files.append((path, utils.ReadFile(path)))
            except FileNotFoundError:
                continue
        try:
            self._replicator.AddNode(node, files)
        except Exception:  # noqa: BLE001 - replication is best effort
            logging.exception("Copying the job queue to %s failed", node)

    def _WriteBatch(self, states: list[tuple[QueuedJob, int, dict]]) -> bool:
        texts = [serializer.DumpJson(data) for _, _, data in states]
        files = [(self._storage.JobPath(job.id), text)
                 for (job, _, _), text in zip(states, texts)]
        error: Exception | None = None
        try:
            self._storage.WriteFiles(files)
        except OSError as err:
            logging.error("Writing %d job queue file(s) failed: %s", len(files), err)
            error = err
        if error is None:
            try:
                self._replicator.UpdateFiles(files)
            except Exception:  # noqa: BLE001 - replication is best effort
                logging.exception("Replicating job queue files failed")
        # What clients see is the file's content itself (tuples become lists).
        snapshots = [] if error else [JobSnapshot(serializer.LoadJson(text), job.summary)
                                      for (job, _, _), text in zip(states, texts)]
        with self._lock:
            self.batches += 1
            if error is not None:
                self._Failed(states, error)
                return False
            for (job, version, _), snapshot in zip(states, snapshots):
                job.durable_version = max(job.durable_version, version)
                job.committed = snapshot
                job.write_error = None
                job.cond.notify_all()
            self._on_commit([job for job, _, _ in states])
        return True

    def _Failed(self, states: list[tuple[QueuedJob, int, dict]], error: Exception) -> None:
        """Tell waiters of the failed versions, and retry the jobs with the next batch."""
        for job, version, _ in states:
            job.write_error = error
            job.failed_version = max(job.failed_version, version)
            self._dirty.setdefault(job.id, job)
            job.cond.notify_all()
