"""What every ganeti daemon does the same way: options, pid file, logging,
detaching from the terminal and shutting down on a signal.

A daemon module supplies three callbacks and calls GenericMain:

    check_fn(options, args)          validate, exit early (e.g. not master)
    prepare_fn(options, args) -> ctx open sockets and files *before* we
                                     report readiness, so that a failure
                                     reaches the starting shell
    exec_fn(options, args, ctx)      serve until asked to stop

The starting process returns only once prepare_fn has succeeded (or prints
its error and exits 1), so scripts and tests can rely on "started" meaning
"listening".
"""

from __future__ import annotations

import logging
import optparse
import os
import signal
import sys
import threading
from typing import Any, Callable

from ganeti import constants, errors, pathutils, utils
from ganeti.utils import log as ulog
from ganeti.utils import process

CheckFn = Callable[[Any, list[str]], None]
PrepareFn = Callable[[Any, list[str]], Any]
ExecFn = Callable[[Any, list[str], Any], None]


class ShutdownRequest:
    """A flag set by SIGTERM/SIGINT that serving loops wait on or poll."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signum: int | None = None
        self._callbacks: list[Callable[[], None]] = []

    def OnShutdown(self, fn: Callable[[], None]) -> None:
        """Run fn (from the signal handler's thread) when shutdown is requested."""
        self._callbacks.append(fn)

    def Trigger(self, signum: int | None = None) -> None:
        if self.event.is_set():
            return
        self.signum = signum
        self.event.set()
        for fn in self._callbacks:
            try:
                fn()
            except Exception:  # noqa: BLE001 - a failing callback must not stop the others
                logging.exception("Shutdown callback failed")

    def Wait(self, timeout: float | None = None) -> bool:
        return self.event.wait(timeout)


def BuildOptionParser(daemon_name: str, default_port: int | None = None,
                      default_bind: str | None = None) -> optparse.OptionParser:
    """Options every daemon accepts; daemons may add their own before GenericMain."""
    parser = optparse.OptionParser(prog=daemon_name, usage="%prog [-f] [-d]",
                                   version="%%prog (ganeti) %s" % constants.RELEASE_VERSION)
    parser.add_option("-f", "--foreground", dest="fork", action="store_false", default=True,
                      help="Don't detach from the current terminal")
    parser.add_option("-d", "--debug", dest="debug", action="store_true", default=False,
                      help="Enable debug messages")
    if default_port is not None:
        parser.add_option("-p", "--port", dest="port", type="int", default=default_port,
                          help="Network port (default: %default)")
    if default_bind is not None:
        parser.add_option("-b", "--bind", dest="bind_address", default=default_bind,
                          metavar="ADDRESS", help="Bind address (default: %default)")
    return parser


def GenericMain(daemon_name: str, parser: optparse.OptionParser, check_fn: CheckFn | None,
                prepare_fn: PrepareFn | None, exec_fn: ExecFn,
                console_logging: bool = False, argv: list[str] | None = None) -> None:
    """Run a daemon: parse options, detach, write the pid file, serve, clean up.

    console_logging makes log records that cannot be written to the log file
    go to /dev/console (the node daemon's 2.1 availability requirement).
    """
    options, args = parser.parse_args(argv)
    if check_fn is not None:
        check_fn(options, args)
    logfile = pathutils.GetLogFilename(daemon_name)
    pidfile = pathutils.GetPidFilename(daemon_name)
    utils.EnsureDirs([(pathutils.RUN_DIR, constants.RUN_DIRS_MODE),
                      (pathutils.LOG_DIR, constants.RUN_DIRS_MODE)])
    ready_fd = process.Daemonize(logfile) if options.fork else None
    try:
        process.WritePidFile(pidfile)
    except errors.GenericError as err:
        _Fail(ready_fd, "Cannot start %s: %s" % (daemon_name, err))
    try:
        ulog.SetupLogging(logfile, daemon_name, debug=options.debug,
                          stderr_logging=not options.fork, console_fallback=console_logging)
        shutdown = ShutdownRequest()
        options.shutdown = shutdown
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda sig, _frame: shutdown.Trigger(sig))
        try:
            ctx = prepare_fn(options, args) if prepare_fn is not None else None
        except Exception as err:  # noqa: BLE001 - reported to the starting shell
            logging.exception("%s failed to start", daemon_name)
            process.RemovePidFile(pidfile)
            _Fail(ready_fd, "%s failed to start: %s" % (daemon_name, err))
        logging.info("%s started (pid %d)", daemon_name, os.getpid())
        if ready_fd is not None:
            process.DaemonReady(ready_fd)
        exec_fn(options, args, ctx)
        logging.info("%s stopped%s", daemon_name,
                     " (signal %d)" % shutdown.signum if shutdown.signum else "")
    finally:
        process.RemovePidFile(pidfile)


def _Fail(ready_fd: int | None, message: str) -> None:
    if ready_fd is not None:
        process.DaemonReady(ready_fd, error=message)
        os._exit(1)
    print(message, file=sys.stderr)
    sys.exit(constants.EXIT_FAILURE)
