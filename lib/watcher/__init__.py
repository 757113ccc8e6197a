"""ganeti-watcher: keeps a node's ganeti services alive, run from cron.

On every node it restarts the daemons that should run there (as
daemon-util decides) and that have died. On the master it then archives old
jobs and restarts instances that are marked up but are not running, giving up
on an instance after a few failed restarts in a row (counted in the
watcher's state file) so that a broken instance does not restart forever.
A pause file (`gnt-cluster watcher pause`) makes it do nothing until a
given time.
"""

from __future__ import annotations

import logging
import optparse
import time
from typing import Any

from ganeti import constants, errors, netutils, pathutils, serializer, ssconf
from ganeti.tools import daemon_util
from ganeti.utils import filelock, io
from ganeti.utils import log as ulog

MAX_RESTART_ATTEMPTS = 5
_STATE_INSTANCES = "instance"


class WatcherState:
    """Restart attempts per instance, kept between runs in a small JSON file."""

    def __init__(self, path: str | None = None):
        self.path = path or pathutils.WATCHER_STATEFILE
        try:
            data = serializer.LoadJson(io.ReadFile(self.path))
        except (OSError, errors.ParseError):
            data = {}
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.data.setdefault(_STATE_INSTANCES, {})

    def Save(self) -> None:
        io.WriteFile(self.path, serializer.DumpJson(self.data), mode=0o600, mkdir=True)

    def NumberOfRestartAttempts(self, instance: str) -> int:
        return self.data[_STATE_INSTANCES].get(instance, {}).get("restart_count", 0)

    def RecordRestartAttempt(self, instance: str) -> None:
        entry = self.data[_STATE_INSTANCES].setdefault(instance, {"restart_count": 0})
        entry["restart_count"] += 1
        entry["restart_when"] = time.time()

    def RemoveInstance(self, instance: str) -> None:
        self.data[_STATE_INSTANCES].pop(instance, None)

    def MaintainInstanceList(self, instances: list[str]) -> None:
        """Forget instances that no longer exist (removed or renamed)."""
        for name in set(self.data[_STATE_INSTANCES]) - set(instances):
            self.RemoveInstance(name)


def IsPaused(path: str | None = None, now: float | None = None) -> bool:
    """Whether the watcher is paused (the pause file holds an end time in the future)."""
    try:
        until = float(io.ReadOneLineFile(path or pathutils.WATCHER_PAUSEFILE))
    except (OSError, ValueError, errors.GenericError):
        return False
    return until > (time.time() if now is None else now)


def EnsureDaemons() -> list[str]:
    """Start every daemon this node should run and that is not running."""
    started = []
    for name in daemon_util.WantedDaemons():
        if daemon_util.DaemonPid(name):
            continue
        logging.warning("%s is not running, starting it", name)
        try:
            daemon_util.StartDaemon(name)
            started.append(name)
        except errors.GenericError as err:
            logging.error("Could not start %s: %s", name, err)
    return started


def RestartInstances(client: Any, state: WatcherState) -> list[str]:
    """Start instances that should run but do not; returns the ones restarted."""
    from ganeti import opcodes
    restarted = []
    rows = client.QueryInstances([], ["name", "status", "admin_state"], False)
    state.MaintainInstanceList([row[0] for row in rows])
    for name, status, admin_up in rows:
        if status in (constants.INSTST_RUNNING, constants.INSTST_ADMINDOWN) or not admin_up:
            state.RemoveInstance(name)
            continue
        if status != constants.INSTST_ERRORDOWN:
            continue
        attempts = state.NumberOfRestartAttempts(name)
        if attempts >= MAX_RESTART_ATTEMPTS:
            if attempts == MAX_RESTART_ATTEMPTS:
                logging.error("Instance %s could not be restarted %d times, giving up", name,
                              attempts)
                state.RecordRestartAttempt(name)
            continue
        logging.info("Restarting instance %s (attempt %d)", name, attempts + 1)
        state.RecordRestartAttempt(name)
        try:
            job_id = client.SubmitJob([opcodes.OpInstanceStartup(instance_name=name).__getstate__()])
            restarted.append(name)
            logging.info("Submitted job %s to start %s", job_id, name)
        except errors.GenericError as err:
            logging.error("Could not submit the start of %s: %s", name, err)
    return restarted


def _IsMaster() -> bool:
    try:
        return ssconf.SimpleStore().GetMasterNode() == netutils.GetHostname()
    except errors.ConfigurationError:
        return False


def Main(argv: list[str] | None = None) -> int:
    parser = optparse.OptionParser(usage="%prog [-d] [--job-age=SECONDS] [--ignore-pause]")
    parser.add_option("-d", "--debug", action="store_true", default=False)
    parser.add_option("--job-age", type="int", default=constants.JOB_QUEUE_ARCHIVE_AGE,
                      help="archive jobs older than this many seconds (default %default)")
    parser.add_option("--ignore-pause", action="store_true", default=False)
    options, _ = parser.parse_args(argv)
    ulog.SetupLogging(pathutils.GetLogFilename(constants.WATCHER), constants.WATCHER,
                      debug=options.debug, stderr_logging=options.debug)
    if IsPaused() and not options.ignore_pause:
        logging.info("Watcher is paused, exiting")
        return constants.EXIT_SUCCESS
    lock = filelock.FileLock.Open(pathutils.WATCHER_STATEFILE + ".lock")
    try:
        lock.Exclusive()
    except errors.LockError:
        logging.info("Another watcher is running, exiting")
        return constants.EXIT_SUCCESS
    try:
        EnsureDaemons()
        if not _IsMaster():
            return constants.EXIT_SUCCESS
        from ganeti import luxi
        state = WatcherState()
        try:
            client = luxi.Client()
            archived, left = client.AutoArchiveJobs(options.job_age, 60)
            logging.info("Archived %s jobs, %s left", archived, left)
            RestartInstances(client, state)
        except errors.GenericError as err:
            logging.error("Cannot talk to the master daemon: %s", err)
            return constants.EXIT_FAILURE
        finally:
            state.Save()
    finally:
        lock.Close()
    return constants.EXIT_SUCCESS
