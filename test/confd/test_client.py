"""Tests for ganeti.confd.client against in-process servers on 127.x.y.z."""

import contextlib
import socket
import threading
import time

import confdtest
import pytest

from ganeti import constants as C
from ganeti import errors, pathutils
from ganeti.confd import client, protocol, server

KEY = confdtest.NewHmacKey()
ROLE_QUERY = (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(3))


def Processor(net, serial, node=2):
    proc = server.ConfdProcessor(KEY, confdtest.NodeName(node))
    proc.SetConfig(confdtest.ViewOf(confdtest.MakeConfig(net, serial=serial)))
    return proc


class DropFirst:
    """A processor that ignores the first datagram of every request (lost packets)."""

    def __init__(self, inner):
        self._inner = inner
        self.counters = inner.counters
        self.seen = set()

    def ExecQuery(self, datagram):
        if datagram in self.seen:
            return self._inner.ExecQuery(datagram)
        self.seen.add(datagram)
        return None


@contextlib.contextmanager
def Serving(processor, ip, port=0):
    srv = server.ConfdServer(processor, ip, port)
    stop = threading.Event()
    thread = threading.Thread(target=srv.Serve, args=(stop,), daemon=True)
    thread.start()
    try:
        yield srv.address[1]
    finally:
        stop.set()
        srv.Wake()
        thread.join(5)
        srv.Close()


def test_best_mode_prefers_the_highest_serial(net):
    with Serving(Processor(net, 5), net + ".1") as port:
        with Serving(Processor(net, 9), net + ".2", port):
            with client.ConfdClient(KEY, [net + ".1", net + ".2"], port=port) as cl:
                for _ in range(10):  # whichever answers first, the fresher one wins
                    up = cl.Query(*ROLE_QUERY, coverage=2)
                    assert up.server_reply.serial == 9 and up.server_ip == net + ".2"
                ups = cl.Query(*ROLE_QUERY, mode=client.MODE_ALL)
                assert sorted(u.server_reply.serial for u in ups) == [5, 9]
                first = cl.Query(*ROLE_QUERY, mode=client.MODE_FIRST)
                assert first.server_reply.answer == C.CONFD_NODE_ROLE_REGULAR


def test_refused_target_does_not_stall_the_query(net):
    with Serving(Processor(net, 5), net + ".1") as port:
        with client.ConfdClient(KEY, [net + ".1", net + ".2"], port=port) as cl:
            start = time.monotonic()
            up = cl.Query(*ROLE_QUERY, coverage=2, timeout=8)
            assert time.monotonic() - start < 4  # not the 8 s timeout
            assert up.server_ip == net + ".1"
            assert cl.counters["refused"] == 1
            ups = cl.Query(*ROLE_QUERY, coverage=2, mode=client.MODE_ALL, timeout=8)
            assert [u.server_ip for u in ups] == [net + ".1"]


def test_all_targets_refusing_raises(net):
    with client.ConfdClient(KEY, [net + ".1"]) as cl:
        with pytest.raises(errors.ConfdClientError, match="No answer"):
            cl.Query(C.CONFD_REQ_PING, timeout=5)
        assert cl.counters["refused"] == 1


def test_lost_datagrams_are_resent(net):
    with Serving(DropFirst(Processor(net, 5)), net + ".1") as port:
        with client.ConfdClient(KEY, [net + ".1"], port=port, retry_interval=0.02) as cl:
            up = cl.Query(C.CONFD_REQ_PING, timeout=5)
            assert up.server_reply.answer == "ok"
            assert cl.counters["retries"] >= 1


class FakeServer:
    """A socket that receives queries and answers whatever the test wants."""

    def __init__(self, ip, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, port))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]

    def Receive(self):
        datagram, peer = self.sock.recvfrom(65536)
        return protocol.UnpackRequest(datagram, KEY), peer

    def Reply(self, peer, rsalt, serial=1, answer="ok", key=KEY):
        reply = protocol.ConfdReply(C.CONFD_REPL_STATUS_OK, answer, serial)
        self.sock.sendto(protocol.PackReply(reply, rsalt, key), peer)

    def close(self):
        self.sock.close()


def test_only_signed_replies_to_our_salts_reach_the_callback(net):
    got = []
    with contextlib.closing(FakeServer(net + ".1")) as fake:
        cl = client.ConfdClient(KEY, [net + ".1"], got.append, port=fake.port)
        request = client.ConfdClientRequest(C.CONFD_REQ_PING)
        cl.SendRequest(request, args="my-args")
        sent, peer = fake.Receive()
        assert sent.rsalt == request.rsalt
        fake.Reply(peer, sent.rsalt, key=confdtest.NewHmacKey())  # forged
        fake.Reply(peer, "some-other-salt")                       # not ours
        fake.sock.sendto(b"plj0garbage", peer)
        fake.Reply(peer, sent.rsalt, serial=3)                    # the real one
        while cl.counters["replies"] == 0:
            assert cl.ReceiveReply(5)
        assert cl.counters["discarded_bad"] == 2
        assert cl.counters["discarded_unknown"] == 1
        # one reply, then the request is complete (its only target answered)
        assert [u.type for u in got] == [client.UPCALL_REPLY, client.UPCALL_EXPIRE]
        assert got[0].server_reply.serial == 3 and got[0].extra_args == "my-args"
        assert got[0].orig_request is request
        fake.Reply(peer, sent.rsalt, serial=3)  # late duplicate: the request is gone
        assert cl.ReceiveReply(5)
        assert cl.counters["discarded_unknown"] == 2
        cl.Close()


def test_duplicate_reply_from_one_server_counts_once(net):
    with contextlib.closing(FakeServer(net + ".1")) as fake, \
            contextlib.closing(FakeServer(net + ".2", fake.port)):  # the second never answers
        cl = client.ConfdClient(KEY, [net + ".1", net + ".2"], port=fake.port)
        cl.SendRequest(client.ConfdClientRequest(C.CONFD_REQ_PING), coverage=2)
        sent, peer = fake.Receive()
        fake.Reply(peer, sent.rsalt)
        fake.Reply(peer, sent.rsalt)
        while cl.counters["replies"] + cl.counters["discarded_duplicate"] < 2:
            assert cl.ReceiveReply(5)
        assert (cl.counters["replies"], cl.counters["discarded_duplicate"]) == (1, 1)
        assert cl.GetReplies(sent.rsalt)[0].server_ip == net + ".1"
        cl.Close()


def test_unanswered_request_expires_once(net, monkeypatch):
    monkeypatch.setattr(C, "CONFD_CLIENT_EXPIRE_TIMEOUT", 0.2)
    got = []
    with contextlib.closing(FakeServer(net + ".1")) as fake:  # receives, never answers
        cl = client.ConfdClient(KEY, [net + ".1"], got.append, port=fake.port,
                                retry_interval=0.05)
        request = client.ConfdClientRequest(C.CONFD_REQ_PING)
        cl.SendRequest(request)
        assert not cl.WaitForReply(request.rsalt, timeout=5)
        assert [(u.type, u.salt) for u in got] == [(client.UPCALL_EXPIRE, request.rsalt)]
        assert cl.counters["expired"] == 1 and cl.counters["retries"] >= 1
        assert not cl.ReceiveReply(0.01)
        assert len(got) == 1
        cl.Close()


def test_client_state_stays_small_over_many_requests(net):
    """Finished requests leave nothing behind: no per-reply rescans, no growth."""
    with Serving(Processor(net, 5), net + ".1") as port:
        with client.ConfdClient(KEY, [net + ".1"], port=port) as cl:
            for _ in range(20):
                for _ in range(100):
                    cl.SendRequest(client.ConfdClientRequest(*ROLE_QUERY))
                while cl._requests:
                    assert cl.ReceiveReply(5)
                assert len(cl._timers) <= 2 * 100 + 64
            assert cl.counters["replies"] == 2000


def test_request_validation(net):
    with pytest.raises(errors.ConfdClientError):
        client.ConfdClientRequest(99)
    with pytest.raises(errors.ConfdClientError):
        client.ConfdClient(KEY, ["node1.example.com"])
    with pytest.raises(errors.ConfdClientError):
        client.ConfdClient(KEY, ["127.0.0.1", "::1"])
    with client.ConfdClient(KEY, [net + ".1"]) as cl:
        with pytest.raises(errors.ConfdClientError):
            cl.SendRequest(client.ConfdClientRequest(C.CONFD_REQ_PING), coverage=2)
        request = client.ConfdClientRequest(C.CONFD_REQ_PING)
        cl.SendRequest(request)
        with pytest.raises(errors.ConfdClientError, match="Duplicate"):
            cl.SendRequest(request)
    with client.ConfdClient(KEY, []) as cl:
        with pytest.raises(errors.ConfdClientError):
            cl.SendRequest(client.ConfdClientRequest(C.CONFD_REQ_PING))


def test_ipv6_peers():
    try:
        probe = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    with Serving(Processor("127.77.3", 4), "::1") as port:
        with client.ConfdClient(KEY, ["::1"], port=port) as cl:
            assert cl.Query(C.CONFD_REQ_PING).server_reply.serial == 4


def test_get_confd_client_uses_ssconf_and_the_key_file(tmp_path, monkeypatch, net):
    node = confdtest.NodeRoot(str(tmp_path), "n", net + ".1")
    node.WriteKey(KEY)
    node.WriteSsconf([net + ".1", net + ".2"])
    monkeypatch.setattr(pathutils, "SSCONF_DIR", node.data_dir)
    monkeypatch.setattr(pathutils, "CONFD_HMAC_KEY", node.key_file)
    with Serving(Processor(net, 8, node=1), net + ".1") as port:
        with Serving(Processor(net, 8), net + ".2", port):
            with client.GetConfdClient(port=port) as cl:
                ups = cl.Query(C.CONFD_REQ_PING, mode=client.MODE_ALL)
                assert sorted(u.server_ip for u in ups) == [net + ".1", net + ".2"]


def _Upcall(salt, serial, answer, kind=client.UPCALL_REPLY):
    reply = protocol.ConfdReply(0, answer, serial) if kind == client.UPCALL_REPLY else None
    return client.ConfdUpcallPayload(salt, kind, None, server_reply=reply)


def test_filter_callback_passes_only_news():
    got = []
    filt = client.ConfdFilterCallback(got.append)
    for up in (_Upcall("s", 5, "a"), _Upcall("s", 5, "a"), _Upcall("s", 4, "b"),
               _Upcall("s", 6, "a"), _Upcall("s", 7, "c"), _Upcall("t", 1, "x"),
               _Upcall("s", 0, None, client.UPCALL_EXPIRE), _Upcall("s", 1, "z")):
        filt(up)
    assert [(u.salt, u.server_reply and u.server_reply.answer) for u in got] == \
        [("s", "a"), ("s", "c"), ("t", "x"), ("s", None), ("s", "z")]


def test_store_result_callback():
    store = client.StoreResultCallback()
    store(_Upcall("s", 1, "a"))
    store(_Upcall("s", 2, "b"))
    store(_Upcall("s", 0, None, client.UPCALL_EXPIRE))
    assert [u.server_reply.answer for u in store.GetResponses("s")] == ["a", "b"]
    store.Forget("s")
    assert store.GetResponses("s") == []


def test_salts_are_unique_also_across_fork():
    import os
    salts = {client.ConfdClientRequest(C.CONFD_REQ_PING).rsalt for _ in range(1000)}
    assert len(salts) == 1000
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(wfd, client.ConfdClientRequest(C.CONFD_REQ_PING).rsalt.encode())
        os._exit(0)
    os.close(wfd)
    child_salt = os.read(rfd, 100).decode()
    os.waitpid(pid, 0)
    os.close(rfd)
    assert child_salt not in salts
    assert child_salt != client.ConfdClientRequest(C.CONFD_REQ_PING).rsalt


def test_target_we_cannot_send_to_counts_as_refused(net):
    """sendto() to a broadcast address fails at once (EACCES); the query goes on."""
    with Serving(Processor(net, 5), net + ".1") as port:
        with client.ConfdClient(KEY, [net + ".1", "255.255.255.255"], port=port) as cl:
            ups = cl.Query(C.CONFD_REQ_PING, mode=client.MODE_ALL, coverage=2, timeout=5)
            assert [u.server_ip for u in ups] == [net + ".1"]
            assert cl.counters["refused"] == 1
        with client.ConfdClient(KEY, ["255.255.255.255"], port=port) as cl:
            start = time.monotonic()
            with pytest.raises(errors.ConfdClientError, match="No answer"):
                cl.Query(C.CONFD_REQ_PING, timeout=5)
            assert time.monotonic() - start < 1
