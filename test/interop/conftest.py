"""Upstream Ganeti 3.0's own clients and OS definitions against our cluster.

One 3-node virtual cluster serves every test of this directory (helpers in
interoputils.py). Upstream's pieces come from Debian's packages, installed by
tools/install-deps; a test whose package is missing skips naming it.
"""

import os
import shutil
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import interoputils as iu  # noqa: E402
import vclusterutils  # noqa: E402

_BUSYBOX_OS = os.path.join(vclusterutils.TOP, "tools", "os", "ganeti-os-busybox")


@pytest.fixture(scope="session")
def tc():
    """The cluster: RAPI users, the busybox OS and Debian's OS definitions on each node."""
    with vclusterutils.TestCluster(nodes=3) as cluster:
        cluster.Init()
        cluster.AddNodes()
        for node in cluster.names:
            root = cluster.Root(node)
            shutil.copytree(_BUSYBOX_OS, root + "/srv/ganeti/os/busybox")
            iu.InstallDebianOses(root)
        with open(cluster.Root(iu.N1) + "/var/lib/ganeti/rapi_users", "w") as fh:
            fh.write("%s %s write\n%s {cleartext}%s\n" % (iu.ADMIN + iu.READER))
        cluster.Gnt(iu.N1, "gnt-cluster", "redist-conf")
        yield cluster


@pytest.fixture(scope="session")
def up(tc):
    return iu.UpstreamRapi(tc)
