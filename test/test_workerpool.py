"""Tests for ganeti.workerpool."""

import threading

import pytest

from ganeti import errors, workerpool


class _RecordingWorker(workerpool.BaseWorker):
    """Runs fn(worker) tasks, so tests can look at the worker's thread name."""

    def RunTask(self, fn, *args):
        fn(self, *args)


@pytest.fixture
def pool():
    pools = []

    def _Make(workers=1):
        pools.append(workerpool.WorkerPool("TestWorker", workers, _RecordingWorker))
        return pools[-1]

    yield _Make
    for p in pools:
        assert p.TerminateWorkers(10)


def test_tasks_run_in_priority_then_fifo_order(pool):
    p = pool(1)
    gate, order = threading.Event(), []
    p.AddTask([lambda w: gate.wait()])
    p.AddManyTasks([[lambda w, n=n: order.append(n)] for n in ("a", "b", "c")], priority=5)
    p.AddTask([lambda w: order.append("urgent")], priority=-10)
    p.AddTask([lambda w: order.append("d")], priority=5)
    gate.set()
    assert p.Quiesce(10)
    assert order == ["urgent", "a", "b", "c", "d"]


def test_thread_named_after_task_while_it_runs(pool):
    p = pool(2)
    names = []
    done = threading.Event()

    def _Task(worker):
        worker.SetTaskName("Job42")
        names.append(threading.current_thread().name)
        done.set()

    p.AddTask([_Task])
    assert done.wait(10)
    assert p.Quiesce(10)
    assert names[0] in ("Job42/TestWorker1", "Job42/TestWorker2")
    assert {w.name for w in p._workers} == {"TestWorker1", "TestWorker2"}


def test_failing_task_does_not_kill_the_worker(pool):
    p = pool(1)
    ran = []

    def _Boom(worker):
        raise RuntimeError("boom")

    p.AddTask([_Boom])
    p.AddTask([lambda w: ran.append(True)])
    assert p.Quiesce(10)
    assert ran == [True]


def test_quiesce_times_out_while_busy_and_terminate_drops_queued(pool):
    p = pool(1)
    gate, started, ran = threading.Event(), threading.Event(), []
    p.AddTask([lambda w: (started.set(), gate.wait())])
    p.AddTask([lambda w: ran.append("dropped")])
    assert started.wait(10)
    assert p.HasRunningTasks() and p.QueuedTasks() == 1
    assert not p.Quiesce(0.01)
    assert not p.TerminateWorkers(0)  # drops the queued task, the running one goes on
    gate.set()
    assert p.TerminateWorkers(10)
    assert ran == []
    with pytest.raises(errors.ProgrammerError):
        p.AddTask([lambda w: None])


def test_bad_arguments():
    with pytest.raises(errors.ProgrammerError):
        workerpool.WorkerPool("x", 0, _RecordingWorker)
    p = workerpool.WorkerPool("y", 1, _RecordingWorker)
    try:
        with pytest.raises(errors.ProgrammerError):
            p.AddManyTasks([[None], [None]], priority=[1])
    finally:
        p.TerminateWorkers(10)
