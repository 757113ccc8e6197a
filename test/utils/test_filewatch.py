"""Tests for ganeti.utils.filewatch, with both backends."""

import os
import threading
import time

import pytest

from ganeti.utils import filewatch, io

BACKENDS = [pytest.param(True, id="inotify"), pytest.param(False, id="poll")]


class Recorder:
    """A callback that records call times and lets tests wait for the n-th call."""

    def __init__(self):
        self.times = []
        self._cond = threading.Condition()

    def __call__(self):
        with self._cond:
            self.times.append(time.monotonic())
            self._cond.notify_all()

    def WaitFor(self, count, timeout=5.0):
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.times) >= count, timeout), \
                "callback called %d times, expected %d" % (len(self.times), count)


def _Watcher(path, rec, use_inotify, **kwargs):
    kwargs.setdefault("poll_interval", 0.02)
    watcher = filewatch.FileWatcher(str(path), rec, use_inotify=use_inotify, **kwargs)
    if use_inotify and not filewatch.InotifyAvailable():
        pytest.skip("pyinotify not importable here")
    return watcher


@pytest.mark.parametrize("use_inotify", BACKENDS)
def test_atomic_replace_is_reported(tmp_path, use_inotify):
    path = tmp_path / "config.data"
    io.WriteFile(str(path), "one")
    rec = Recorder()
    with _Watcher(path, rec, use_inotify) as watcher:
        assert watcher.backend == ("inotify" if use_inotify else "poll")
        io.WriteFile(str(path), "two")
        rec.WaitFor(1)


@pytest.mark.parametrize("use_inotify", BACKENDS)
def test_in_place_write_creation_and_removal_are_reported(tmp_path, use_inotify):
    path = tmp_path / "users"
    rec = Recorder()
    with _Watcher(path, rec, use_inotify):
        with open(path, "w") as fh:  # creation, in place
            fh.write("x")
        rec.WaitFor(1)
        with open(path, "a") as fh:  # in-place modification
            fh.write("more")
        rec.WaitFor(2)
        os.unlink(path)
        rec.WaitFor(3)


def test_other_files_in_the_directory_are_ignored(tmp_path):
    if not filewatch.InotifyAvailable():
        pytest.skip("pyinotify not importable here")
    path = tmp_path / "watched"
    io.WriteFile(str(path), "a")
    rec = Recorder()
    watcher = _Watcher(path, rec, True, min_interval=0.0)
    with watcher:
        for i in range(5):
            io.WriteFile(str(tmp_path / ("other%d" % i)), "b")
        io.WriteFile(str(path), "c")
        rec.WaitFor(1)
    # the thread has stopped: nothing else can arrive, and the five other
    # files (processed before the watched one) never made a call of their own
    assert len(rec.times) == 1


def test_rate_limit_coalesces_and_keeps_the_last_change(tmp_path):
    if not filewatch.InotifyAvailable():
        pytest.skip("pyinotify not importable here")
    path = tmp_path / "watched"
    io.WriteFile(str(path), "0")
    rec = Recorder()
    with _Watcher(path, rec, True, min_interval=0.3):
        io.WriteFile(str(path), "1")
        rec.WaitFor(1)
        io.WriteFile(str(path), "2")
        io.WriteFile(str(path), "3")
        rec.WaitFor(2)
    assert len(rec.times) == 2
    assert rec.times[1] - rec.times[0] >= 0.3


def test_periodic_check_sees_what_events_miss(tmp_path):
    """A watcher whose directory vanished keeps working by polling."""
    if not filewatch.InotifyAvailable():
        pytest.skip("pyinotify not importable here")
    subdir = tmp_path / "d"
    subdir.mkdir()
    path = subdir / "f"
    io.WriteFile(str(path), "a")
    rec = Recorder()
    watcher = _Watcher(path, rec, True)
    with watcher:
        os.rename(subdir, tmp_path / "gone")
        rec.WaitFor(1)  # the lost watch itself counts as a change
        subdir.mkdir()
        io.WriteFile(str(path), "back")
        rec.WaitFor(2)
        assert watcher.backend == "poll"


def test_missing_directory_falls_back_to_polling(tmp_path):
    path = tmp_path / "not-yet" / "file"
    rec = Recorder()
    watcher = _Watcher(path, rec, None)
    with watcher:
        assert watcher.backend == "poll"
        os.mkdir(tmp_path / "not-yet")
        io.WriteFile(str(path), "now")
        rec.WaitFor(1)


def test_failing_callback_does_not_end_the_watch(tmp_path):
    path = tmp_path / "f"
    rec = Recorder()

    def callback():
        rec()
        if len(rec.times) == 1:
            raise ValueError("boom")

    with filewatch.FileWatcher(str(path), callback, poll_interval=0.02, use_inotify=False):
        io.WriteFile(str(path), "1")
        rec.WaitFor(1)
        io.WriteFile(str(path), "22")
        rec.WaitFor(2)


def test_stop_is_prompt_and_idempotent(tmp_path):
    watcher = filewatch.FileWatcher(str(tmp_path / "f"), lambda: None, check_interval=3600,
                                    poll_interval=3600)
    watcher.Start()
    start = time.monotonic()
    watcher.Stop()
    watcher.Stop()
    assert time.monotonic() - start < 1.0


def test_watcher_thread_leaves_signals_to_the_main_thread(tmp_path):
    """Else a SIGTERM delivered to the watcher would not wake a daemon blocked in recv()."""
    import signal
    masks = []
    rec = Recorder()

    def callback():
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        rec()

    with filewatch.FileWatcher(str(tmp_path / "f"), callback, poll_interval=0.02,
                               use_inotify=False):
        io.WriteFile(str(tmp_path / "f"), "x")
        rec.WaitFor(1)
    assert {signal.SIGTERM, signal.SIGINT, signal.SIGUSR1} <= masks[0]
    assert signal.SIGSEGV not in masks[0]
