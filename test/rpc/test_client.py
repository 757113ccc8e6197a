"""RPC through real ganeti-noded processes: round trips, parallelism, timeouts, certificates."""

import signal
import socket
import ssl
import time

import pytest

from ganeti import constants, rpc
from ganeti.http import tls
from ganeti.utils import x509


def test_round_trip_through_a_real_node_daemon(noded_cluster):
    cluster = noded_cluster(1)
    runner = cluster.Runner()
    name = cluster.nodes[0].name
    result = runner.call_version([name])[name]
    assert (result.fail_msg, result.payload, result.call) == (None, constants.PROTOCOL_VERSION,
                                                              "version")
    info = runner.call_node_info([name], None, None)[name]
    assert info.fail_msg is None and info.payload["memory_total"] > 0
    failed = runner.call_test_delay([name], -1)[name]
    assert "Invalid delay" in failed.fail_msg and failed.payload is None


def test_connections_are_reused(noded_cluster):
    cluster = noded_cluster(1)
    runner = cluster.Runner()
    node = cluster.nodes[0]
    for _ in range(5):
        assert runner.call_version([node.name])[node.name].payload == constants.PROTOCOL_VERSION
    pool = runner._client._pool
    assert len(pool._idle[(node.address, constants.DEFAULT_NODED_PORT)]) == 1


@pytest.mark.slow
def test_parallel_calls_to_three_nodes(noded_cluster):
    cluster = noded_cluster(3)
    runner = cluster.Runner()
    results = runner.call_version(cluster.Names())
    assert sorted(results) == sorted(cluster.Names())
    assert all(r.payload == constants.PROTOCOL_VERSION for r in results.values())
    start = time.monotonic()
    results = runner.call_test_delay(cluster.Names(), 1.0)
    elapsed = time.monotonic() - start
    assert all(r.fail_msg is None for r in results.values())
    assert 1.0 <= elapsed < 2.5, "calls were not made in parallel (%.2fs)" % elapsed


@pytest.mark.slow
def test_a_hung_node_does_not_delay_the_others(noded_cluster):
    cluster = noded_cluster(3)
    runner = cluster.Runner()
    runner.Close()  # fresh connections: the hung node must not even finish TLS
    hung = cluster.nodes[1]
    hung.Signal(signal.SIGSTOP)
    try:
        start = time.monotonic()
        results = runner.Call("version", cluster.Names(), timeout=1.5)
        elapsed = time.monotonic() - start
    finally:
        hung.Signal(signal.SIGCONT)
    assert "timed out" in results[hung.name].fail_msg
    for node in (cluster.nodes[0], cluster.nodes[2]):
        assert results[node.name].payload == constants.PROTOCOL_VERSION
    assert 1.5 <= elapsed < 3.0
    assert runner.call_version([hung.name])[hung.name].payload == constants.PROTOCOL_VERSION


def test_node_daemon_refuses_clients_without_the_cluster_certificate(noded_cluster, tmp_path):
    cluster = noded_cluster(1)
    node = cluster.nodes[0]
    other = str(tmp_path / "other.pem")
    x509.GenerateSelfSignedSslCert(other, "intruder")
    trusting = x509.ReadCertificateFile(cluster.cert)
    for client_cert in (None, other):
        ctx = tls.ClientContext(trusting, client_cert_file=client_cert)
        with pytest.raises((ssl.SSLError, ConnectionError)):
            sock = socket.create_connection((node.address, constants.DEFAULT_NODED_PORT), 10)
            with ctx.wrap_socket(sock) as tsock:
                tsock.sendall(b"POST /version HTTP/1.1\r\nContent-Length: 2\r\n\r\n[]")
                if not tsock.recv(100):
                    raise ConnectionError("closed without an answer")
    assert cluster.Runner().call_version([node.name])[node.name].fail_msg is None


def test_client_refuses_a_node_daemon_with_another_certificate(noded_cluster, tmp_path):
    cluster = noded_cluster(1)
    other = str(tmp_path / "other.pem")
    x509.GenerateSelfSignedSslCert(other, "cluster.example.com")
    name = cluster.nodes[0].name
    result = rpc.RpcRunner(cluster.Resolver(), cert_file=other).call_version([name])[name]
    assert "CERTIFICATE_VERIFY_FAILED" in result.fail_msg
    assert cluster.Runner().call_version([name])[name].fail_msg is None


def test_worker_pool_survives_fork():
    """A child forked after RPC threads existed must start its own threads."""
    import os
    import threading

    from ganeti.rpc import client as rpc_client
    pool = rpc_client._WorkerPool()
    ran = []
    event = threading.Event()
    pool.Submit(lambda: (ran.append("parent"), event.set()))
    assert event.wait(5)
    pid = os.fork()
    if pid == 0:
        done = threading.Event()
        pool.Submit(done.set)
        os._exit(0 if done.wait(5) else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, "the child's task never ran"
    assert ran == ["parent"]
