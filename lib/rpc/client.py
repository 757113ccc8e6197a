"""The transport of RPC: one procedure, many nodes, in parallel, one result each.

A call to N nodes runs N requests at once (the calling thread takes one of
them, reused worker threads the others), each with the procedure's timeout,
and returns when the last has answered or timed out: a slow or dead node
costs its own timeout, never the other nodes' results. Connections to each node are kept alive between calls
(ganeti.http.client), so a call normally costs one round trip.

Results are RpcResult objects: the payload on success, otherwise a failure
message saying which node, which procedure and what went wrong. Offline
nodes are not contacted and get an "offline" result.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import Any, Callable, Iterable, NamedTuple

from ganeti import constants, errors, http, pathutils, serializer
from ganeti.http import client as http_client
from ganeti.http import tls

OFFLINE_MSG = "Node is marked offline"


class RpcResult:
    """The outcome of one procedure on one node.

    fail_msg is None on success (payload holds the result), else the error
    message (payload is None). offline marks nodes that were not contacted.
    """

    __slots__ = ("node", "call", "offline", "fail_msg", "payload")

    def __init__(self, node: str, call: str, payload: Any = None,
                 fail_msg: str | None = None, offline: bool = False):
        self.node = node
        self.call = call
        self.payload = payload
        self.fail_msg = fail_msg
        self.offline = offline

    def Raise(self, msg: str | None = None, prereq: bool = False,
              ecode: str | None = None) -> None:
        """Raise OpExecError (or OpPrereqError with prereq) if the call failed."""
        if not self.fail_msg:
            return
        if msg:
            text = "%s: %s" % (msg, self.fail_msg)
        else:
            text = "Call '%s' to node '%s' has failed: %s" % (self.call, self.node, self.fail_msg)
        if prereq:
            raise errors.OpPrereqError(text, ecode or errors.ECODE_ENVIRON)
        raise errors.OpExecError(text)

    def __repr__(self) -> str:
        state = "offline" if self.offline else ("failed: %s" % self.fail_msg if self.fail_msg
                                                else "ok")
        return "<RpcResult %s on %s: %s>" % (self.call, self.node, state)


class Target(NamedTuple):
    """A node to call: its name, its address (None: unresolvable), offline flag."""

    name: str
    address: str | None
    offline: bool = False


def ParseReply(node: str, call: str, response: http_client.HttpResponse) -> RpcResult:
    """The RpcResult of a node daemon's HTTP response."""
    try:
        data = response.GetJson()
    except http.HttpClientError as err:
        return RpcResult(node, call, fail_msg="Invalid reply (HTTP %d): %s"
                         % (response.status, err))
    if response.status != 200:
        explain = data.get("explain") if isinstance(data, dict) else None
        return RpcResult(node, call, fail_msg="Error %d: %s" % (
            response.status, explain or http.StatusReason(response.status)))
    if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], bool)):
        return RpcResult(node, call, fail_msg="Invalid reply format: %r" % (data,))
    success, payload = data
    if success:
        return RpcResult(node, call, payload=payload)
    return RpcResult(node, call, fail_msg=str(payload))


class _WorkerPool:
    """Threads reused across calls, started on demand so that no call ever waits.

    Submit hands a task to an idle thread, or starts a new one when none is
    idle: a call's requests always run at once, however many slow calls are
    in flight. Threads idle for IDLE_EXIT seconds end.
    """

    IDLE_EXIT = 60.0

    def __init__(self) -> None:
        self._Reset()
        # A forked child (a daemon detaching after an RPC in its start-up
        # checks) has none of the parent's threads: counting them as idle
        # would leave its calls waiting forever.
        os.register_at_fork(after_in_child=self._Reset)

    def _Reset(self) -> None:
        self._lock = threading.Lock()
        self._idle = 0  # threads waiting for a task that no Submit has claimed yet
        self._tasks: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()

    def Submit(self, fn: Callable[[], None]) -> None:
        with self._lock:
            start = self._idle == 0
            if not start:
                self._idle -= 1
        self._tasks.put(fn)
        if start:
            threading.Thread(target=self._Work, name="rpc-worker", daemon=True).start()

    def _Work(self) -> None:
        while True:
            try:
                fn = self._tasks.get(timeout=self.IDLE_EXIT)
            except queue.Empty:
                with self._lock:
                    if self._idle > 0:  # nobody counts on this thread: end it
                        self._idle -= 1
                        return
                continue  # a task was claimed for a waiting thread: stay
            try:
                fn()
            except Exception:  # noqa: BLE001 - never lose a worker to a bug
                logging.exception("RPC worker task failed")
            with self._lock:
                self._idle += 1


_WORKERS = _WorkerPool()


class RpcClient:
    """Sends procedure calls to node daemons over TLS with the cluster certificate.

    The certificate is loaded on first use, so that creating a client never
    fails (e.g. in a masterd that starts before the file is readable); errors
    loading it become every call's failure message.
    """

    def __init__(self, port: int = constants.DEFAULT_NODED_PORT, cert_file: str | None = None):
        self.port = port
        self.cert_file = cert_file or pathutils.NODED_CERT_FILE
        self._pool: http_client.HttpClientPool | None = None
        self._lock = threading.Lock()

    def _GetPool(self) -> http_client.HttpClientPool:
        with self._lock:
            if self._pool is None:
                ctx, check = tls.ClusterClientContext(self.cert_file)
                self._pool = http_client.HttpClientPool(ctx, check,
                                                        connect_timeout=constants.RPC_CONNECT_TIMEOUT)
            return self._pool

    def Close(self) -> None:
        """Drop kept-alive connections (and reload the certificate on next use)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.CloseAll()

    def Call(self, procedure: str, targets: Iterable[Target], body: bytes,
             timeout: float) -> dict[str, RpcResult]:
        """POST body to /procedure on every target, in parallel: {name: RpcResult}."""
        results: dict[str, RpcResult] = {}
        pending = []
        for target in targets:
            if target.offline:
                results[target.name] = RpcResult(target.name, procedure, fail_msg=OFFLINE_MSG,
                                                  offline=True)
            elif target.address is None:
                results[target.name] = RpcResult(target.name, procedure,
                                                  fail_msg="Node address cannot be resolved")
            else:
                pending.append(target)
        if not pending:
            return results
        try:
            pool = self._GetPool()
        except errors.GenericError as err:
            for target in pending:
                results[target.name] = RpcResult(target.name, procedure,
                                                  fail_msg="Cannot set up RPC: %s" % err)
            return results
        lock = threading.Lock()
        done = threading.Event()
        remaining = [len(pending)]

        def _Run(target: Target) -> None:
            result = self._CallOne(pool, procedure, target, body, timeout)
            with lock:
                results[target.name] = result
                remaining[0] -= 1
                if remaining[0] == 0:
                    done.set()

        for target in pending[1:]:
            _WORKERS.Submit(lambda t=target: _Run(t))
        _Run(pending[0])
        done.wait()
        return results

    def _CallOne(self, pool: http_client.HttpClientPool, procedure: str, target: Target,
                 body: bytes, timeout: float) -> RpcResult:
        assert target.address is not None
        try:
            response = pool.Request(target.address, self.port, http.HTTP_POST, "/" + procedure,
                                    body, {http.HTTP_CONTENT_TYPE: http.HTTP_APP_JSON},
                                    timeout=timeout)
        except http.HttpClientError as err:
            msg = "Error while calling %s on node %s (%s): %s" % (procedure, target.name,
                                                                   target.address, err)
            logging.warning(msg)
            return RpcResult(target.name, procedure, fail_msg=msg)
        except Exception as err:  # noqa: BLE001 - one node's bug must not lose the others
            logging.exception("Unexpected error calling %s on %s", procedure, target.name)
            return RpcResult(target.name, procedure, fail_msg="Internal error: %s" % err)
        return ParseReply(target.name, procedure, response)


def EncodeBody(args: list[Any]) -> bytes:
    """The JSON request body of a call."""
    return serializer.DumpJson(args).encode("utf-8")
