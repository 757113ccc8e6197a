"""Test-wide fixtures; makes test/ importable so suites can `import testutils`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pytest  # noqa: E402
import testutils  # noqa: E402


@pytest.fixture
def reaper():
    """Kills, by PID, every process registered with it when the test ends."""
    r = testutils.Reaper()
    yield r
    r.KillAll()


@pytest.fixture(scope="session")
def certs(tmp_path_factory):
    """Two unrelated key+certificate PEM files: (the cluster's, another one)."""
    from ganeti.utils import x509
    base = tmp_path_factory.mktemp("certs")
    paths = (str(base / "cluster.pem"), str(base / "other.pem"))
    for path in paths:
        x509.GenerateSelfSignedSslCert(path, "cluster.example.com")
    return paths
