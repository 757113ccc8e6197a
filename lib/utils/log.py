"""Logging setup shared by daemons and commands."""

from __future__ import annotations

import logging
import os
import sys

_FORMAT = "%(asctime)s: %(program)s pid=%(process)d %(levelname)s %(message)s"


class _ProgramFilter(logging.Filter):
    def __init__(self, program: str):
        super().__init__()
        self.program = program

    def filter(self, record: logging.LogRecord) -> bool:
        record.program = self.program
        return True


class ConsoleFallbackHandler(logging.FileHandler):
    """A file handler that writes to the console device when the file fails.

    The node daemon uses it (2.1 design, "Node daemon availability") so that a
    node with a broken system disk still reports what happens.
    """

    def __init__(self, filename: str, console: str = "/dev/console"):
        self.console = console
        super().__init__(filename, delay=True)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self.stream is None:
                self.stream = self._open()
            logging.StreamHandler.emit(self, record)
            self.flush()
        except Exception:  # noqa: BLE001 - any failure of the log file
            self._EmitToConsole(record)

    def _EmitToConsole(self, record: logging.LogRecord) -> None:
        try:
            with open(self.console, "a") as fh:
                fh.write(self.format(record) + "\n")
        except OSError:
            pass


def SetupLogging(logfile: str | None, program: str, debug: int = 0,
                 stderr_logging: bool = False, console_fallback: bool = False) -> logging.Logger:
    """Configure the root logger for a daemon or a command."""
    root = logging.getLogger("")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    fmt = logging.Formatter(_FORMAT)
    flt = _ProgramFilter(program)
    handlers: list[logging.Handler] = []
    if stderr_logging:
        handlers.append(logging.StreamHandler(sys.stderr))
    if logfile:
        try:
            os.makedirs(os.path.dirname(logfile), exist_ok=True)
            handlers.append(ConsoleFallbackHandler(logfile) if console_fallback
                            else logging.FileHandler(logfile))
        except OSError as err:
            if not handlers:
                handlers.append(logging.StreamHandler(sys.stderr))
            logging.getLogger("").warning("Cannot open log file %s: %s", logfile, err)
    if not handlers:
        # keeps logging.info() & co. from installing a stderr handler of their own
        handlers.append(logging.NullHandler())
    for handler in handlers:
        handler.setFormatter(fmt)
        handler.addFilter(flt)
        root.addHandler(handler)
    return root
