"""Fixtures for the confd tests (helpers live in confdtest.py)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import confdtest  # noqa: E402
import testutils  # noqa: E402


@pytest.fixture
def cluster(tmp_path, reaper):
    """Candidates node1 and node2 (not yet started) of a fresh cluster on 127.x.y.*."""
    return confdtest.Cluster(str(tmp_path), reaper)


@pytest.fixture
def net():
    return testutils.RandomLoopbackNet()
