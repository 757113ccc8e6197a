"""The luxi wire protocol: JSON messages terminated by ETX (0x03) on a Unix socket.

A request is {"method": NAME, "args": ARGS} (upstream clients may add
"version"); a reply is {"success": bool, "result": ...}, where a failed
call's result is errors.EncodeException's (class name, args) so that the
client re-raises the very error class the master raised. JSON escapes
control characters, so ETX never appears inside a message.
"""

from __future__ import annotations

import errno
import socket
import time
from typing import Any

from ganeti import constants, errors, serializer

__all__ = [
    "REQ_SUBMIT_JOB",
    "REQ_SUBMIT_MANY_JOBS",
    "REQ_WAIT_FOR_JOB_CHANGE",
    "REQ_WAIT_FOR_JOB_CHANGES",
    "REQ_CANCEL_JOB",
    "REQ_ARCHIVE_JOB",
    "REQ_AUTOARCHIVE_JOBS",
    "REQ_QUERY_JOBS",
    "REQ_QUERY_INSTANCES",
    "REQ_QUERY_NODES",
    "REQ_QUERY_EXPORTS",
    "REQ_QUERY_CONFIG_VALUES",
    "REQ_QUERY_CLUSTER_INFO",
    "REQ_QUERY_TAGS",
    "REQ_QUERY_LOCKS",
    "REQ_SET_DRAIN_FLAG",
    "REQ_SET_WATCHER_PAUSE",
    "DEF_CTMO",
    "DEF_RWTO",
    "WFJC_TIMEOUT",
    "MAX_MESSAGE_SIZE",
    "Transport",
    "FormatRequest",
    "ParseRequest",
    "FormatResponse",
    "ParseResponse",
]

REQ_SUBMIT_JOB = "SubmitJob"
REQ_SUBMIT_MANY_JOBS = "SubmitManyJobs"
REQ_WAIT_FOR_JOB_CHANGE = "WaitForJobChange"
REQ_WAIT_FOR_JOB_CHANGES = "WaitForJobChanges"
REQ_CANCEL_JOB = "CancelJob"
REQ_ARCHIVE_JOB = "ArchiveJob"
REQ_AUTOARCHIVE_JOBS = "AutoArchiveJobs"
REQ_QUERY_JOBS = "QueryJobs"
REQ_QUERY_INSTANCES = "QueryInstances"
REQ_QUERY_NODES = "QueryNodes"
REQ_QUERY_EXPORTS = "QueryExports"
REQ_QUERY_CONFIG_VALUES = "QueryConfigValues"
REQ_QUERY_CLUSTER_INFO = "QueryClusterInfo"
REQ_QUERY_TAGS = "QueryTags"
REQ_QUERY_LOCKS = "QueryLocks"
REQ_SET_DRAIN_FLAG = "SetDrainFlag"
REQ_SET_WATCHER_PAUSE = "SetWatcherPause"

DEF_CTMO = constants.LUXI_DEF_CTMO
DEF_RWTO = constants.LUXI_DEF_RWTO
#: How long the master holds a WaitForJobChange call (fits the client's read timeout).
WFJC_TIMEOUT = (DEF_RWTO - 1) / 2.0
#: Largest message either side accepts (a request of many jobs is a few MiB).
MAX_MESSAGE_SIZE = 32 * 1024 * 1024
_RECV_SIZE = 65536


class Transport:
    """One luxi connection: framing, timeouts, size limit.

    Built either by connecting to address (the client) or around an
    accepted socket (the server).
    """

    def __init__(self, address: str | None = None, timeouts: tuple[float, float] | None = None,
                 sock: socket.socket | None = None, max_size: int = MAX_MESSAGE_SIZE):
        ctmo, self._rwto = timeouts or (DEF_CTMO, DEF_RWTO)
        self._max_size = max_size
        self._buffer = bytearray()
        if sock is not None:
            self.socket = sock
            return
        assert address is not None
        self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._Connect(address, ctmo)
        except BaseException:
            self.socket.close()
            raise

    def _Connect(self, address: str, timeout: float) -> None:
        self.socket.settimeout(timeout)
        try:
            self.socket.connect(address)
        except socket.timeout:
            raise errors.LuxiTimeoutError("Connection to %s timed out" % address)
        except OSError as err:
            if err.errno == errno.EACCES:
                raise errors.PermissionDeniedError("Not allowed to connect to %s" % address)
            if err.errno in (errno.ENOENT, errno.ECONNREFUSED, errno.ENOTDIR):
                raise errors.NoMasterError(address)
            raise errors.ProtocolError("Cannot connect to %s: %s" % (address, err))

    def Send(self, msg: bytes, timeout: float | None = -1) -> None:
        """Send one message and its terminator (timeout -1: the read/write timeout)."""
        self.socket.settimeout(self._rwto if timeout == -1 else timeout)
        try:
            self.socket.sendall(msg + constants.LUXI_EOM)
        except socket.timeout:
            raise errors.LuxiTimeoutError("Sending a luxi message timed out")
        except OSError as err:
            raise errors.ConnectionClosedError("Connection lost while sending: %s" % err)

    def Recv(self, timeout: float | None = -1) -> bytes:
        """Receive one message (without its terminator).

        Raises ConnectionClosedError at end of stream, LuxiTimeoutError if
        nothing complete arrived in time, ProtocolError if the peer sends
        more than the size limit without a terminator.
        """
        timeout = self._rwto if timeout == -1 else timeout
        deadline = None if timeout is None else time.monotonic() + timeout
        scanned = 0  # no terminator before this offset of the buffer
        while True:
            pos = self._buffer.find(constants.LUXI_EOM, scanned)
            if pos > self._max_size or (pos < 0 and len(self._buffer) > self._max_size):
                raise errors.ProtocolError("Message larger than %d bytes" % self._max_size)
            if pos >= 0:
                msg = bytes(self._buffer[:pos])
                del self._buffer[:pos + 1]
                return msg
            scanned = len(self._buffer)
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise errors.LuxiTimeoutError("No complete luxi message within %ss" % timeout)
            self.socket.settimeout(remaining)
            try:
                data = self.socket.recv(_RECV_SIZE)
            except socket.timeout:
                continue
            except OSError as err:
                raise errors.ConnectionClosedError("Connection lost while receiving: %s" % err)
            if not data:
                raise errors.ConnectionClosedError("Connection closed by the other side")
            self._buffer.extend(data)

    def Close(self) -> None:
        self.socket.close()


def FormatRequest(method: str, args: Any) -> bytes:
    return serializer.DumpJson({constants.LUXI_KEY_METHOD: method,
                                constants.LUXI_KEY_ARGS: args}).encode("utf-8")


def ParseRequest(msg: bytes) -> tuple[str, Any]:
    """(method, args) of a request; ProtocolError if it is not a well-formed one."""
    try:
        request = serializer.LoadJson(msg.decode("utf-8"))
    except (UnicodeDecodeError, errors.ParseError) as err:
        raise errors.ProtocolError("Invalid luxi request: %s" % err)
    if not isinstance(request, dict):
        raise errors.ProtocolError("A luxi request must be a JSON object")
    method = request.get(constants.LUXI_KEY_METHOD)
    if not isinstance(method, str) or constants.LUXI_KEY_ARGS not in request:
        raise errors.ProtocolError("A luxi request needs a method name and args")
    version = request.get(constants.LUXI_KEY_VERSION)
    if version is not None and version != constants.PROTOCOL_VERSION:
        raise errors.ProtocolError("Luxi version mismatch: client %s, server %s"
                                   % (version, constants.PROTOCOL_VERSION))
    return method, request[constants.LUXI_KEY_ARGS]


def FormatResponse(success: bool, result: Any) -> bytes:
    return serializer.DumpJson({constants.LUXI_KEY_SUCCESS: success,
                                constants.LUXI_KEY_RESULT: result}).encode("utf-8")


def ParseResponse(msg: bytes) -> Any:
    """The result of a reply, or raise the error the server encoded in it."""
    try:
        reply = serializer.LoadJson(msg.decode("utf-8"))
    except (UnicodeDecodeError, errors.ParseError) as err:
        raise errors.ProtocolError("Invalid luxi reply: %s" % err)
    if (not isinstance(reply, dict) or constants.LUXI_KEY_SUCCESS not in reply
            or constants.LUXI_KEY_RESULT not in reply):
        raise errors.ProtocolError("Invalid luxi reply: %r" % (reply,))
    result = reply[constants.LUXI_KEY_RESULT]
    if reply[constants.LUXI_KEY_SUCCESS]:
        return result
    errors.MaybeRaise(result)
    raise errors.RequestError(result)
