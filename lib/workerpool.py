"""A pool of worker threads taking prioritised tasks from one queue.

The job queue runs each job in one of these workers. A worker renames its
thread after the task it runs ("Job42/Worker3", see BaseWorker.SetTaskName)
because ganeti.locking reports lock owners by thread name: that is how
`gnt-debug locks` shows which job holds or waits for which lock.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from typing import Any, Sequence

from ganeti import errors

DEFAULT_PRIORITY = 0


class BaseWorker(threading.Thread):
    """One thread of a WorkerPool; subclasses implement RunTask(*args)."""

    def __init__(self, pool: "WorkerPool", worker_id: int):
        self.worker_name = "%s%d" % (pool.name, worker_id)
        super().__init__(name=self.worker_name, daemon=True)
        self.pool = pool
        self.worker_id = worker_id
        self._current_task: tuple | None = None

    def SetTaskName(self, taskname: str | None) -> None:
        """Name the thread after the task ("Job42/Worker3"), or reset it with None."""
        self.name = self.worker_name if taskname is None else "%s/%s" % (taskname,
                                                                        self.worker_name)

    def RunTask(self, *args: Any) -> None:
        raise NotImplementedError

    def run(self) -> None:
        while True:
            task = self.pool._GetTask(self)
            if task is None:
                return
            try:
                self.RunTask(*task)
            except Exception:  # noqa: BLE001 - a failing task must not kill the worker
                logging.exception("Worker %s: task %r failed", self.worker_name, task)
            finally:
                self.SetTaskName(None)
                self.pool._TaskDone(self)


class WorkerPool:
    """Runs tasks in num_workers threads of worker_class, lowest priority value first.

    Tasks of equal priority run in the order they were added.
    """

    def __init__(self, name: str, num_workers: int, worker_class: type[BaseWorker]):
        if num_workers < 1:
            raise errors.ProgrammerError("A worker pool needs at least one worker")
        self.name = name
        self._lock = threading.Lock()
        self._task_cond = threading.Condition(self._lock)  # workers wait for tasks
        self._idle_cond = threading.Condition(self._lock)  # Quiesce waits for idleness
        self._tasks: list[tuple[int, int, tuple]] = []
        self._counter = itertools.count()
        self._running = 0
        self._stopping = False
        self._workers = [worker_class(self, i + 1) for i in range(num_workers)]
        for worker in self._workers:
            worker.start()

    def AddTask(self, args: Sequence[Any], priority: int = DEFAULT_PRIORITY) -> None:
        """Queue one task; args are passed to RunTask."""
        self.AddManyTasks([args], priority=[priority])

    def AddManyTasks(self, tasks: Sequence[Sequence[Any]],
                     priority: int | Sequence[int] = DEFAULT_PRIORITY) -> None:
        """Queue several tasks at once (one wake-up for all)."""
        prios = [priority] * len(tasks) if isinstance(priority, int) else list(priority)
        if len(prios) != len(tasks):
            raise errors.ProgrammerError("Number of priorities does not match tasks")
        with self._lock:
            if self._stopping:
                raise errors.ProgrammerError("Pool %s is shutting down" % self.name)
            for args, prio in zip(tasks, prios):
                heapq.heappush(self._tasks, (prio, next(self._counter), tuple(args)))
            self._task_cond.notify(len(tasks))

    def _GetTask(self, worker: BaseWorker) -> tuple | None:
        with self._lock:
            while not self._tasks and not self._stopping:
                self._task_cond.wait()
            if not self._tasks:
                return None
            self._running += 1
            return heapq.heappop(self._tasks)[2]

    def _TaskDone(self, worker: BaseWorker) -> None:
        with self._lock:
            self._running -= 1
            if not self._running and not self._tasks:
                self._idle_cond.notify_all()

    def HasRunningTasks(self) -> bool:
        with self._lock:
            return self._running > 0

    def IdleWorkers(self) -> int:
        """Workers that would start a task added now at once."""
        with self._lock:
            return max(0, len(self._workers) - self._running - len(self._tasks))

    def QueuedTasks(self) -> int:
        with self._lock:
            return len(self._tasks)

    def Quiesce(self, timeout: float | None = None) -> bool:
        """Wait until no task is queued or running; False if timeout expired first."""
        with self._lock:
            return self._idle_cond.wait_for(lambda: not self._tasks and not self._running, timeout)

    def TerminateWorkers(self, timeout: float | None = None) -> bool:
        """Drop queued tasks, let running ones finish, stop the threads.

        Returns whether every worker ended within timeout.
        """
        with self._lock:
            self._stopping = True
            self._tasks = []
            self._task_cond.notify_all()
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self._workers:
            worker.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
        return not any(w.is_alive() for w in self._workers)
