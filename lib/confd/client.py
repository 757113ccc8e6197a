"""The confd client library: ask several master candidates, keep the best answer.

A query goes to a random subset of the master candidates (`coverage`, by
default up to CONFD_DEFAULT_REQ_COVERAGE of them). Replies are accepted
only if correctly signed and carrying a salt this client made; each is
passed to the callback as a ConfdUpcallPayload (UPCALL_REPLY), and when a
request leaves the table (every target answered or refused, or
CONFD_CLIENT_EXPIRE_TIMEOUT passed) the callback gets one UPCALL_EXPIRE.
Targets that have not answered are asked again with exponential backoff
until a majority of them has answered.

Costs stay flat however long the client runs: pending requests live in a
dict keyed by salt (one lookup per reply) and their next timer (retry or
expiry) in a heap whose stale entries are pruned in bulk, never rescanned
per reply. A target whose port is closed is noticed from the ICMP error
(IP_RECVERR) and stops counting as awaited, so one dead daemon on a live
host does not stall a query until its timeout.

Blocking use: ConfdClient.Query(type, query, mode) sends, waits and returns
the answer with the highest configuration serial (MODE_BEST), the first
(MODE_FIRST) or all of them (MODE_ALL).
"""

from __future__ import annotations

import errno
import heapq
import itertools
import logging
import os
import random
import select
import socket
import time
from typing import Any, Callable

from ganeti import constants, errors, netutils, ssconf
from ganeti.confd import protocol
from ganeti.utils import text

UPCALL_REPLY = 1
UPCALL_EXPIRE = 2
CONFD_UPCALL_TYPES = frozenset([UPCALL_REPLY, UPCALL_EXPIRE])

MODE_BEST = "best"    # highest serial among a majority of the targets
MODE_FIRST = "first"  # the first valid answer
MODE_ALL = "all"      # every target's answer (until all answered or refused)
MODES = frozenset([MODE_BEST, MODE_FIRST, MODE_ALL])

BLOCKING_TIMEOUT = 2.0   # default wait of Query(); requests still expire after 10 s
BLOCKING_SPIN = 0.0002   # how long a blocking wait polls before it sleeps
RETRY_INTERVAL = 0.25    # first resend to silent targets; doubles each time

_IP_RECVERR = getattr(socket, "IP_RECVERR", 11)        # Linux values; the socket
_IPV6_RECVERR = getattr(socket, "IPV6_RECVERR", 25)    # module lacks them before 3.12
_PEER_ERRNOS = frozenset([errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH,
                          errno.EHOSTDOWN])


class ConfdUpcallPayload:
    """What the callback gets: the reply (or expiry) and the request it belongs to."""

    __slots__ = ("salt", "type", "orig_request", "server_reply", "server_ip", "server_port",
                 "extra_args", "client")

    def __init__(self, salt: str, type: int, orig_request: protocol.ConfdRequest,
                 server_reply: protocol.ConfdReply | None = None, server_ip: str | None = None,
                 server_port: int | None = None, extra_args: Any = None,
                 client: "ConfdClient | None" = None):
        self.salt = salt
        self.type = type
        self.orig_request = orig_request
        self.server_reply = server_reply
        self.server_ip = server_ip
        self.server_port = server_port
        self.extra_args = extra_args
        self.client = client

    def __repr__(self) -> str:
        return "<ConfdUpcallPayload %s from %s: %r>" % (
            "reply" if self.type == UPCALL_REPLY else "expire", self.server_ip, self.server_reply)


def _SaltSource() -> Callable[[], str]:
    """Fresh rsalts: a random per-process prefix and a counter.

    Unique is all a salt must be (replies are authenticated by the HMAC, not
    by the salt being secret), and this is ten times cheaper than uuid4.
    """
    prefix = "%s-" % text.NewUUID()[:23]
    counter = itertools.count()
    return lambda: "%s%012x" % (prefix, next(counter))


_NewSalt = _SaltSource()


def _ReseedSalts() -> None:
    global _NewSalt
    _NewSalt = _SaltSource()


os.register_at_fork(after_in_child=_ReseedSalts)  # a forked child must not repeat our salts


class ConfdClientRequest(protocol.ConfdRequest):
    """A request with the client-side defaults filled in (a fresh rsalt)."""

    def __init__(self, type: int, query: Any = None, rsalt: str | None = None,
                 protocol: int = constants.CONFD_PROTOCOL_VERSION):
        if type not in constants.CONFD_REQS:
            raise errors.ConfdClientError("Invalid request type %r" % (type,))
        super().__init__(type, query=query, rsalt=rsalt or _NewSalt(), protocol=protocol)


class _Pending:
    """One request in flight."""

    __slots__ = ("request", "args", "payload", "targets", "answered", "failed", "replies",
                 "expire", "retry_at", "retry_delay", "deadline")

    def __init__(self, request: protocol.ConfdRequest, args: Any, payload: bytes,
                 targets: list[tuple[str, int]], now: float, retry_interval: float):
        self.request = request
        self.args = args
        self.payload = payload
        self.targets = targets
        self.answered: set[tuple[str, int]] = set()
        self.failed: set[tuple[str, int]] = set()
        self.replies: list[ConfdUpcallPayload] = []
        self.expire = now + constants.CONFD_CLIENT_EXPIRE_TIMEOUT
        self.retry_delay = retry_interval
        self.retry_at = now + retry_interval
        self.deadline = min(self.retry_at, self.expire)

    def Needed(self, mode: str) -> int:
        """Answers that settle the request in mode (fewer if targets refused)."""
        possible = len(self.targets) - len(self.failed)
        if mode == MODE_FIRST:
            wanted = 1
        elif mode == MODE_BEST:
            wanted = len(self.targets) // 2 + 1
        else:
            wanted = possible
        return max(1, min(wanted, possible))

    def Settled(self, mode: str) -> bool:
        return len(self.answered) >= self.Needed(mode)

    def Finished(self) -> bool:
        return len(self.answered) + len(self.failed) >= len(self.targets)


def _Family(peers: list[str]) -> int:
    families = set()
    for peer in peers:
        if netutils.IsValidIP4(peer):
            families.add(socket.AF_INET)
        elif netutils.IsValidIP6(peer):
            families.add(socket.AF_INET6)
        else:
            raise errors.ConfdClientError("Peer %r is not an IP address" % (peer,))
    if len(families) > 1:
        raise errors.ConfdClientError("Peers mix IPv4 and IPv6 addresses")
    return families.pop() if families else socket.AF_INET


class ConfdClient:
    """Sends confd requests and routes the replies to a callback (or to Query)."""

    def __init__(self, hmac_key: bytes, peers: list[str],
                 callback: Callable[[ConfdUpcallPayload], None] | None = None,
                 port: int | None = None, logger: logging.Logger | None = None,
                 retry_interval: float = RETRY_INTERVAL):
        if callback is not None and not callable(callback):
            raise errors.ProgrammerError("callback must be callable")
        self._hmac_key = hmac_key if isinstance(hmac_key, bytes) else hmac_key.encode()
        self._callback = callback
        self._port = port or constants.DEFAULT_CONFD_PORT
        self._logger = logger or logging.getLogger(__name__)
        self._retry_interval = retry_interval
        self._requests: dict[str, _Pending] = {}
        self._timers: list[tuple[float, int, str]] = []
        self._seq = itertools.count()
        self.counters = dict.fromkeys(("sent", "replies", "retries", "expired", "refused",
                                       "discarded_bad", "discarded_unknown",
                                       "discarded_duplicate"), 0)
        self._peers: list[str] = []
        self._socket: socket.socket | None = None
        self.UpdatePeerList(peers)

    # --- peers and socket --------------------------------------------------
    def UpdatePeerList(self, peers: list[str]) -> None:
        """Replace the candidates asked by future requests (same address family)."""
        if not isinstance(peers, list):
            raise errors.ProgrammerError("peers must be a list")
        family = _Family(peers)
        if self._socket is not None and self._socket.family != family:
            raise errors.ConfdClientError("Cannot switch address family of a client")
        self._peers = list(peers)
        if self._socket is None:
            self._OpenSocket(family)

    def _OpenSocket(self, family: int) -> None:
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, _IPV6_RECVERR, 1)
            else:
                sock.setsockopt(socket.IPPROTO_IP, _IP_RECVERR, 1)
        except OSError as err:  # not Linux: no refusal detection, only timeouts
            self._logger.debug("No IP_RECVERR on this system: %s", err)
        sock.setblocking(False)
        self._socket = sock
        self._poller = select.poll()
        self._poller.register(sock, select.POLLIN | select.POLLERR)

    def fileno(self) -> int:
        """The socket to wait on in an external event loop (then call ReceiveReply(0))."""
        return self._socket.fileno()

    def Close(self) -> None:
        if self._socket is not None:
            self._socket.close()

    def __enter__(self) -> "ConfdClient":
        return self

    def __exit__(self, *_exc: Any) -> None:
        self.Close()

    # --- sending -------------------------------------------------------------
    def SendRequest(self, request: protocol.ConfdRequest, args: Any = None,
                    coverage: int = 0) -> None:
        """Send request to coverage random peers (0: the default coverage)."""
        self._SendRequest(request, args, coverage)

    def _SendRequest(self, request: protocol.ConfdRequest, args: Any,
                     coverage: int) -> _Pending:
        if coverage <= 0:
            coverage = min(len(self._peers), constants.CONFD_DEFAULT_REQ_COVERAGE)
        if coverage == 0 or coverage > len(self._peers):
            raise errors.ConfdClientError("Not enough master candidates known (%d) for a"
                                          " coverage of %d" % (len(self._peers), coverage))
        if request.rsalt in self._requests:
            raise errors.ConfdClientError("Duplicate request rsalt %s" % request.rsalt)
        now = time.time()
        try:
            payload = protocol.PackRequest(request, self._hmac_key, now=now)
        except errors.UdpDataSizeError as err:
            raise errors.ConfdClientError("Request too big: %s" % err)
        chosen = self._peers if coverage == len(self._peers) else random.sample(self._peers, coverage)
        targets = [(ip, self._port) for ip in chosen]
        pending = _Pending(request, args, payload, targets, time.monotonic(),
                           self._retry_interval)
        self._requests[request.rsalt] = pending
        self._Schedule(pending, request.rsalt)
        for target in targets:
            self._Send(pending, target)
        return pending

    def _Send(self, pending: _Pending, target: tuple[str, int]) -> None:
        """Send once; a full socket buffer loses the datagram to the retry timer.

        A target we cannot send to at all (no route, forbidden by a firewall)
        counts as refused rather than raising: the other targets may answer.
        """
        for _ in range(2):
            try:
                self._socket.sendto(pending.payload, target)
                self.counters["sent"] += 1
                return
            except BlockingIOError:
                self._logger.debug("Socket full, leaving %s to the retry timer", target[0])
                return
            except OSError as err:
                if err.errno != errno.ECONNREFUSED:
                    self._logger.warning("Cannot send to confd on %s: %s", target[0], err)
                    self._MarkFailed(pending, target)
                    return
                self._DrainErrors()  # an earlier datagram's refusal surfaced here

    def _MarkFailed(self, pending: _Pending, target: tuple[str, int]) -> None:
        if target in pending.failed or target in pending.answered:
            return
        self.counters["refused"] += 1
        pending.failed.add(target)
        salt = pending.request.rsalt
        if pending.Finished() and self._requests.get(salt) is pending:
            self._Finish(salt, pending)

    def _Schedule(self, pending: _Pending, salt: str) -> None:
        heapq.heappush(self._timers, (pending.deadline, next(self._seq), salt))
        # completed requests leave entries behind; rebuild before they dominate
        if len(self._timers) > 2 * len(self._requests) + 64:
            self._timers = [(p.deadline, next(self._seq), s) for s, p in self._requests.items()]
            heapq.heapify(self._timers)

    # --- timers ----------------------------------------------------------------
    def ExpireRequests(self) -> None:
        """Run due retries and expiries (cheap when nothing is due)."""
        now = time.monotonic()
        while self._timers and self._timers[0][0] <= now:  # _Schedule may rebuild the heap
            deadline, _, salt = heapq.heappop(self._timers)
            pending = self._requests.get(salt)
            if pending is None or pending.deadline != deadline:
                continue  # finished, or rescheduled: a stale entry
            if now >= pending.expire:
                self.counters["expired"] += 1
                self._Finish(salt, pending)
                continue
            if not pending.Settled(MODE_BEST):
                for target in pending.targets:
                    if target not in pending.answered and target not in pending.failed:
                        self.counters["retries"] += 1
                        self._Send(pending, target)
                pending.retry_delay *= 2
                pending.retry_at = now + pending.retry_delay
            else:
                pending.retry_at = pending.expire
            pending.deadline = min(pending.retry_at, pending.expire)
            self._Schedule(pending, salt)

    def _NextTimer(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def _Finish(self, salt: str, pending: _Pending) -> None:
        del self._requests[salt]
        if self._callback is not None:
            self._callback(ConfdUpcallPayload(salt, UPCALL_EXPIRE, pending.request,
                                              extra_args=pending.args, client=self))

    def CancelRequest(self, salt: str) -> None:
        """Forget a request now (its UPCALL_EXPIRE is delivered at once)."""
        pending = self._requests.get(salt)
        if pending is not None:
            self._Finish(salt, pending)

    # --- receiving -------------------------------------------------------------
    def ReceiveReply(self, timeout: float = 1.0, spin: float = BLOCKING_SPIN) -> bool:
        """Wait up to timeout for one datagram and handle it; False if none came.

        Retries and expiries that fall due while waiting are run too. While
        requests are in flight, the first `spin` seconds poll without
        sleeping, as in WaitForReply.
        """
        start = time.monotonic()
        end = start + timeout
        spin_end = start + spin if self._requests else start
        while True:
            if self._Poll(end, sleep=time.monotonic() >= spin_end):
                return True
            if time.monotonic() >= end:
                return False

    def _Poll(self, end: float, sleep: bool = True) -> bool:
        """Handle one datagram (True), or wait until the next timer, refusal or end.

        With sleep=False it only looks: the caller is spinning.
        """
        try:
            datagram, peer = self._socket.recvfrom(protocol.MAX_DATAGRAM + 1)
        except BlockingIOError:
            pass
        except OSError as err:
            if err.errno not in _PEER_ERRNOS:
                raise
            self._DrainErrors()
            return False
        else:
            self.HandleResponse(datagram, peer[0], peer[1])
            return True
        self.ExpireRequests()
        if not sleep:
            return False
        now = time.monotonic()
        wake = end
        next_timer = self._NextTimer()
        if next_timer is not None and next_timer < wake:
            wake = next_timer
        if wake > now:
            self._poller.poll((wake - now) * 1000 + 0.5)
        self.ExpireRequests()
        return False

    def HandleResponse(self, payload: bytes, ip: str, port: int) -> None:
        """Process one received datagram (also usable with an external socket loop)."""
        try:
            try:
                reply, salt = protocol.UnpackReply(payload, self._hmac_key)
            except protocol.ConfdDropError as err:
                self.counters["discarded_bad"] += 1
                self._logger.debug("Discarding a broken reply from %s: %s", ip, err)
                return
            pending = self._requests.get(salt)
            if pending is None:
                self.counters["discarded_unknown"] += 1
                self._logger.debug("Discarding a reply to an unknown (expired?) query %s", salt)
                return
            peer = (ip, port)
            if peer in pending.answered:
                self.counters["discarded_duplicate"] += 1
                return
            pending.answered.add(peer)
            self.counters["replies"] += 1
            upcall = ConfdUpcallPayload(salt, UPCALL_REPLY, pending.request, server_reply=reply,
                                        server_ip=ip, server_port=port,
                                        extra_args=pending.args, client=self)
            pending.replies.append(upcall)
            if self._callback is not None:
                self._callback(upcall)
            if pending.Finished() and salt in self._requests:
                self._Finish(salt, pending)
        finally:
            self.ExpireRequests()

    def _DrainErrors(self) -> None:
        """Read ICMP errors (IP_RECVERR): each names a target that will not answer."""
        while True:
            try:
                datagram, _anc, _flags, peer = self._socket.recvmsg(
                    protocol.MAX_DATAGRAM, 1024, socket.MSG_ERRQUEUE)
            except OSError:
                return  # queue empty (EAGAIN), or no error queue on this system
            try:
                data, _ = protocol.UnpackSigned(datagram, self._hmac_key)
                salt = data["rsalt"]
            except (protocol.ConfdDropError, TypeError, KeyError):
                continue  # not one of our requests (or truncated): nothing to learn
            pending = self._requests.get(salt)
            target = (peer[0], peer[1])
            if pending is not None and target in pending.targets:
                self._logger.debug("Confd on %s refused query %s", target[0], salt)
                self._MarkFailed(pending, target)

    # --- blocking interface ------------------------------------------------
    def GetReplies(self, salt: str) -> list[ConfdUpcallPayload]:
        """The replies received so far for a pending request."""
        pending = self._requests.get(salt)
        return list(pending.replies) if pending is not None else []

    def WaitForReply(self, salt: str, timeout: float = constants.CONFD_CLIENT_EXPIRE_TIMEOUT,
                     mode: str = MODE_BEST, spin: float = BLOCKING_SPIN) -> bool:
        """Wait until mode is settled for salt; False on timeout or expiry.

        For the first `spin` seconds the socket is polled without sleeping:
        an answer typically arrives within tens of microseconds, and being
        woken from poll() would cost about as much again (see doc/confd.md).
        """
        pending = self._requests.get(salt)
        if pending is None:
            return False
        start = time.monotonic()
        end = start + timeout
        spin_end = start + spin
        while True:
            if pending.Settled(mode):
                return True
            if salt not in self._requests:  # finished without settling (refusals, expiry)
                return False
            now = time.monotonic()
            if now >= end:
                return False
            self._Poll(end, sleep=now >= spin_end)

    def Query(self, request_type: int, query: Any = None, mode: str = MODE_BEST,
              timeout: float = BLOCKING_TIMEOUT, coverage: int = 0) -> Any:
        """Ask and wait: a ConfdUpcallPayload (MODE_BEST, MODE_FIRST) or a list (MODE_ALL).

        MODE_BEST returns, among the replies that arrived before a majority
        of the targets answered or timeout passed, the one with the highest
        serial. ConfdClientError if no reply arrived at all.
        """
        if mode not in MODES:
            raise errors.ProgrammerError("Unknown confd query mode %r" % (mode,))
        request = ConfdClientRequest(request_type, query=query)
        pending = self._SendRequest(request, None, coverage)
        salt = request.rsalt
        try:
            self.WaitForReply(salt, timeout=timeout, mode=mode)
        finally:
            self.CancelRequest(salt)
        replies = pending.replies
        if not replies:
            raise errors.ConfdClientError("No answer from confd on %s within %ss"
                                          % (", ".join(t[0] for t in pending.targets), timeout))
        if mode == MODE_ALL:
            return list(replies)
        if mode == MODE_FIRST:
            return replies[0]
        return max(replies, key=lambda up: up.server_reply.serial)


def GetConfdClient(callback: Callable[[ConfdUpcallPayload], None] | None = None,
                   peers: list[str] | None = None, hmac_key: bytes | None = None,
                   port: int | None = None) -> ConfdClient:
    """A client for this node's cluster: peers from ssconf, key from hmac.key."""
    if peers is None:
        peers = ssconf.SimpleStore().GetMasterCandidatesIPList()
    if hmac_key is None:
        hmac_key = protocol.ReadHmacKey()
    return ConfdClient(hmac_key, peers, callback, port=port)


class ConfdFilterCallback:
    """Passes on only replies that say something new for their query.

    The first reply of a query goes through; later ones only if their serial
    is higher and their answer differs. Same-serial replies with a different
    answer are logged as an inconsistency among the candidates.
    """

    def __init__(self, callback: Callable[[ConfdUpcallPayload], None],
                 logger: logging.Logger | None = None):
        if not callable(callback):
            raise errors.ProgrammerError("callback must be callable")
        self._callback = callback
        self._logger = logger or logging.getLogger(__name__)
        self._best: dict[str, protocol.ConfdReply] = {}

    def _IsNews(self, up: ConfdUpcallPayload) -> bool:
        new = up.server_reply
        old = self._best.get(up.salt)
        if old is None:
            self._best[up.salt] = new
            return True
        if new.serial > old.serial:
            self._best[up.salt] = new
            return new.answer != old.answer
        if new.serial == old.serial and new.answer != old.answer:
            self._logger.warning("Incoherent confd answers for query %s at serial %d",
                                 up.salt, new.serial)
        return False

    def __call__(self, up: ConfdUpcallPayload) -> None:
        if up.type == UPCALL_REPLY:
            if not self._IsNews(up):
                return
        elif up.type == UPCALL_EXPIRE:
            self._best.pop(up.salt, None)
        self._callback(up)


class StoreResultCallback:
    """Keeps every reply by salt, for callers that poll instead of reacting."""

    def __init__(self) -> None:
        self._answers: dict[str, list[ConfdUpcallPayload]] = {}

    def GetResponses(self, salt: str) -> list[ConfdUpcallPayload]:
        return self._answers.get(salt, [])

    def Forget(self, salt: str) -> None:
        self._answers.pop(salt, None)

    def __call__(self, up: ConfdUpcallPayload) -> None:
        if up.type == UPCALL_REPLY:
            self._answers.setdefault(up.salt, []).append(up)
