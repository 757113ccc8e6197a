"""Starting, stopping and checking this node's ganeti daemons.

Used by daemons/daemon-util (what init scripts, node add over SSH and the
virtual cluster call), by gnt-cluster init and by ganeti-watcher. Which
daemons belong on a node follows from its files: none before it joined a
cluster (no node certificate), the node daemon everywhere, confd on master
candidates, masterd and the RAPI daemon on the master.
"""

from __future__ import annotations

import os
import signal

from ganeti import constants, errors, netutils, pathutils, ssconf
from ganeti.utils import io, process

# Start order; stopping goes the other way.
DAEMON_ORDER = (constants.NODED, constants.CONFD, constants.MASTERD, constants.RAPI)


def IsVirtualCluster() -> bool:
    return bool(pathutils.GetRootDir())


def BindAddress(name: str) -> str | None:
    """The address a daemon of this node binds to.

    A real node listens on all addresses; a node of a virtual cluster shares
    the machine with its peers and listens only on its own address, except
    the RAPI daemon, which listens on the master IP: clients reach it by the
    cluster name wherever the master is, as on real nodes.
    """
    if not IsVirtualCluster():
        return None
    if name == constants.RAPI:
        try:
            return ssconf.SimpleStore().GetMasterIP()
        except errors.ConfigurationError:
            pass
    return netutils.Hostname.Resolve(netutils.GetHostname())[1]


def WantedDaemons() -> list[str]:
    """The daemons that should run on this node, in start order."""
    if not os.path.exists(pathutils.NODED_CERT_FILE):
        return []
    wanted = [constants.NODED]
    store = ssconf.SimpleStore()
    myself = netutils.GetHostname()
    try:
        master = store.GetMasterNode()
        candidates = store.GetMasterCandidates()
    except errors.ConfigurationError:
        return wanted
    if myself in candidates:
        wanted.append(constants.CONFD)
    if master == myself:
        wanted += [constants.MASTERD, constants.RAPI]
    return wanted


def DaemonPid(name: str) -> int:
    """The pid of a running daemon, or 0."""
    pid = process.ReadPidFile(pathutils.GetPidFilename(name))
    return pid if process.IsProcessAlive(pid) else 0


def StartDaemon(name: str, extra_args: list[str] | None = None) -> str:
    """Start a daemon unless it runs; returns a message, raises on failure."""
    if name not in DAEMON_ORDER:
        raise errors.ProgrammerError("Unknown daemon %r" % name)
    pid = DaemonPid(name)
    if pid:
        return "%s already running (pid %d)" % (name, pid)
    argv = [name]
    bind = BindAddress(name)
    if bind and name in constants.DAEMONS_PORTS:
        argv += ["-b", bind]
    argv += extra_args or []
    result = process.RunCmd(argv, timeout=60)
    if result.failed:
        raise errors.CommandError("Starting %s failed (%s): %s"
                                  % (name, result.fail_reason, result.output.strip()))
    return "%s started (pid %d)" % (name, process.ReadPidFile(pathutils.GetPidFilename(name)))


def StopDaemon(name: str, timeout: float = 30) -> str:
    """Stop a daemon by its pid file (TERM, then KILL after timeout)."""
    pidfile = pathutils.GetPidFilename(name)
    pid = DaemonPid(name)
    if not pid:
        io.RemoveFile(pidfile)
        return "%s not running" % name
    process.KillProcess(pid, signal.SIGTERM, timeout=timeout, waitpid=True)
    io.RemoveFile(pidfile)
    return "%s stopped (pid %d)" % (name, pid)


def StartAll(extra: dict[str, list[str]] | None = None) -> list[str]:
    return [StartDaemon(name, (extra or {}).get(name)) for name in WantedDaemons()]


def StopAll() -> list[str]:
    return [StopDaemon(name) for name in reversed(DAEMON_ORDER)]


def Main(argv: list[str]) -> int:
    """daemon-util {start|stop|check} DAEMON [ARGS...] | start-all | stop-all | wanted."""
    usage = ("Usage: daemon-util {start|stop|check} DAEMON [ARGS...]"
             " | start-all | stop-all | wanted")
    if not argv:
        print(usage)
        return constants.EXIT_FAILURE
    action, args = argv[0], argv[1:]
    try:
        if action == "start" and args:
            print(StartDaemon(args[0], args[1:]))
        elif action == "stop" and len(args) == 1:
            print(StopDaemon(args[0]))
        elif action == "check" and len(args) == 1:
            return constants.EXIT_SUCCESS if DaemonPid(args[0]) else constants.EXIT_FAILURE
        elif action == "start-all" and not args:
            for line in StartAll():
                print(line)
        elif action == "stop-all" and not args:
            for line in StopAll():
                print(line)
        elif action == "wanted" and not args:
            print("\n".join(WantedDaemons()))
        else:
            print(usage)
            return constants.EXIT_FAILURE
    except errors.GenericError as err:
        print("Error: %s" % err)
        return constants.EXIT_FAILURE
    return constants.EXIT_SUCCESS
