"""Tests of the QMP client against a scripted QMP server on a Unix socket."""

import json
import os
import socket
import threading

import hvtestutils
import pytest

from ganeti.hypervisor.hv_kvm import qmp

GREETING = {"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": []}}


class FakeQmpServer:
    """Serves one connection: greets, then answers each command from a script.

    script maps a command name to the list of messages sent back for it (events
    may precede the reply), or to None to hang up instead of answering, as a
    qemu that exits does. Received commands are recorded in order.
    """

    def __init__(self, path, script, greeting=GREETING):
        self.path = path
        self.script = script
        self.greeting = greeting
        self.received = []
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(path)
        self.sock.listen(1)
        self.thread = threading.Thread(target=self._Serve, daemon=True)
        self.thread.start()

    def _Serve(self):
        conn, _ = self.sock.accept()
        with conn:
            fh = conn.makefile("rwb")
            fh.write(json.dumps(self.greeting).encode() + b"\r\n")
            fh.flush()
            for line in fh:
                msg = json.loads(line)
                self.received.append(msg)
                replies = self.script.get(msg["execute"], [{"return": {}}])
                if replies is None:
                    return
                for reply in replies:
                    # Split one message over two writes: the client must reassemble.
                    data = json.dumps(reply).encode() + b"\n"
                    fh.write(data[:5])
                    fh.flush()
                    fh.write(data[5:])
                    fh.flush()

    def Close(self):
        self.sock.close()
        self.thread.join(5)


@pytest.fixture
def sockdir():
    path = hvtestutils.ShortTempDir()
    yield path
    hvtestutils.RemoveTree(path)


def test_execute_negotiates_and_returns(sockdir):
    path = os.path.join(sockdir, "q")
    server = FakeQmpServer(path, {"query-status": [{"return": {"status": "running", "running": True}}]})
    with qmp.QmpClient(path) as client:
        assert client.greeting["version"]["qemu"]["major"] == 7
        assert client.Execute("query-status") == {"status": "running", "running": True}
    server.Close()
    assert [m["execute"] for m in server.received] == ["qmp_capabilities", "query-status"]
    assert "arguments" not in server.received[1]


def test_events_are_kept_and_arguments_sent(sockdir):
    path = os.path.join(sockdir, "q")
    event = {"event": "POWERDOWN", "timestamp": {"seconds": 1, "microseconds": 2}}
    server = FakeQmpServer(path, {"system_powerdown": [event, {"return": {}}],
                                  "set_password": [{"return": {}}]})
    with qmp.QmpClient(path) as client:
        assert client.Execute("system_powerdown") == {}
        assert client.events == [event]
        client.Execute("set_password", {"protocol": "vnc", "password": "pw"})
        assert client.events == [event]
    server.Close()
    assert server.received[2]["arguments"] == {"protocol": "vnc", "password": "pw"}


def test_error_reply_raises(sockdir):
    path = os.path.join(sockdir, "q")
    server = FakeQmpServer(path, {"migrate": [
        {"error": {"class": "GenericError", "desc": "no route to host"}}]})
    with qmp.QmpClient(path) as client:
        with pytest.raises(qmp.QmpError, match="migrate failed: GenericError: no route to host"):
            client.Execute("migrate", {"uri": "tcp:192.0.2.1:8102"})
    server.Close()


def test_not_a_qmp_server(sockdir):
    path = os.path.join(sockdir, "q")
    server = FakeQmpServer(path, {}, greeting={"hello": 1})
    with pytest.raises(qmp.QmpError, match="Not a QMP greeting"):
        qmp.Execute(path, "query-status")
    server.Close()


def test_server_closing_mid_command(sockdir):
    path = os.path.join(sockdir, "q")
    server = FakeQmpServer(path, {"quit": None})
    with qmp.QmpClient(path, timeout=5) as client:
        with pytest.raises(qmp.QmpError, match="closed by qemu"):
            client.Execute("quit")
    server.Close()


def test_no_socket(sockdir):
    with pytest.raises(qmp.QmpError, match="Cannot connect"):
        qmp.Execute(os.path.join(sockdir, "missing"), "query-status")
