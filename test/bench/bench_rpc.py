#!/usr/bin/env python3
"""Benchmark of RPC and the HTTP server (run by hand: .venv/bin/python test/bench/bench_rpc.py).

Prints:
- RPC round trip of a trivial call (version) to one node and to the three
  nodes of a virtual cluster of real ganeti-noded processes (median ms);
- the same call over a fresh TLS connection each time vs a kept-alive one;
- the TLS libraries compared on the same exchange (fresh handshake + one
  request, and one request on an open connection): the standard library's
  ssl and pyOpenSSL;
- HTTPS GET requests/s on a trivial handler with 1 and 8 kept-alive clients
  (each client its own process, the server in another).
"""

from __future__ import annotations

import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [TOP, os.path.join(TOP, "test"), os.path.join(TOP, "test", "rpc")]
os.environ["PYTHONPATH"] = os.pathsep.join([TOP, os.environ.get("PYTHONPATH", "")])

import nodedutils  # noqa: E402
import testutils  # noqa: E402

from ganeti.http import client, tls  # noqa: E402

ROUNDS = 400
FRESH_ROUNDS = 100
HTTP_SECONDS = 3.0

_TRIVIAL_SERVER = """
import sys
from ganeti.http import server, tls
class Trivial(server.HttpServerHandler):
    def HandleRequest(self, req):
        return {"ok": True}
ctx, check = tls.ClusterServerContext(sys.argv[1])
srv = server.HttpServer(Trivial(), sys.argv[2], 0, ssl_context=ctx, peer_check=check)
srv.Bind()
print(srv.port, flush=True)
srv.Serve()
"""


def _MedianMs(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def BenchRpc(base: str) -> None:
    reaper = testutils.Reaper()
    cluster = nodedutils.NodedCluster(base, 3, reaper)
    try:
        cluster.Start()
        runner = cluster.Runner()
        names = cluster.Names()
        one = names[:1]
        runner.call_version(names)

        def _Check(results):
            assert all(r.fail_msg is None for r in results.values()), results

        print("RPC version, one node, kept-alive:   %.3f ms median"
              % _MedianMs(lambda: _Check(runner.call_version(one)), ROUNDS))
        print("RPC version, three nodes, kept-alive: %.3f ms median"
              % _MedianMs(lambda: _Check(runner.call_version(names)), ROUNDS))
        pool = runner._client._GetPool()

        def _Fresh():
            pool.CloseAll()
            _Check(runner.call_version(one))

        print("RPC version, one node, fresh TLS:     %.3f ms median"
              % _MedianMs(_Fresh, FRESH_ROUNDS))
        pool.CloseAll()

        def _FreshAll():
            pool.CloseAll()
            _Check(runner.call_version(names))

        print("RPC version, three nodes, fresh TLS:  %.3f ms median"
              % _MedianMs(_FreshAll, FRESH_ROUNDS))
    finally:
        cluster.Stop()
        reaper.KillAll()


# --- TLS libraries on the same exchange ------------------------------------------------

def _EchoServer(cert: str, library: str, listener: socket.socket) -> None:
    """Thread per connection, b"pong" for each read, mutual TLS (runs in a child process)."""
    if library == "ssl":
        ctx, check = tls.ClusterServerContext(cert)
    else:
        ctx = _PyOpenSSLContext(cert, server=True)

    def _Serve(sock):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            if library == "ssl":
                conn = ctx.wrap_socket(sock, server_side=True)
                check(conn)
            else:
                from OpenSSL import SSL
                conn = SSL.Connection(ctx, sock)
                conn.set_accept_state()
                conn.do_handshake()
            while conn.recv(100):
                conn.sendall(b"pong")
        except Exception:  # noqa: BLE001 - the client went away
            pass
        finally:
            sock.close()

    while True:
        sock, _ = listener.accept()
        threading.Thread(target=_Serve, args=(sock,), daemon=True).start()


def _PyOpenSSLContext(cert: str, server: bool):
    from OpenSSL import SSL, crypto
    with open(cert, "rb") as fh:
        ours = crypto.load_certificate(crypto.FILETYPE_PEM, fh.read()).digest("sha256")
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD if server else SSL.TLS_CLIENT_METHOD)
    ctx.use_privatekey_file(cert)
    ctx.use_certificate_file(cert)
    ctx.set_verify(SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT,
                   lambda conn, x509, errno, depth, ok: x509.digest("sha256") == ours)
    return ctx


def _ClientConnect(library: str, port: int, ctx, check):
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if library == "ssl":
        conn = ctx.wrap_socket(sock)
        check(conn)
        return conn
    from OpenSSL import SSL
    conn = SSL.Connection(ctx, sock)
    conn.set_connect_state()
    conn.do_handshake()
    return conn


def BenchTlsLibraries(cert: str) -> None:
    for library in ("ssl", "pyOpenSSL"):
        _BenchTlsLibrary(cert, library)


def _BenchTlsLibrary(cert: str, library: str) -> None:
    """Median cost of a fresh mutual-TLS exchange and of one on an open connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    server = multiprocessing.Process(target=_EchoServer, args=(cert, library, listener),
                                     daemon=True)
    server.start()
    ctx, check = (tls.ClusterClientContext(cert) if library == "ssl"
                  else (_PyOpenSSLContext(cert, server=False), None))

    def _Fresh():
        conn = _ClientConnect(library, port, ctx, check)
        conn.sendall(b"ping")
        conn.recv(10)
        conn.close()

    fresh = _MedianMs(_Fresh, FRESH_ROUNDS)
    conn = _ClientConnect(library, port, ctx, check)

    def _Reused():
        conn.sendall(b"ping")
        conn.recv(10)

    reused = _MedianMs(_Reused, ROUNDS * 5)
    conn.close()
    server.kill()
    server.join()
    listener.close()
    print("TLS %-9s fresh handshake + exchange %.3f ms, exchange on open connection %.1f us"
          % (library, fresh, reused * 1000))


# --- HTTP server throughput ------------------------------------------------------------------

def _GetLoop(cert: str, address: str, port: int, seconds: float, queue) -> None:
    ctx, check = tls.ClusterClientContext(cert)
    pool = client.HttpClientPool(ctx, check)
    pool.Request(address, port, "GET", "/")
    count = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pool.Request(address, port, "GET", "/").status != 200:
            raise AssertionError("request failed")
        count += 1
    queue.put(count)


def BenchHttpServer(cert: str) -> None:
    address = testutils.RandomLoopbackNet() + ".1"
    proc = subprocess.Popen([sys.executable, "-c", _TRIVIAL_SERVER, cert, address],
                            stdout=subprocess.PIPE, text=True)
    try:
        port = int(proc.stdout.readline())
        for clients in (1, 8):
            queue = multiprocessing.Queue()
            procs = [multiprocessing.Process(target=_GetLoop,
                                             args=(cert, address, port, HTTP_SECONDS, queue))
                     for _ in range(clients)]
            for p in procs:
                p.start()
            total = sum(queue.get() for _ in procs)
            for p in procs:
                p.join()
            print("HTTPS GET, trivial handler, %d kept-alive client(s): %.0f requests/s"
                  % (clients, total / HTTP_SECONDS))
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    print("machine: %d CPUs, Python %s" % (os.cpu_count(), sys.version.split()[0]))
    with tempfile.TemporaryDirectory() as base:
        BenchRpc(os.path.join(base, "cluster"))
        cert = os.path.join(base, "cluster", "cluster.pem")
        BenchTlsLibraries(cert)
        BenchHttpServer(cert)


if __name__ == "__main__":
    main()
