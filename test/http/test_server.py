"""ganeti.http.server: keep-alive, error statuses, bad clients, concurrency, TLS."""

import socket
import ssl
import threading

import pytest
import testutils

from ganeti import serializer
from ganeti.http import routing, server, tls


class EchoHandler(server.HttpServerHandler):
    """Answers with what it saw; /boom raises, /slow waits for an event."""

    def __init__(self):
        self.peers = []
        self.release = threading.Event()
        self.slow_started = threading.Event()
        self.router = routing.Router()
        self.router.Add(r"/echo", self)
        self.router.Add(r"/items/([^/]+)", self)

    def HandleRequest(self, req):
        self.peers.append(req.peer)
        if req.path == "/boom":
            raise ValueError("handler bug")
        if req.path == "/slow":
            self.slow_started.set()
            assert self.release.wait(10)
            return "slow done"
        if req.path == "/raw":
            req.resp_headers["Content-Type"] = "text/plain"
            return b"raw bytes"
        fn, groups = self.router.Resolve(req.method, req.path)
        return fn(req, *groups)

    def GET(self, req, *groups):
        return {"method": req.method, "groups": list(groups), "query": req.GetQueryArgs()}

    def POST(self, req, *groups):
        return {"body": req.body.decode(), "json": req.GetJsonBody()}


class _Conn:
    """A raw client connection with its own minimal response reader."""

    def __init__(self, srv, wrap=None):
        sock = socket.create_connection((srv.bind_address, srv.port), timeout=10)
        self.sock = wrap.wrap_socket(sock) if wrap else sock
        self.rfile = self.sock.makefile("rb")

    def __enter__(self):
        return self

    def __exit__(self, *args):
        self.Close()

    def Close(self):
        self.rfile.close()
        self.sock.close()

    def Send(self, data):
        self.sock.sendall(data)

    def Read(self, head=False):
        """(status, {lower-case header: value}, body)."""
        status = int(self.rfile.readline().split()[1])
        headers = {}
        while True:
            line = self.rfile.readline().decode()
            if line in ("\r\n", ""):
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", 0))
        return status, headers, b"" if head else self.rfile.read(length)

    def AssertClosed(self):
        assert self.rfile.read(1) == b""


def _Exchange(srv, data, head=False):
    with _Conn(srv) as conn:
        conn.Send(data)
        return conn.Read(head)


def _Json(body):
    return serializer.LoadJson(body)


def _AssertServing(srv):
    status, _, body = _Exchange(srv, b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status == 200 and _Json(body)["method"] == "GET"


def test_keepalive_serves_many_requests_on_one_connection(make_server):
    handler = EchoHandler()
    srv = make_server(handler)
    with _Conn(srv) as conn:
        for _ in range(3):
            conn.Send(b"GET /echo?a=1&b= HTTP/1.1\r\nHost: x\r\n\r\n")
            status, headers, body = conn.Read()
            assert status == 200 and headers["content-type"] == "application/json"
            assert "connection" not in headers
            assert _Json(body)["query"] == {"a": ["1"], "b": [""]}
    assert len(handler.peers) == 3 and len(set(handler.peers)) == 1


def test_http10_keepalive_only_when_asked(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        status, headers, _ = conn.Read()
        assert status == 200 and headers["connection"] == "keep-alive"
        conn.Send(b"GET /echo HTTP/1.0\r\n\r\n")
        status, headers, _ = conn.Read()
        assert status == 200 and headers["connection"] == "close"
        conn.AssertClosed()


def test_connection_close_honoured(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n")
        status, headers, _ = conn.Read()
        assert status == 200 and headers["connection"] == "close"
        conn.AssertClosed()


def test_pipelined_requests(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\nGET /items/a%2Fb HTTP/1.1\r\n\r\n")
        first = conn.Read()
        second = conn.Read()
    assert first[0] == second[0] == 200
    assert _Json(second[2])["groups"] == ["a/b"]


@pytest.mark.parametrize("request_bytes", [
    b"GARBAGE\r\n\r\n",
    b"GET /echo\r\n\r\n",
    b"get /echo HTTP/1.1\r\n\r\n",
    b"GET echo HTTP/1.1\r\n\r\n",
    b"GET /echo HTTP/1.1\r\nNo colon here\r\n\r\n",
    b"GET /echo HTTP/1.1\r\nBad Name: x\r\n\r\n",
    b"GET /echo HTTP/1.1\r\nX: a\r\n folded\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /echo HTTP/1.1\r\nContent-Length: 5\r\n\r\n{bad}",
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n",
])
def test_malformed_requests_get_400_and_server_survives(make_server, request_bytes):
    srv = make_server(EchoHandler())
    status, headers, body = _Exchange(srv, request_bytes)
    assert status == 400 and headers["content-type"] == "application/json"
    data = _Json(body)
    assert data["code"] == 400 and data["message"] == "Bad Request" and data["explain"]
    _AssertServing(srv)


def test_unsupported_version_and_coding(make_server):
    srv = make_server(EchoHandler())
    assert _Exchange(srv, b"GET /echo HTTP/2.0\r\n\r\n")[0] == 505
    assert _Exchange(srv, b"POST /echo HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n")[0] == 501


def test_too_many_header_bytes_431(make_server):
    srv = make_server(EchoHandler())
    fields = b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(70))
    assert _Exchange(srv, b"GET /echo HTTP/1.1\r\n" + fields + b"\r\n")[0] == 431
    _AssertServing(srv)


def test_body_over_limit_413_without_reading_it(make_server):
    srv = make_server(EchoHandler(), max_body=100)
    with _Conn(srv) as conn:
        conn.Send(b"POST /echo HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n")
        status, headers, body = conn.Read()
        assert status == 413 and headers["connection"] == "close"
        assert _Json(body)["code"] == 413
        conn.AssertClosed()
    status, _, _ = _Exchange(srv, b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                  b"80\r\n" + b"x" * 128 + b"\r\n0\r\n\r\n")
    assert status == 413
    _AssertServing(srv)


def test_not_found_and_method_not_allowed(make_server):
    srv = make_server(EchoHandler())
    status, _, body = _Exchange(srv, b"GET /nothing HTTP/1.1\r\n\r\n")
    assert status == 404 and _Json(body) == {"code": 404, "message": "Not Found", "explain": ""}
    status, headers, _ = _Exchange(srv, b"DELETE /echo HTTP/1.1\r\n\r\n")
    assert status == 405 and headers["allow"] == "GET, HEAD, POST"


def test_post_bodies_content_length_and_chunked(make_server):
    srv = make_server(EchoHandler())
    _, _, body = _Exchange(srv, b"POST /echo HTTP/1.1\r\nContent-Length: 7\r\n\r\n[1, 2]\n")
    assert _Json(body) == {"body": "[1, 2]\n", "json": [1, 2]}
    status, _, body = _Exchange(srv, b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     b"3;ext=1\r\n[1,\r\n2\r\n 2\r\n1\r\n]\r\n0\r\nTrailer: x\r\n\r\n")
    assert status == 200 and _Json(body)["json"] == [1, 2]


def test_expect_100_continue(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"POST /echo HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        assert conn.rfile.readline() == b"HTTP/1.1 100 Continue\r\n"
        assert conn.rfile.readline() == b"\r\n"
        conn.Send(b"{}")
        status, _, body = conn.Read()
    assert status == 200 and _Json(body)["json"] == {}


def test_head_has_length_but_no_body(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"HEAD /raw HTTP/1.1\r\n\r\nGET /raw HTTP/1.1\r\n\r\n")
        status, head_headers, _ = conn.Read(head=True)
        assert status == 200 and int(head_headers["content-length"]) > 0
        status, _, body = conn.Read()
        assert status == 200 and len(body) == int(head_headers["content-length"])


def test_raw_bytes_response(make_server):
    srv = make_server(EchoHandler())
    _, headers, body = _Exchange(srv, b"GET /raw HTTP/1.1\r\n\r\n")
    assert body == b"raw bytes" and headers["content-type"] == "text/plain"


def test_handler_exception_is_500_and_connection_kept(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"GET /boom HTTP/1.1\r\n\r\n")
        status, _, body = conn.Read()
        assert status == 500 and "handler bug" not in body.decode()
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert conn.Read()[0] == 200


@pytest.mark.parametrize("partial", [
    b"GET /ec",
    b"GET /echo HTTP/1.1\r\nHost: x",
    b"POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc",
    b"POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc",
])
def test_truncated_requests_leave_server_serving(make_server, partial):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(partial)
        conn.sock.shutdown(socket.SHUT_WR)
        conn.AssertClosed()
    _AssertServing(srv)


def test_random_garbage_leaves_server_serving(make_server):
    srv = make_server(EchoHandler())
    for seed in range(5):
        data = bytes((seed * 37 + i * 101) % 256 for i in range(3000))
        with _Conn(srv) as conn:
            conn.Send(data)
            conn.sock.shutdown(socket.SHUT_WR)
            while conn.rfile.read(4096):
                pass
    _AssertServing(srv)


def test_long_request_does_not_block_others(make_server):
    handler = EchoHandler()
    srv = make_server(handler)
    slow = _Conn(srv)
    try:
        slow.Send(b"GET /slow HTTP/1.1\r\n\r\n")
        assert handler.slow_started.wait(10)
        _AssertServing(srv)  # answered while /slow is still running
        handler.release.set()
        status, _, body = slow.Read()
        assert status == 200 and body == b'"slow done"\n'
    finally:
        handler.release.set()
        slow.Close()


def test_connection_limit(make_server):
    srv = make_server(EchoHandler(), max_connections=1)
    with _Conn(srv) as first:
        first.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert first.Read()[0] == 200
        with _Conn(srv) as second:
            second.AssertClosed()
    testutils.WaitFor(lambda: _Serves(srv), what="the slot of the first connection")


def _Serves(srv):
    try:
        return _Exchange(srv, b"GET /echo HTTP/1.1\r\n\r\n")[0] == 200
    except (OSError, ValueError, IndexError):
        return False


def test_stop_closes_idle_connections(make_server):
    srv = make_server(EchoHandler())
    with _Conn(srv) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert conn.Read()[0] == 200
        assert srv.Stop(5)
        conn.AssertClosed()
    with pytest.raises(OSError):
        _Conn(srv)


def test_tls_server_refuses_plain_text_and_keeps_serving(make_server, certs):
    srv = make_server(EchoHandler(), ssl_context=tls.ServerContext(certs[0]))
    with _Conn(srv) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        try:
            answer = conn.rfile.read()
        except ConnectionError:
            answer = b""
        assert not answer.startswith(b"HTTP/")
    with _Conn(srv, wrap=tls.ClientContext(None)) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert conn.Read()[0] == 200
        assert conn.sock.version() in ("TLSv1.2", "TLSv1.3")


def _ClusterServer(make_server, cert):
    ctx, check = tls.ClusterServerContext(cert)
    srv = make_server(EchoHandler(), ssl_context=ctx, peer_check=check)
    return srv, ssl.get_server_certificate((srv.bind_address, srv.port)).encode()


def test_tls_cluster_server_refuses_clients_without_the_certificate(make_server, certs):
    cluster, other = certs
    srv, server_pem = _ClusterServer(make_server, cluster)
    for client_cert in (None, other):
        with pytest.raises((ssl.SSLError, ConnectionError)):
            with _Conn(srv, wrap=tls.ClientContext(server_pem, client_cert)) as conn:
                conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
                conn.Read()
    with _Conn(srv, wrap=tls.ClientContext(server_pem, cluster)) as conn:
        conn.Send(b"GET /echo HTTP/1.1\r\n\r\n")
        assert conn.Read()[0] == 200


def test_tls_client_refuses_a_server_with_another_certificate(make_server, certs):
    cluster, other = certs
    srv, _ = _ClusterServer(make_server, other)
    ctx, check = tls.ClusterClientContext(cluster)
    with pytest.raises(ssl.SSLCertVerificationError):
        _Conn(srv, wrap=ctx)
    check_only = tls.ClientContext(None, client_cert_file=cluster)
    with _Conn(srv, wrap=check_only) as conn:
        with pytest.raises(Exception, match="not the cluster certificate"):
            check(conn.sock)
