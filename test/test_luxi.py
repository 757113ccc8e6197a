"""Tests for ganeti.luxi: framing, messages, client and server, malformed input."""

import os
import shutil
import socket
import tempfile
import threading

import pytest

from ganeti import constants, errors, luxi, opcodes, serializer
from ganeti.luxi import protocol as lp
from ganeti.luxi import server as ls


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield lp.Transport(sock=a, timeouts=(1, 1), max_size=1000), b
    a.close()
    b.close()


def test_framing_splits_and_joins_messages(pair):
    transport, peer = pair
    peer.sendall(b'{"a": 1}\x03{"b"')
    assert transport.Recv() == b'{"a": 1}'
    peer.sendall(b': 2}\x03')
    assert transport.Recv() == b'{"b": 2}'
    transport.Send(b"hello")
    assert peer.recv(100) == b"hello\x03"


def test_framing_limits(pair):
    transport, peer = pair
    with pytest.raises(errors.LuxiTimeoutError):
        transport.Recv(timeout=0.01)
    peer.sendall(b"x" * 1500)
    with pytest.raises(errors.ProtocolError, match="larger than 1000"):
        transport.Recv()
    peer.close()
    other_a, other_b = socket.socketpair()
    closed = lp.Transport(sock=other_a)
    other_b.close()
    with pytest.raises(errors.ConnectionClosedError):
        closed.Recv()
    other_a.close()


def test_message_formats():
    assert serializer.LoadJson(lp.FormatRequest("QueryJobs", [None, ["id"]])) == {
        "method": "QueryJobs", "args": [None, ["id"]]}
    assert lp.ParseRequest(b'{"method": "X", "args": [1], "version": %d}'
                           % constants.PROTOCOL_VERSION) == ("X", [1])
    for bad in (b"[1]", b'{"args": []}', b'{"method": 3, "args": []}', b"\xff",
                b'{"method": "X", "args": [], "version": 1}', b"{"):
        with pytest.raises(errors.ProtocolError):
            lp.ParseRequest(bad)
    assert lp.ParseResponse(lp.FormatResponse(True, [1, "2"])) == [1, "2"]
    encoded = errors.EncodeException(errors.OpPrereqError("bad thing", errors.ECODE_INVAL))
    with pytest.raises(errors.OpPrereqError) as exc:
        lp.ParseResponse(lp.FormatResponse(False, encoded))
    assert exc.value.args == ("bad thing", errors.ECODE_INVAL)
    with pytest.raises(errors.RequestError):
        lp.ParseResponse(lp.FormatResponse(False, "just text"))
    with pytest.raises(errors.ProtocolError):
        lp.ParseResponse(b'{"success": true}')


class _Handler:
    def __init__(self):
        self.calls = []
        self.release = threading.Event()

    def __call__(self, method, args):
        self.calls.append((method, args))
        if method == "Echo":
            return args
        if method == "Fail":
            raise errors.JobQueueDrainError("drained")
        if method == "Bug":
            raise KeyError("oops")
        if method == "Unserializable":
            return object()
        if method == "Block":
            assert self.release.wait(10)
            return "released"
        raise errors.ProtocolError("Unknown luxi method %r" % method)


@pytest.fixture
def server():
    tmpdir = tempfile.mkdtemp(prefix="luxi", dir="/tmp")
    handler = _Handler()
    srv = ls.LuxiServer(os.path.join(tmpdir, "sock"), handler, max_message_size=4096,
                        max_connections=4)
    srv.Start()
    yield srv, handler
    handler.release.set()
    srv.Stop()
    shutil.rmtree(tmpdir)


def _Raw(srv):
    sock = socket.socket(socket.AF_UNIX)
    sock.connect(srv.address)
    return lp.Transport(sock=sock, timeouts=(5, 5))


def test_client_round_trip_and_errors(server):
    srv, handler = server
    with luxi.Client(srv.address) as client:
        assert client.CallMethod("Echo", {"x": [1, 2]}) == {"x": [1, 2]}
        with pytest.raises(errors.JobQueueDrainError, match="drained"):
            client.CallMethod("Fail", [])
        # the same connection goes on after an error
        assert client.CallMethod("Echo", 5) == 5
        with pytest.raises(errors.GenericError, match="oops"):
            client.CallMethod("Bug", [])
        with pytest.raises(errors.GenericError, match="serialise"):
            client.CallMethod("Unserializable", [])
    assert os.stat(srv.address).st_mode & 0o777 == 0o660


def test_client_sends_upstream_argument_shapes(server):
    srv, handler = server
    client = luxi.Client(srv.address)
    for call in (lambda: client.SubmitJob([opcodes.OpTestDelay(duration=1)]),
                 lambda: client.CancelJob("5"),
                 lambda: client.WaitForJobChangeOnce("5", ["status"], None, None, 3),
                 lambda: client.QueryConfigValues(["cluster_name"]),
                 lambda: client.SetDrainFlag(True)):
        with pytest.raises(errors.ProtocolError, match="Unknown luxi method"):
            call()
    args = dict(handler.calls)
    assert args["SubmitJob"] == [opcodes.OpTestDelay(duration=1).__getstate__()]
    assert args["CancelJob"] == "5"
    assert args["WaitForJobChange"] == ["5", ["status"], None, None, 3]
    assert args["QueryConfigValues"] == ["cluster_name"]
    assert args["SetDrainFlag"] is True
    client.Close()


def test_malformed_input_gets_error_replies(server):
    srv, _ = server
    raw = _Raw(srv)
    for bad in (b"not json", b"[1, 2]", b'{"method": "Echo"}', b"\xfe\xff",
                b'{"method": "NoSuchMethod", "args": []}'):
        raw.Send(bad)
        with pytest.raises(errors.ProtocolError):
            lp.ParseResponse(raw.Recv())
    raw.Send(lp.FormatRequest("Echo", "still alive"))
    assert lp.ParseResponse(raw.Recv()) == "still alive"
    raw.Send(b"x" * 10000)  # over the server's limit: error reply, connection closed
    with pytest.raises(errors.ProtocolError, match="larger than"):
        lp.ParseResponse(raw.Recv())
    with pytest.raises(errors.ConnectionClosedError):
        raw.Recv()
    raw.Close()
    with luxi.Client(srv.address) as client:  # and the server still serves
        assert client.CallMethod("Echo", 1) == 1


def test_one_thread_per_connection_and_connection_limit(server):
    srv, handler = server
    blocked = _Raw(srv)
    blocked.Send(lp.FormatRequest("Block", []))
    others = [_Raw(srv) for _ in range(3)]  # with the blocked one: the limit of 4
    for conn in others:  # each served while the first connection's call blocks
        conn.Send(lp.FormatRequest("Echo", "parallel"))
        assert lp.ParseResponse(conn.Recv()) == "parallel"
    refused = _Raw(srv)
    with pytest.raises(errors.LuxiError, match="Too many connections"):
        lp.ParseResponse(refused.Recv())
    handler.release.set()
    assert lp.ParseResponse(blocked.Recv()) == "released"
    for conn in others + [blocked, refused]:
        conn.Close()


def test_stop_removes_socket_and_client_sees_no_master(server):
    srv, _ = server
    srv.Stop()
    assert not os.path.exists(srv.address)
    with pytest.raises(errors.NoMasterError):
        luxi.Client(srv.address).CallMethod("Echo", 1)
