"""Fixtures for job queue tests: a queue on a temporary directory, gated opcodes."""

import pytest
from jqtestutils import GATED, Context, Gate, GatedLU

from ganeti import cmdlib, jqueue


@pytest.fixture
def gate(monkeypatch):
    g = Gate()
    GatedLU.gate = g
    real = cmdlib.GetLUClass
    monkeypatch.setattr(cmdlib, "GetLUClass", lambda op: GatedLU if getattr(
        op, "duration", None) == GATED else real(op))
    yield g
    g.release.set()


@pytest.fixture
def make_queue(tmp_path):
    queues = []

    def _Make(context=None, **kwargs):
        storage = jqueue.QueueStorage(str(tmp_path / "queue"))
        queue = jqueue.JobQueue(context or Context(), storage, **kwargs)
        queues.append(queue)
        return queue

    yield _Make
    for queue in queues:
        if not queue.shutting_down:
            queue.Shutdown(10)
