"""The luxi server: the master socket, one thread per connection.

The server only frames, parses and answers; what a method does is the
handler's business (ganeti.server.masterd). Nothing a client sends can stop
it: malformed JSON, unknown methods, wrong arguments, oversized messages and
handler bugs all become error replies (an oversized message also closes that
connection, since the rest of its stream cannot be trusted).
"""

from __future__ import annotations

import logging
import os
import socket
import stat
import threading
from typing import Any, Callable

from ganeti import errors
from ganeti.luxi import protocol as lp

Handler = Callable[[str, Any], Any]
_SOCKET_MODE = 0o660


class LuxiServer:
    """Listens on a Unix socket and calls handler(method, args) for each request."""

    def __init__(self, address: str, handler: Handler,
                 max_message_size: int = lp.MAX_MESSAGE_SIZE, max_connections: int = 256):
        self.address = address
        self._handler = handler
        self._max_size = max_message_size
        self._max_connections = max_connections
        self._lock = threading.Lock()
        self._connections: dict[int, socket.socket] = {}
        self._counter = 0
        self._listener: socket.socket | None = None
        self._accept_thread: threading.Thread | None = None
        self._stopping = False

    def Start(self) -> None:
        """Bind (replacing a stale socket file) and start accepting."""
        if os.path.exists(self.address) and stat.S_ISSOCK(os.lstat(self.address).st_mode):
            os.unlink(self.address)
        os.makedirs(os.path.dirname(self.address), exist_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.address)
            os.chmod(self.address, _SOCKET_MODE)
            listener.listen(128)
        except OSError:
            listener.close()
            raise
        self._listener = listener
        self._accept_thread = threading.Thread(target=self._AcceptLoop, name="LuxiAccept",
                                               daemon=True)
        self._accept_thread.start()

    def Stop(self) -> None:
        """Stop accepting, end idle connections, remove the socket file.

        Requests being handled finish and are answered; their connection
        then ends.
        """
        with self._lock:
            self._stopping = True
            conns = list(self._connections.values())
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
        if self._accept_thread is not None:
            self._accept_thread.join()
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RD)
            except OSError:
                pass
        try:
            os.unlink(self.address)
        except FileNotFoundError:
            pass

    def _AcceptLoop(self) -> None:
        assert self._listener is not None
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                with self._lock:
                    if self._stopping:
                        return
                logging.exception("Accepting a luxi connection failed")
                continue
            with self._lock:
                if self._stopping:
                    conn.close()
                    return
                busy = len(self._connections) >= self._max_connections
                self._counter += 1
                conn_id = self._counter
                if not busy:
                    self._connections[conn_id] = conn
            if busy:
                self._Refuse(conn)
                continue
            threading.Thread(target=self._Serve, args=(conn_id, conn),
                             name="LuxiClient%d" % conn_id, daemon=True).start()

    def _Refuse(self, conn: socket.socket) -> None:
        logging.warning("Refusing a luxi connection: %d connections open",
                        self._max_connections)
        try:
            lp.Transport(sock=conn, timeouts=(1, 1)).Send(self._ErrorReply(
                errors.LuxiError("Too many connections to the master daemon")))
        except errors.ProtocolError:
            pass
        conn.close()

    def _Serve(self, conn_id: int, conn: socket.socket) -> None:
        transport = lp.Transport(sock=conn, max_size=self._max_size)
        try:
            while True:
                try:
                    msg = transport.Recv(timeout=None)
                except errors.ConnectionClosedError:
                    return
                except errors.ProtocolError as err:
                    transport.Send(self._ErrorReply(err))
                    return
                transport.Send(self._HandleMessage(msg))
        except errors.ProtocolError as err:
            logging.debug("Luxi connection %d: %s", conn_id, err)
        finally:
            with self._lock:
                self._connections.pop(conn_id, None)
            conn.close()

    def _HandleMessage(self, msg: bytes) -> bytes:
        method = "?"
        try:
            method, args = lp.ParseRequest(msg)
            result = self._handler(method, args)
            return lp.FormatResponse(True, result)
        except errors.GenericError as err:
            logging.debug("Luxi request %s failed: %s", method, err)
            return self._ErrorReply(err)
        except Exception as err:  # noqa: BLE001 - a handler bug must not kill the server
            logging.exception("Unexpected error handling luxi request %s", method)
            return self._ErrorReply(errors.GenericError("Internal error in %s: %s"
                                                        % (method, err)))

    @staticmethod
    def _ErrorReply(err: errors.GenericError) -> bytes:
        try:
            return lp.FormatResponse(False, errors.EncodeException(err))
        except errors.ProgrammerError:
            return lp.FormatResponse(False, errors.EncodeException(
                errors.GenericError(str(err))))
