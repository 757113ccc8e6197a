"""Fixtures for node-side (ganeti.backend) tests.

noderoot runs the test as a node of a virtual cluster: GANETI_ROOTDIR points
to a fresh directory and every ganeti.pathutils path is recomputed under it.
"""

import pytest

from ganeti import pathutils


@pytest.fixture
def noderoot(tmp_path, monkeypatch):
    """This process's node root (a pathlib.Path); pathutils follow it."""
    root = tmp_path / "node1"
    root.mkdir()
    monkeypatch.setenv(pathutils.ROOT_ENV, str(root))
    monkeypatch.setenv(pathutils.HOSTNAME_ENV, "node1.example.com")
    for name, value in pathutils._Compute().items():
        monkeypatch.setattr(pathutils, name, value)
    return root
