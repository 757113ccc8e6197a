"""The confd server: answers signed UDP queries from the loaded configuration.

Three parts, so that each can be tested alone:

- ConfdProcessor turns one datagram into one reply datagram (or None):
  verify, dispatch to querylib, sign. It never raises for bad input; it
  counts every dropped datagram by reason (protocol.DROP_REASONS, plus
  "not_serving" when this node is no master candidate or has no config).
- ConfigReloader keeps the processor's configuration and key in step with
  config.data and hmac.key, through ganeti.utils.filewatch: reloads are
  rate-limited (CONFD_CONFIG_RELOAD_RATELIMIT) and a forced check runs every
  CONFD_CONFIG_RELOAD_TIMEOUT seconds; a file that fails to load leaves the
  previous configuration in service; a removed config.data (the node was
  demoted) stops answers until one comes back.
- ConfdServer owns the UDP socket and the receive loop.

Replies for a (type, query) are cached until the next configuration load:
the answer depends only on the configuration, and only the signature
(over the query's rsalt) is computed per query.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import Any

from ganeti import constants, errors, serializer
from ganeti.confd import protocol, querylib
from ganeti.confd.view import ConfigView
from ganeti.utils import filewatch

NOT_SERVING = "not_serving"
_CACHE_MAX = 4096
_RCVBUF = 4 * 1024 * 1024


class _Served:
    """One configuration in service: the view, whether we answer, the reply cache."""

    __slots__ = ("view", "serving", "cache")

    def __init__(self, view: ConfigView | None, serving: bool):
        self.view = view
        self.serving = serving
        self.cache: dict[Any, str] = {}


class ConfdProcessor:
    """Datagram in, datagram out; safe to feed with anything from the network."""

    def __init__(self, hmac_key: bytes, node_name: str):
        self._key = hmac_key
        self.node_name = node_name
        self._served = _Served(None, False)
        self.started = time.time()
        self.counters: dict[str, int] = dict.fromkeys(
            ("received", "answered", "send_errors", "internal_errors", "reloads",
             "reload_failures", NOT_SERVING) + protocol.DROP_REASONS, 0)

    # --- configuration ---------------------------------------------------
    @property
    def view(self) -> ConfigView | None:
        return self._served.view

    @property
    def serving(self) -> bool:
        return self._served.serving

    def SetConfig(self, view: ConfigView | None) -> None:
        """Put a configuration in service (None: stop answering)."""
        serving = view is not None and view.IsMasterCandidate(self.node_name)
        if view is not None and not serving:
            logging.warning("Node %s is not a master candidate in configuration serial %d;"
                            " not answering queries", self.node_name, view.serial)
        self._served = _Served(view, serving)  # one assignment: queries see old or new

    def SetHmacKey(self, key: bytes) -> None:
        self._key = key

    # --- queries ---------------------------------------------------------
    def ExecQuery(self, datagram: bytes, now: float | None = None) -> bytes | None:
        """The signed reply to a query datagram, or None to stay silent."""
        counters = self.counters
        counters["received"] += 1
        key = self._key
        try:
            request = protocol.UnpackRequest(datagram, key, now)
        except protocol.ConfdDropError as err:
            counters[err.reason] += 1
            logging.debug("Dropped datagram: %s", err)
            return None
        served = self._served
        # statistics are about this daemon, not the configuration: always answered
        if not served.serving and request.type != constants.CONFD_REQ_SERVER_STATS:
            counters[NOT_SERVING] += 1
            return None
        msg = self._ReplyMessage(served, request)
        try:
            reply = protocol.PackSignedMessage(msg, request.rsalt, key)
        except errors.UdpDataSizeError as err:
            logging.warning("Answer to query type %d too large for UDP: %s", request.type, err)
            msg = self._Serialise(served, querylib.INTERNAL_ERROR)
            reply = protocol.PackSignedMessage(msg, request.rsalt, key)
        counters["answered"] += 1
        return reply

    def _ReplyMessage(self, served: _Served, request: protocol.ConfdRequest) -> str:
        if request.type == constants.CONFD_REQ_SERVER_STATS:
            return self._Serialise(served, (constants.CONFD_REPL_STATUS_OK, self.GetStats()))
        query = request.query
        cache_key = (request.type, query if query is None or isinstance(query, str)
                     else serializer.DumpJson(query))
        msg = served.cache.get(cache_key)
        if msg is None:
            try:
                result = querylib.ExecQuery(served.view, request.type, query)
            except Exception:  # noqa: BLE001 - one bad handler must not stop the server
                logging.exception("Query type %d (%r) failed", request.type, query)
                self.counters["internal_errors"] += 1
                return self._Serialise(served, querylib.INTERNAL_ERROR)
            msg = self._Serialise(served, result)
            if len(served.cache) >= _CACHE_MAX:
                served.cache.clear()
            served.cache[cache_key] = msg
        return msg

    @staticmethod
    def _Serialise(served: _Served, result: querylib.Result) -> str:
        status, answer = result
        serial = served.view.serial if served.view is not None else 0
        return serializer.DumpJson(protocol.ConfdReply(status, answer, serial).ToDict())

    # --- statistics ------------------------------------------------------
    def GetStats(self) -> dict[str, Any]:
        """Counters and state, as answered to CONFD_REQ_SERVER_STATS and logged on SIGUSR1."""
        view = self._served.view
        return {"node": self.node_name, "serving": self._served.serving,
                "serial": view.serial if view is not None else None,
                "uptime": round(time.time() - self.started, 3),
                "counters": dict(self.counters)}

    def LogStats(self) -> None:
        stats = self.GetStats()
        logging.info("confd statistics: node %s, serving %s, serial %s, uptime %.0fs, %s",
                     stats["node"], stats["serving"], stats["serial"], stats["uptime"],
                     ", ".join("%s=%d" % kv for kv in sorted(stats["counters"].items())))


class ConfigReloader:
    """Loads config.data and hmac.key into a processor, now and whenever they change."""

    def __init__(self, processor: ConfdProcessor, cfg_file: str, key_file: str,
                 poll_interval: float = 0.5):
        self._processor = processor
        self._cfg_file = cfg_file
        self._key_file = key_file
        self._lock = threading.Lock()
        self._watchers = [
            filewatch.FileWatcher(cfg_file, self.ReloadConfig,
                                  check_interval=constants.CONFD_CONFIG_RELOAD_TIMEOUT,
                                  min_interval=constants.CONFD_CONFIG_RELOAD_RATELIMIT,
                                  poll_interval=poll_interval),
            filewatch.FileWatcher(key_file, self.ReloadKey,
                                  check_interval=constants.CONFD_CONFIG_RELOAD_TIMEOUT,
                                  min_interval=constants.CONFD_CONFIG_RELOAD_RATELIMIT,
                                  poll_interval=poll_interval),
        ]

    def LoadInitial(self) -> ConfigView:
        """Load both files once; errors propagate (the daemon cannot start without them)."""
        with self._lock:
            self._processor.SetHmacKey(protocol.ReadHmacKey(self._key_file))
            view = ConfigView.LoadFile(self._cfg_file)
            self._processor.SetConfig(view)
        logging.info("Loaded configuration serial %d (%d nodes, %d instances)",
                     view.serial, len(view.nodes), len(view.instance_names))
        return view

    def ReloadConfig(self) -> None:
        """Called on change: swap in the new configuration if it loads."""
        with self._lock:
            counters = self._processor.counters
            if not os.path.exists(self._cfg_file):
                if self._processor.view is not None:
                    logging.warning("%s was removed; not answering until it is back",
                                    self._cfg_file)
                self._processor.SetConfig(None)
                return
            try:
                view = ConfigView.LoadFile(self._cfg_file)
            except Exception as err:  # noqa: BLE001 - any bad file keeps the old config
                counters["reload_failures"] += 1
                old = self._processor.view
                logging.error("Cannot load %s, keeping serial %s in service: %s",
                              self._cfg_file, old.serial if old else None, err,
                              exc_info=not isinstance(err, errors.ConfigurationError))
                return
            counters["reloads"] += 1
            self._processor.SetConfig(view)
            logging.info("Reloaded configuration serial %d", view.serial)

    def ReloadKey(self) -> None:
        with self._lock:
            try:
                self._processor.SetHmacKey(protocol.ReadHmacKey(self._key_file))
            except errors.ConfigurationError as err:
                logging.error("Keeping the previous confd key: %s", err)
                return
            logging.info("Reloaded the confd HMAC key")

    def Start(self) -> None:
        for watcher in self._watchers:
            watcher.Start()

    def Stop(self) -> None:
        for watcher in self._watchers:
            watcher.Stop()


class ConfdServer:
    """The UDP socket and the loop that answers from it (single-threaded)."""

    def __init__(self, processor: ConfdProcessor, address: str, port: int):
        self._processor = processor
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_DGRAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _RCVBUF)
            self.socket.bind((address, port))
        except OSError:
            self.socket.close()
            raise
        self.address = self.socket.getsockname()

    def Serve(self, stop: threading.Event) -> None:
        """Answer until stop is set (and Wake() called to interrupt the receive)."""
        recvfrom = self.socket.recvfrom
        sendto = self.socket.sendto
        execute = self._processor.ExecQuery
        counters = self._processor.counters
        bufsize = protocol.MAX_DATAGRAM + 1  # one more: oversized datagrams show as such
        while not stop.is_set():
            datagram, peer = recvfrom(bufsize)
            if peer is None:  # Wake(): the read side is shut, nothing more will arrive
                break
            reply = execute(datagram)
            if reply is not None:
                try:
                    sendto(reply, peer)
                except OSError as err:
                    counters["send_errors"] += 1
                    logging.debug("Cannot answer %s: %s", peer, err)

    def Wake(self) -> None:
        """Interrupt a blocked receive (safe from a signal handler)."""
        try:
            self.socket.shutdown(socket.SHUT_RD)
        except OSError:
            pass  # ENOTCONN on an unconnected UDP socket; the wakeup still happens

    def Close(self) -> None:
        self.socket.close()
