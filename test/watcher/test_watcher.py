"""ganeti.watcher: pause file, restart accounting, instance restarts."""

import time

from ganeti import constants, watcher


class _FakeClient:
    def __init__(self, rows):
        self.rows = rows
        self.jobs = []

    def QueryInstances(self, names, fields, use_locking):
        assert fields == ["name", "status", "admin_state"]
        return self.rows

    def SubmitJob(self, ops):
        self.jobs.append(ops)
        return str(len(self.jobs))


def test_pause_file(tmp_path):
    path = str(tmp_path / "pause")
    assert not watcher.IsPaused(path)
    (tmp_path / "pause").write_text("%d\n" % (time.time() + 60))
    assert watcher.IsPaused(path)
    (tmp_path / "pause").write_text("%d\n" % (time.time() - 1))
    assert not watcher.IsPaused(path)
    (tmp_path / "pause").write_text("garbage\n")
    assert not watcher.IsPaused(path)


def test_restarts_only_instances_that_should_run(tmp_path):
    state = watcher.WatcherState(str(tmp_path / "state"))
    client = _FakeClient([
        ["up.example.com", constants.INSTST_RUNNING, True],
        ["down.example.com", constants.INSTST_ADMINDOWN, False],
        ["dead.example.com", constants.INSTST_ERRORDOWN, True],
        ["offline.example.com", constants.INSTST_NODEOFFLINE, True],
    ])
    assert watcher.RestartInstances(client, state) == ["dead.example.com"]
    assert client.jobs[0][0]["OP_ID"] == "OP_INSTANCE_STARTUP"
    assert client.jobs[0][0]["instance_name"] == "dead.example.com"
    state.Save()
    again = watcher.WatcherState(str(tmp_path / "state"))
    assert again.NumberOfRestartAttempts("dead.example.com") == 1


def test_gives_up_after_repeated_failures(tmp_path):
    state = watcher.WatcherState(str(tmp_path / "state"))
    client = _FakeClient([["dead.example.com", constants.INSTST_ERRORDOWN, True]])
    for _ in range(watcher.MAX_RESTART_ATTEMPTS + 3):
        watcher.RestartInstances(client, state)
    assert len(client.jobs) == watcher.MAX_RESTART_ATTEMPTS
    client.rows = [["dead.example.com", constants.INSTST_RUNNING, True]]
    watcher.RestartInstances(client, state)
    assert state.NumberOfRestartAttempts("dead.example.com") == 0, "a running instance resets"


def test_forgets_instances_that_are_gone(tmp_path):
    state = watcher.WatcherState(str(tmp_path / "state"))
    client = _FakeClient([["dead.example.com", constants.INSTST_ERRORDOWN, True]])
    watcher.RestartInstances(client, state)
    client.rows = []  # removed (or renamed) meanwhile
    watcher.RestartInstances(client, state)
    state.Save()
    assert watcher.WatcherState(str(tmp_path / "state")).data["instance"] == {}
