"""Fixtures for the HTTP layer: certificates and in-process servers on loopback."""

import pytest
import testutils

from ganeti.http import server


@pytest.fixture
def make_server():
    """Start HttpServer(handler, ...) on a random loopback address and port."""
    servers = []

    def _Make(handler, **kwargs):
        srv = server.HttpServer(handler, testutils.RandomLoopbackNet() + ".1", 0, **kwargs)
        srv.Start()
        servers.append(srv)
        return srv

    yield _Make
    for srv in servers:
        assert srv.Stop(5), "server did not stop"
