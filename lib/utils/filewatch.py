"""Call back when one file changes: inotify where we can, stat polling otherwise.

Daemons that serve from a file (confd from config.data, RAPI from its users
file) must notice a replacement within moments, without polling hard.
This is the only module that touches pyinotify: pyinotify imports asyncore,
which Python 3.12 removed, so when it cannot be imported (or inotify is
unavailable, or the file's directory is missing or goes away) the watcher
falls back to comparing os.stat() results every poll_interval seconds, and
callers never notice the difference except in latency.

The directory is watched rather than the file, because files are replaced
by rename (utils.WriteFile) and a watch on the old inode would go silent.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
import time
import warnings
from typing import Any, Callable

try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # asyncore, on 3.11
        import pyinotify
except ImportError:  # pragma: no cover - depends on the interpreter
    pyinotify = None

# Signals a fault in the thread itself raises; all others are left to the main thread.
_SYNCHRONOUS_SIGNALS = frozenset([signal.SIGSEGV, signal.SIGBUS, signal.SIGFPE, signal.SIGILL,
                                  signal.SIGABRT, signal.SIGTRAP, signal.SIGSYS])

BACKEND_INOTIFY = "inotify"
BACKEND_POLL = "poll"

Signature = tuple[int, int, int, int, int] | None


def FileSignature(path: str) -> Signature:
    """What changes when a file is written, replaced or removed (None: absent)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def InotifyAvailable() -> bool:
    """Whether the inotify backend can be used in this interpreter."""
    return pyinotify is not None


class FileWatcher:
    """Watches one path and calls callback() from its own thread after changes.

    A change is: the file written and closed, renamed over, created by
    rename, removed, or its attributes changed; or, found by the periodic
    check every check_interval seconds (poll_interval without inotify), a
    different os.stat() signature. Calls are rate-limited: at most one per
    min_interval seconds; changes inside that window produce one more call at
    its end, so the last change is never missed. The callback reads the file
    itself; exceptions it raises are logged and the watcher carries on.
    """

    def __init__(self, path: str, callback: Callable[[], None], check_interval: float = 60.0,
                 min_interval: float = 0.0, poll_interval: float = 1.0,
                 use_inotify: bool | None = None, name: str | None = None):
        self.path = os.path.abspath(path)
        self._callback = callback
        self._check_interval = check_interval
        self._min_interval = min_interval
        self._poll_interval = poll_interval
        self._want_inotify = InotifyAvailable() if use_inotify is None else use_inotify
        self._name = name or "filewatch:%s" % os.path.basename(self.path)
        self._wm: Any = None
        self._notifier: Any = None
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self._stopping = False
        self._pending = False
        self._lost_watch = False
        self._last_call = float("-inf")
        self._next_check = 0.0
        self._last_sig: Signature = None

    @property
    def backend(self) -> str:
        """BACKEND_INOTIFY or BACKEND_POLL (which may change at run time)."""
        return BACKEND_INOTIFY if self._notifier is not None else BACKEND_POLL

    def Start(self) -> None:
        """Begin watching; changes from this moment on are reported."""
        if self._thread is not None:
            raise RuntimeError("FileWatcher already started")
        self._last_sig = FileSignature(self.path)
        if self._want_inotify:
            self._SetupInotify()
        self._wake_r, self._wake_w = os.pipe()
        self._next_check = time.monotonic() + self._Interval()
        self._thread = threading.Thread(target=self._Run, name=self._name, daemon=True)
        self._thread.start()

    def Stop(self) -> None:
        """Stop watching and wait for the thread (unless called from the callback)."""
        if self._thread is None or self._stopping:
            return
        self._stopping = True
        os.write(self._wake_w, b"x")
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def __enter__(self) -> "FileWatcher":
        self.Start()
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.Stop()

    # --- inotify ---------------------------------------------------------
    def _SetupInotify(self) -> None:
        mask = (pyinotify.IN_CLOSE_WRITE | pyinotify.IN_MOVED_TO | pyinotify.IN_MOVED_FROM
                | pyinotify.IN_DELETE | pyinotify.IN_ATTRIB
                | pyinotify.IN_DELETE_SELF | pyinotify.IN_MOVE_SELF)
        try:
            wm = pyinotify.WatchManager()
            wd = wm.add_watch(os.path.dirname(self.path), mask, quiet=True)
        except (OSError, pyinotify.PyinotifyError) as err:
            logging.warning("inotify unavailable for %s (%s), polling every %ss",
                            self.path, err, self._poll_interval)
            return
        if min(wd.values(), default=-1) < 0:
            logging.warning("Cannot watch the directory of %s, polling every %ss",
                            self.path, self._poll_interval)
            wm.close()
            return
        self._wm = wm
        self._notifier = pyinotify.Notifier(wm, default_proc_fun=self._OnEvent)

    def _CloseInotify(self) -> None:
        if self._wm is not None:
            self._wm.close()
        self._wm = self._notifier = None

    def _OnEvent(self, event: Any) -> None:
        if event.mask & pyinotify.IN_Q_OVERFLOW:
            self._pending = True
        elif event.mask & (pyinotify.IN_IGNORED | pyinotify.IN_DELETE_SELF
                           | pyinotify.IN_MOVE_SELF):
            logging.warning("Watch on the directory of %s lost, polling every %ss",
                            self.path, self._poll_interval)
            self._lost_watch = True
            self._pending = True
        elif event.name == os.path.basename(self.path):
            self._pending = True

    def _ReadEvents(self) -> None:
        self._lost_watch = False
        self._notifier.read_events()
        self._notifier.process_events()
        if self._lost_watch:
            self._CloseInotify()
            self._next_check = time.monotonic() + self._Interval()

    # --- the thread ------------------------------------------------------
    def _Interval(self) -> float:
        return self._check_interval if self._notifier is not None else self._poll_interval

    def _Run(self) -> None:
        # Python runs signal handlers in the main thread only, and only once it
        # wakes up: a SIGTERM the kernel hands to this thread would leave a
        # daemon's main thread asleep in recv(). Keep them for the main thread.
        signal.pthread_sigmask(signal.SIG_BLOCK, signal.valid_signals() - _SYNCHRONOUS_SIGNALS)
        try:
            while not self._stopping:
                self._Step()
        finally:
            self._CloseInotify()
            os.close(self._wake_r)
            os.close(self._wake_w)

    def _Step(self) -> None:
        now = time.monotonic()
        wait = self._next_check - now
        if self._pending:
            wait = min(wait, self._last_call + self._min_interval - now)
        fds = [self._wake_r]
        if self._wm is not None:
            fds.append(self._wm.get_fd())
        ready, _, _ = select.select(fds, [], [], max(0.0, wait))
        if self._stopping:
            return
        if self._wm is not None and self._wm.get_fd() in ready:
            self._ReadEvents()
        now = time.monotonic()
        if now >= self._next_check:
            self._next_check = now + self._Interval()
            if FileSignature(self.path) != self._last_sig:
                self._pending = True
        if self._pending and now >= self._last_call + self._min_interval:
            self._Fire(now)

    def _Fire(self, now: float) -> None:
        self._pending = False
        self._last_call = now
        self._last_sig = FileSignature(self.path)
        try:
            self._callback()
        except Exception:  # noqa: BLE001 - a failing callback must not end the watch
            logging.exception("File watch callback for %s failed", self.path)
