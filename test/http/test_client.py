"""ganeti.http.client: connection reuse, stale connections, timeouts, reply parsing."""

import socket
import threading
import time

import pytest
import testutils

from ganeti import http
from ganeti.http import client, server, tls


class _Handler(server.HttpServerHandler):
    def __init__(self):
        self.peers = []
        self.release = threading.Event()

    def HandleRequest(self, req):
        self.peers.append(req.peer)
        if req.path == "/hang":
            self.release.wait(10)
        return {"path": req.path, "body": req.body.decode()}


class ScriptedServer:
    """A raw TCP server: each accepted connection runs the next script function."""

    def __init__(self, *scripts):
        self.sock = socket.socket()
        self.sock.bind((testutils.RandomLoopbackNet() + ".1", 0))
        self.sock.listen(8)
        self.host, self.port = self.sock.getsockname()
        self.scripts = list(scripts)
        self.connections = 0
        self.thread = threading.Thread(target=self._Run, daemon=True)
        self.thread.start()

    def _Run(self):
        for script in self.scripts:
            conn, _ = self.sock.accept()
            self.connections += 1
            with conn, conn.makefile("rb") as rfile:
                script(conn, rfile)

    def Close(self):
        self.sock.close()


def _ReadRequest(rfile):
    lines = []
    while True:
        line = rfile.readline()
        if line in (b"\r\n", b""):
            return lines
        lines.append(line)


def _Answer(conn, body=b"ok", extra=b""):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body))


def test_pool_reuses_connections(make_server):
    handler = _Handler()
    srv = make_server(handler)
    pool = client.HttpClientPool()
    for i in range(3):
        resp = pool.Request(srv.bind_address, srv.port, "POST", "/p%d" % i, b"data")
        assert resp.status == 200 and resp.GetJson() == {"path": "/p%d" % i, "body": "data"}
    assert len(handler.peers) == 3 and len(set(handler.peers)) == 1
    pool.CloseAll()
    pool.Request(srv.bind_address, srv.port, "GET", "/again")
    assert len(set(handler.peers)) == 2


def test_parallel_requests_use_separate_connections(make_server):
    handler = _Handler()
    srv = make_server(handler)
    pool = client.HttpClientPool()
    hung = threading.Thread(target=pool.Request, args=(srv.bind_address, srv.port, "GET", "/hang"))
    hung.start()
    try:
        testutils.WaitFor(lambda: handler.peers, what="the hanging request")
        assert pool.Request(srv.bind_address, srv.port, "GET", "/quick").status == 200
    finally:
        handler.release.set()
        hung.join()
    assert len(set(handler.peers)) == 2


def test_stale_reused_connection_is_retried_once():
    def _FirstThenDrop(conn, rfile):
        _ReadRequest(rfile)
        _Answer(conn, b"first")
        _ReadRequest(rfile)  # the server "closes the idle connection" as the request arrives

    def _Second(conn, rfile):
        _ReadRequest(rfile)
        _Answer(conn, b"second")

    srv = ScriptedServer(_FirstThenDrop, _Second)
    pool = client.HttpClientPool()
    try:
        assert pool.Request(srv.host, srv.port, "GET", "/").body == b"first"
        assert pool.Request(srv.host, srv.port, "GET", "/").body == b"second"
        assert srv.connections == 2
    finally:
        srv.Close()


def test_fresh_connection_closed_without_answer_is_an_error():
    srv = ScriptedServer(lambda conn, rfile: _ReadRequest(rfile))
    try:
        with pytest.raises(http.HttpClientError, match="closed"):
            client.HttpClientPool().Request(srv.host, srv.port, "GET", "/")
    finally:
        srv.Close()


def test_server_closing_after_answer_is_not_reused():
    def _AnswerAndClose(conn, rfile):
        _ReadRequest(rfile)
        _Answer(conn, b"bye", b"Connection: close\r\n")

    def _Next(conn, rfile):
        _ReadRequest(rfile)
        _Answer(conn, b"next")

    srv = ScriptedServer(_AnswerAndClose, _Next)
    pool = client.HttpClientPool()
    try:
        assert pool.Request(srv.host, srv.port, "GET", "/").body == b"bye"
        assert pool.Request(srv.host, srv.port, "GET", "/").body == b"next"
    finally:
        srv.Close()


def test_chunked_interim_and_close_delimited_replies():
    def _Chunked(conn, rfile):
        _ReadRequest(rfile)
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n"
                     b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                     b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        _ReadRequest(rfile)
        conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nuntil close")

    srv = ScriptedServer(_Chunked)
    pool = client.HttpClientPool()
    try:
        resp = pool.Request(srv.host, srv.port, "POST", "/", b"x")
        assert (resp.status, resp.reason, resp.body) == (201, "Created", b"abcde")
        resp = pool.Request(srv.host, srv.port, "GET", "/")
        assert resp.body == b"until close"
    finally:
        srv.Close()


def test_invalid_reply_is_an_error():
    def _Garbage(conn, rfile):
        _ReadRequest(rfile)
        conn.sendall(b"SMTP ready\r\n\r\n")

    srv = ScriptedServer(_Garbage)
    try:
        with pytest.raises(http.HttpClientError, match="status line"):
            client.HttpClientPool().Request(srv.host, srv.port, "GET", "/")
    finally:
        srv.Close()


def test_timeout_covers_the_whole_request(make_server):
    handler = _Handler()
    srv = make_server(handler)
    start = time.monotonic()
    try:
        with pytest.raises(http.HttpClientTimeout):
            client.HttpClientPool().Request(srv.bind_address, srv.port, "GET", "/hang",
                                            timeout=0.3)
    finally:
        handler.release.set()
    assert time.monotonic() - start < 3


def test_connection_refused():
    with pytest.raises(http.HttpClientError):
        client.HttpClientPool().Request(testutils.RandomLoopbackNet() + ".1", 9, "GET", "/")


def test_idle_connections_are_capped(make_server):
    handler = _Handler()
    srv = make_server(handler)
    pool = client.HttpClientPool(max_idle_per_host=1)
    threads = [threading.Thread(target=pool.Request, args=(srv.bind_address, srv.port, "GET",
                                                           "/hang")) for _ in range(3)]
    for thread in threads:
        thread.start()
    testutils.WaitFor(lambda: len(handler.peers) == 3, what="three parallel requests")
    handler.release.set()
    for thread in threads:
        thread.join()
    assert len(pool._idle[(srv.bind_address, srv.port)]) == 1


def test_tls_with_cluster_certificate(make_server, certs):
    cluster, other = certs
    ctx, check = tls.ClusterServerContext(cluster)
    srv = make_server(_Handler(), ssl_context=ctx, peer_check=check)
    good = client.HttpClientPool(*tls.ClusterClientContext(cluster))
    assert good.Request(srv.bind_address, srv.port, "GET", "/x").status == 200
    bad = client.HttpClientPool(*tls.ClusterClientContext(other))
    with pytest.raises(http.HttpClientError, match="CERTIFICATE_VERIFY_FAILED"):
        bad.Request(srv.bind_address, srv.port, "GET", "/x")
