"""A threaded HTTP/1.1 server with TLS and keep-alive, generic over handlers.

The node daemon (RPC) and ganeti-rapi both use it. Each connection gets its
own thread, which does the TLS handshake and then serves the connection's
requests one after another, so a long request (an OS install, a test delay)
never blocks any other client, and a kept-alive client pays for the handshake
once. A handler is an object with PreHandleRequest(req) (the place for
authentication: it runs before the body is read) and HandleRequest(req),
whose return value becomes the response body: bytes as they are, anything
else as JSON. Errors are raised as ganeti.http.HttpException and answered as
JSON {"code", "message", "explain"}.

Every read is bounded (start line, header fields, body: 413 beyond
max_body) and every wait has a timeout, so malformed, truncated or stalled
clients cost a thread for a while at most and never stop the server.
"""

from __future__ import annotations

import email.utils
import logging
import os
import select
import selectors
import socket
import ssl
import threading
import time
import urllib.parse
from typing import Any, Callable

from ganeti import errors, http, netutils, serializer
from ganeti.http import message

DEFAULT_MAX_BODY = 1024 * 1024
DEFAULT_MAX_CONNECTIONS = 1024
DEFAULT_KEEPALIVE_TIMEOUT = 60.0  # idle time between requests on one connection
DEFAULT_REQUEST_TIMEOUT = 60.0  # one read or write inside a request
HANDSHAKE_TIMEOUT = 10.0
_READ_BUFFER = 64 * 1024
_SEPARATE_BODY_WRITE = 64 * 1024  # above this, send head and body separately (no copy)
_LISTEN_BACKLOG = 128
_ACCEPT_ERROR_PAUSE = 0.1

PeerCheck = Callable[[ssl.SSLSocket], None]


class HttpServerRequest:
    """One request as a handler sees it, and what it sets on the response.

    path is the request target without its query (still percent-encoded);
    headers look up names case-insensitively; body is empty until
    PreHandleRequest has accepted the request. private is for the handler
    (e.g. the authenticated user).
    """

    __slots__ = ("method", "path", "query", "version", "headers", "body", "peer",
                 "resp_status", "resp_headers", "private")

    def __init__(self, method: str, path: str, query: str, version: str,
                 headers: message.Headers, peer: Any):
        self.method = method
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = b""
        self.peer = peer
        self.resp_status = 200
        self.resp_headers: dict[str, str] = {}
        self.private: Any = None

    def GetQueryArgs(self) -> dict[str, list[str]]:
        """The query string as {name: [values]} (blank values kept)."""
        return urllib.parse.parse_qs(self.query, keep_blank_values=True)

    def GetJsonBody(self) -> Any:
        """The body parsed as JSON (None when empty); 400 when it is not JSON."""
        if not self.body:
            return None
        try:
            return serializer.LoadJson(self.body)
        except errors.ParseError as err:
            raise http.HttpBadRequest("Request body is not valid JSON: %s" % err) from err


class HttpServerHandler:
    """Base of request handlers: override HandleRequest, maybe PreHandleRequest."""

    def PreHandleRequest(self, req: HttpServerRequest) -> None:
        """Check a request before its body is read (authentication, method)."""

    def HandleRequest(self, req: HttpServerRequest) -> Any:
        """The response body: bytes, or a value to send as JSON."""
        raise http.HttpNotFound()


def FormatErrorBody(code: int, explain: str | None) -> bytes:
    """The JSON body of an error response."""
    return serializer.DumpJson({"code": code, "message": http.StatusReason(code),
                                "explain": explain or ""}).encode("utf-8")


class _DateCache:
    """The Date header value, formatted once per second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def Get(self) -> str:
        now = int(time.time())
        if now != self._second:
            self._value = email.utils.formatdate(now, usegmt=True)
            self._second = now
        return self._value


class HttpServer:
    """Listens on one address; Serve() until Stop(); one thread per connection.

    peer_check(ssl_socket) runs after the TLS handshake and refuses the
    connection by raising (the node daemon's cluster certificate check).
    """

    def __init__(self, handler: HttpServerHandler, bind_address: str, port: int,
                 ssl_context: ssl.SSLContext | None = None, peer_check: PeerCheck | None = None,
                 max_body: int = DEFAULT_MAX_BODY,
                 max_connections: int = DEFAULT_MAX_CONNECTIONS,
                 keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
                 request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
                 server_name: str = "ganeti"):
        self.handler = handler
        self.bind_address = bind_address
        self.port = port
        self.ssl_context = ssl_context
        self.peer_check = peer_check
        self.max_body = max_body
        self.keepalive_timeout = keepalive_timeout
        self.request_timeout = request_timeout
        self.server_name = server_name
        self._slots = threading.BoundedSemaphore(max_connections)
        self._listener: socket.socket | None = None
        self._wakeup_r, self._wakeup_w = os.pipe()
        self._stopping = False
        self._serving = False
        self._stop_lock = threading.Lock()
        self._conns: set[_Connection] = set()
        self._conns_cond = threading.Condition()
        self._dates = _DateCache()

    # --- lifecycle ------------------------------------------------------------

    def Bind(self) -> None:
        """Open the listening socket (call it where failures reach the user)."""
        family = netutils.GetAddressFamily(self.bind_address)
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.bind_address, self.port))
            sock.listen(_LISTEN_BACKLOG)
            sock.setblocking(False)
        except OSError as err:
            sock.close()
            raise errors.HttpError("Cannot listen on %s port %s: %s"
                                   % (self.bind_address, self.port, err)) from err
        self.port = sock.getsockname()[1]
        self._listener = sock

    def Serve(self) -> None:
        """Accept connections until Stop() is called."""
        if self._listener is None:
            self.Bind()
        assert self._listener is not None
        with self._stop_lock:
            if self._stopping:
                return
            self._serving = True
        sel = selectors.DefaultSelector()
        sel.register(self._listener, selectors.EVENT_READ)
        sel.register(self._wakeup_r, selectors.EVENT_READ)
        try:
            while not self._stopping:
                for key, _ in sel.select():
                    if key.fileobj == self._wakeup_r:
                        return
                    self._Accept()
        finally:
            sel.close()
            self._CloseListener()

    def _CloseListener(self) -> None:
        if self._listener is not None:
            self._listener.close()
        os.close(self._wakeup_r)

    def Start(self) -> threading.Thread:
        """Serve in a background thread (tests, embedding)."""
        if self._listener is None:
            self.Bind()
        thread = threading.Thread(target=self.Serve, name="http-accept", daemon=True)
        thread.start()
        return thread

    def Stop(self, timeout: float = 5.0) -> bool:
        """Stop accepting, close idle connections, wait for running requests.

        Returns False if requests were still running after timeout.
        """
        with self._stop_lock:
            if not self._stopping:
                self._stopping = True
                os.write(self._wakeup_w, b"x")
                os.close(self._wakeup_w)
                if not self._serving:
                    self._CloseListener()
        deadline = time.monotonic() + timeout
        with self._conns_cond:
            while self._conns:
                for conn in self._conns:
                    conn.CloseIfIdle()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._conns_cond.wait(min(remaining, 0.1))
        return True

    @property
    def stopping(self) -> bool:
        return self._stopping

    # --- connections ----------------------------------------------------------

    def _Accept(self) -> None:
        assert self._listener is not None
        try:
            sock, peer = self._listener.accept()
        except (BlockingIOError, InterruptedError):
            return
        except OSError as err:  # EMFILE and friends: back off instead of spinning
            logging.error("Cannot accept a connection: %s", err)
            select.select([self._wakeup_r], [], [], _ACCEPT_ERROR_PAUSE)
            return
        if not self._slots.acquire(blocking=False):
            logging.warning("Too many connections, refusing one from %s", peer[0])
            sock.close()
            return
        try:
            threading.Thread(target=self._RunConnection, args=(sock, peer),
                             name="http-conn", daemon=True).start()
        except RuntimeError as err:  # cannot start a thread (memory, limits)
            logging.error("Cannot start a connection thread: %s", err)
            sock.close()
            self._slots.release()

    def _RunConnection(self, sock: socket.socket, peer: Any) -> None:
        conn = None
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.settimeout(HANDSHAKE_TIMEOUT)
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(sock, server_side=True)
                if self.peer_check is not None:
                    self.peer_check(sock)  # type: ignore[arg-type]
            conn = _Connection(self, sock, peer)
            with self._conns_cond:
                self._conns.add(conn)
            if not self._stopping:
                conn.Serve()
        except (OSError, errors.X509CertError) as err:
            logging.info("Connection from %s refused or lost: %s", peer[0], err)
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self._conns_cond:
                self._conns.discard(conn)  # type: ignore[arg-type]
                self._conns_cond.notify_all()
            self._slots.release()

    def DateHeader(self) -> str:
        return self._dates.Get()


class _Connection:
    """The requests of one client connection, served in order."""

    def __init__(self, server: HttpServer, sock: socket.socket, peer: Any):
        self.server = server
        self.sock = sock
        self.peer = peer
        self.rfile = sock.makefile("rb", buffering=_READ_BUFFER)
        self.idle = True
        self._lock = threading.Lock()

    def CloseIfIdle(self) -> None:
        """Wake a connection waiting for its next request so that it ends."""
        with self._lock:
            if self.idle:
                try:
                    socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
                except OSError:
                    pass

    def Serve(self) -> None:
        server = self.server
        try:
            while not server.stopping:
                self.sock.settimeout(server.keepalive_timeout)
                try:
                    line = message.ReadStartLine(self.rfile)
                except http.HttpException as err:
                    self._SendError(err, "HTTP/1.1", close=True)
                    return
                except (message.ConnectionClosed, message.IncompleteMessage, TimeoutError):
                    return
                with self._lock:
                    self.idle = False
                self.sock.settimeout(server.request_timeout)
                keep_alive = self._HandleRequest(line)
                with self._lock:
                    self.idle = True
                if not keep_alive:
                    return
        finally:
            self.rfile.close()

    def _HandleRequest(self, line: str) -> bool:
        """Read, dispatch and answer one request; False to close the connection."""
        server = self.server
        version = "HTTP/1.1"
        close = True
        try:
            method, target, version = message.ParseRequestLine(line)
            headers = message.ReadHeaders(self.rfile)
            close = message.WantsClose(version, headers)
            path, _, query = target.partition("?")
            if not path.startswith("/"):
                raise http.HttpBadRequest("Request target must be an absolute path")
            req = HttpServerRequest(method, path, query, version, headers, self.peer)
            length = message.BodyLength(headers)
            body_unread = bool(length)
            try:
                server.handler.PreHandleRequest(req)
                if length and length > server.max_body:
                    raise http.HttpRequestEntityTooLarge(
                        "Body of %d bytes exceeds the limit of %d" % (length, server.max_body))
                if body_unread and (headers.get("expect") or "").lower() == "100-continue":
                    self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                req.body = message.ReadBody(self.rfile, length, server.max_body)
                body_unread = False
                result = server.handler.HandleRequest(req)
            except http.HttpException:
                if body_unread:
                    close = True  # the unread body would be taken for the next request
                raise
        except http.HttpException as err:
            return self._SendError(err, version, close) and not close
        except (message.IncompleteMessage, message.ConnectionClosed, TimeoutError) as err:
            logging.debug("Request from %s aborted: %s", self.peer[0], err)
            return False
        except OSError as err:
            logging.info("Connection to %s failed: %s", self.peer[0], err)
            return False
        except Exception:  # noqa: BLE001 - a handler bug must not kill the connection thread
            logging.exception("Error while handling %r from %s", line[:200], self.peer[0])
            return (self._SendError(http.HttpInternalServerError("Internal error, see the server log"),
                                    version, close) and not close)
        if isinstance(result, bytes):
            ctype = req.resp_headers.pop(http.HTTP_CONTENT_TYPE, http.HTTP_APP_OCTET_STREAM)
            body = result
        else:
            ctype = http.HTTP_APP_JSON
            body = serializer.DumpJson(result).encode("utf-8")
        return self._Send(req.resp_status, version, ctype, body, req.resp_headers,
                          close, head_only=(method == http.HTTP_HEAD)) and not close

    def _SendError(self, err: http.HttpException, version: str, close: bool) -> bool:
        logging.debug("Answering %s with %d: %s", self.peer[0], err.code, err.message)
        return self._Send(err.code, version, http.HTTP_APP_JSON,
                          FormatErrorBody(err.code, err.message), err.headers, close)

    def _Send(self, status: int, version: str, ctype: str, body: bytes,
              extra: dict[str, str], close: bool, head_only: bool = False) -> bool:
        """Write a response; False if the client is gone."""
        server = self.server
        fields = [(http.HTTP_SERVER, server.server_name), ("Date", server.DateHeader()),
                  (http.HTTP_CONTENT_TYPE, ctype), (http.HTTP_CONTENT_LENGTH, str(len(body)))]
        if close or server.stopping:
            fields.append((http.HTTP_CONNECTION, "close"))
        elif version == "HTTP/1.0":
            fields.append((http.HTTP_CONNECTION, "keep-alive"))
        fields.extend(extra.items())
        head = message.FormatHead("HTTP/1.1 %d %s" % (status, http.StatusReason(status)), fields)
        try:
            if head_only:
                self.sock.sendall(head)
            elif len(body) < _SEPARATE_BODY_WRITE:
                self.sock.sendall(head + body)
            else:
                self.sock.sendall(head)
                self.sock.sendall(body)
        except OSError as err:
            logging.info("Cannot send the response to %s: %s", self.peer[0], err)
            return False
        return True
