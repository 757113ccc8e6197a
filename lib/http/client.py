"""HTTP/1.1 client with TLS and kept-alive connections per server.

Used by RPC (many parallel calls to many nodes) and usable by anything that
talks HTTPS to a ganeti daemon. A pool keeps idle connections per (host,
port) so that a call to a node normally costs one round trip instead of TCP
connect plus TLS handshake (see doc/rpc.md for the figures). Each request
has a deadline covering connect, handshake, sending and the whole reply.

A kept-alive connection can be closed by the server at any moment while it
is idle. The pool drops connections that were idle longer than idle_timeout
(shorter than the servers' keep-alive timeout) or that became readable
(closed) while idle, and a request whose reused connection turns out to be
closed before any byte of the reply arrived is sent once more on a fresh
connection: the server has then never seen it.
"""

from __future__ import annotations

import select
import socket
import ssl
import threading
import time
from typing import Any, Callable, Mapping

from ganeti import errors, http, serializer
from ganeti.http import message

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_IDLE_TIMEOUT = 30.0
DEFAULT_MAX_IDLE_PER_HOST = 8
DEFAULT_MAX_RESPONSE = 256 * 1024 * 1024
_READ_BUFFER = 64 * 1024
_NO_BODY_STATUS = frozenset([204, 304])


class HttpResponse:
    """A complete response: status, reason, headers (case-insensitive), body bytes."""

    __slots__ = ("status", "reason", "headers", "body")

    def __init__(self, status: int, reason: str, headers: message.Headers, body: bytes):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body

    def GetJson(self) -> Any:
        """The body parsed as JSON; HttpClientError if it is not."""
        try:
            return serializer.LoadJson(self.body)
        except errors.ParseError as err:
            raise http.HttpClientError("Response is not valid JSON: %s" % err) from err


class _Stale(Exception):
    """A reused connection was found closed before the reply started."""


class _Connection:
    __slots__ = ("sock", "rfile", "last_used")

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.rfile = sock.makefile("rb", buffering=_READ_BUFFER)
        self.last_used = time.monotonic()

    def IsUsable(self, idle_timeout: float) -> bool:
        """Still open and not idle for too long (an idle socket must not be readable)."""
        if time.monotonic() - self.last_used > idle_timeout:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable

    def Close(self) -> None:
        try:
            self.rfile.close()
            self.sock.close()
        except OSError:
            pass


def _Remaining(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise TimeoutError("timed out")
    return remaining


def _HostHeader(host: str, port: int) -> str:
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


class HttpClientPool:
    """Sends requests, keeping up to max_idle_per_host idle connections per server.

    peer_check(ssl_socket) runs after each TLS handshake and refuses the
    server by raising (RPC's cluster certificate check). Thread-safe: each
    request takes a connection out of the pool for its duration.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None = None,
                 peer_check: Callable[[ssl.SSLSocket], None] | None = None,
                 connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
                 idle_timeout: float = DEFAULT_IDLE_TIMEOUT,
                 max_idle_per_host: int = DEFAULT_MAX_IDLE_PER_HOST,
                 max_response: int = DEFAULT_MAX_RESPONSE):
        self.ssl_context = ssl_context
        self.peer_check = peer_check
        self.connect_timeout = connect_timeout
        self.idle_timeout = idle_timeout
        self.max_idle_per_host = max_idle_per_host
        self.max_response = max_response
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._lock = threading.Lock()

    def Request(self, host: str, port: int, method: str, path: str, body: bytes = b"",
                headers: Mapping[str, str] | None = None, timeout: float = 60.0) -> HttpResponse:
        """Send one request and return the complete response.

        Raises HttpClientTimeout when the deadline passes, HttpClientError for
        any other failure below HTTP; HTTP error statuses are responses.
        """
        deadline = time.monotonic() + timeout
        key = (host, port)
        request = self._FormatRequest(host, port, method, path, body, headers)
        for attempt in (0, 1):
            conn, reused = self._Take(key)
            try:
                if conn is None:
                    conn = self._Connect(host, port, deadline)
                response, keep = self._Exchange(conn, request, method, deadline, reused)
            except _Stale:
                assert conn is not None
                conn.Close()
                if attempt == 0:
                    continue
                raise http.HttpClientError("Connection to %s:%d closed by the server" % key) from None
            except TimeoutError as err:
                if conn is not None:
                    conn.Close()
                raise http.HttpClientTimeout("Request to %s:%d timed out after %.1fs"
                                             % (host, port, timeout)) from err
            except (OSError, errors.X509CertError, errors.HttpError) as err:
                if conn is not None:
                    conn.Close()
                raise http.HttpClientError("Request to %s:%d failed: %s"
                                           % (host, port, err)) from err
            if keep:
                self._Put(key, conn)
            else:
                conn.Close()
            return response
        raise errors.ProgrammerError("unreachable")

    def CloseAll(self) -> None:
        """Close every idle connection (after a certificate change, at exit)."""
        with self._lock:
            conns = [c for lst in self._idle.values() for c in lst]
            self._idle.clear()
        for conn in conns:
            conn.Close()

    # --- connections ------------------------------------------------------------

    def _Take(self, key: tuple[str, int]) -> tuple[_Connection | None, bool]:
        while True:
            with self._lock:
                idle = self._idle.get(key)
                conn = idle.pop() if idle else None
            if conn is None:
                return None, False
            if conn.IsUsable(self.idle_timeout):
                return conn, True
            conn.Close()

    def _Put(self, key: tuple[str, int], conn: _Connection) -> None:
        conn.last_used = time.monotonic()
        with self._lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < self.max_idle_per_host:
                idle.append(conn)
                return
        conn.Close()

    def _Connect(self, host: str, port: int, deadline: float) -> _Connection:
        sock = socket.create_connection((host, port),
                                        timeout=min(self.connect_timeout, _Remaining(deadline)))
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.ssl_context is not None:
                sock.settimeout(min(self.connect_timeout, _Remaining(deadline)))
                sock = self.ssl_context.wrap_socket(sock)
                if self.peer_check is not None:
                    self.peer_check(sock)  # type: ignore[arg-type]
        except BaseException:
            sock.close()
            raise
        return _Connection(sock)

    # --- one exchange -------------------------------------------------------------

    @staticmethod
    def _FormatRequest(host: str, port: int, method: str, path: str, body: bytes,
                       headers: Mapping[str, str] | None) -> bytes:
        fields = [(http.HTTP_HOST, _HostHeader(host, port)),
                  (http.HTTP_CONTENT_LENGTH, str(len(body)))]
        if headers:
            fields.extend(headers.items())
        return message.FormatHead("%s %s %s" % (method, path, http.HTTP_VERSION), fields) + body

    def _Exchange(self, conn: _Connection, request: bytes, method: str, deadline: float,
                  reused: bool) -> tuple[HttpResponse, bool]:
        """Send request and read the reply: (response, connection reusable)."""
        sock, rfile = conn.sock, conn.rfile
        sock.settimeout(_Remaining(deadline))
        try:
            sock.sendall(request)
            line = message.ReadStartLine(rfile)
        except (message.ConnectionClosed, BrokenPipeError, ConnectionResetError):
            if reused:
                raise _Stale() from None
            raise
        while True:
            version, status, reason = message.ParseStatusLine(line)
            sock.settimeout(_Remaining(deadline))
            headers = message.ReadHeaders(rfile)
            if status >= 200:
                break
            line = message.ReadStartLine(rfile)  # skip interim (1xx) responses
        if method == http.HTTP_HEAD or status in _NO_BODY_STATUS:
            return HttpResponse(status, reason, headers, b""), not message.WantsClose(version, headers)
        length = message.BodyLength(headers)
        if length is None:  # delimited by the end of the connection
            body = rfile.read(self.max_response + 1)
            if len(body) > self.max_response:
                raise http.HttpClientError("Response larger than %d bytes" % self.max_response)
            return HttpResponse(status, reason, headers, body), False
        body = message.ReadBody(rfile, length, self.max_response)
        return HttpResponse(status, reason, headers, body), not message.WantsClose(version, headers)
