"""A small QMP (QEMU Machine Protocol) client over the monitor Unix socket.

QMP is line-delimited JSON: the server greets with {"QMP": {...}}, the client
must send qmp_capabilities before any other command, and asynchronous
{"event": ...} messages may arrive between a command and its
{"return": ...} or {"error": ...} reply. This client is synchronous, one
command at a time, and keeps the events it skipped in `events` (for logging
and tests).
"""

from __future__ import annotations

import socket
from typing import Any

from ganeti import errors, serializer

DEFAULT_TIMEOUT = 10.0


class QmpError(errors.HypervisorError):
    """QMP connection failure or a command that returned an error."""


class QmpClient:
    """A connected QMP session (use as a context manager)."""

    def __init__(self, path: str, timeout: float = DEFAULT_TIMEOUT):
        self.path = path
        self.timeout = timeout
        self.events: list[dict[str, Any]] = []
        self.greeting: dict[str, Any] = {}
        self._sock: socket.socket | None = None
        self._buf = b""

    def __enter__(self) -> "QmpClient":
        self.Connect()
        return self

    def __exit__(self, *_: Any) -> None:
        self.Close()

    def Connect(self) -> None:
        """Connect, read the greeting and negotiate capabilities."""
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self.path)
        except OSError as err:
            sock.close()
            raise QmpError("Cannot connect to QMP socket %s: %s" % (self.path, err))
        self._sock = sock
        greeting = self._ReadMessage()
        if "QMP" not in greeting:
            self.Close()
            raise QmpError("Not a QMP greeting on %s: %r" % (self.path, greeting))
        self.greeting = greeting["QMP"]
        self.Execute("qmp_capabilities")

    def Close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def Execute(self, command: str, arguments: dict[str, Any] | None = None) -> Any:
        """Run one command and return its "return" value; errors raise QmpError."""
        if self._sock is None:
            raise QmpError("QMP client is not connected")
        msg: dict[str, Any] = {"execute": command}
        if arguments:
            msg["arguments"] = arguments
        try:
            self._sock.sendall(serializer.DumpJson(msg).encode())
        except OSError as err:
            raise QmpError("Cannot send QMP command %s: %s" % (command, err))
        while True:
            reply = self._ReadMessage()
            if "event" in reply:
                self.events.append(reply)
            elif "error" in reply:
                err = reply["error"]
                raise QmpError("QMP command %s failed: %s: %s"
                               % (command, err.get("class"), err.get("desc")))
            elif "return" in reply:
                return reply["return"]
            else:
                raise QmpError("Unexpected QMP message: %r" % (reply,))

    def _ReadMessage(self) -> dict[str, Any]:
        assert self._sock is not None
        while b"\n" not in self._buf:
            try:
                chunk = self._sock.recv(65536)
            except OSError as err:
                raise QmpError("Error reading from QMP socket %s: %s" % (self.path, err))
            if not chunk:
                raise QmpError("QMP socket %s closed by qemu" % self.path)
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            data = serializer.LoadJson(line)
        except errors.ParseError:
            raise QmpError("Malformed QMP message: %r" % line[:200])
        if not isinstance(data, dict):
            raise QmpError("Malformed QMP message: %r" % line[:200])
        return data


def Execute(path: str, command: str, arguments: dict[str, Any] | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> Any:
    """Connect, run one command, disconnect."""
    with QmpClient(path, timeout) as client:
        return client.Execute(command, arguments)
