"""Fixtures for RPC tests: clusters of real node daemons (see nodedutils)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nodedutils  # noqa: E402


@pytest.fixture
def noded_cluster(tmp_path, reaper):
    """Factory: noded_cluster(count) starts count node daemons, stopped at the end."""
    clusters = []

    def _Make(count=1, mlock=False):
        base = tmp_path / ("cluster%d" % len(clusters))
        base.mkdir()
        cluster = nodedutils.NodedCluster(str(base), count, reaper)
        clusters.append(cluster)
        cluster.Start(mlock=mlock)
        return cluster

    yield _Make
    for cluster in clusters:
        cluster.Stop()
