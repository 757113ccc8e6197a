"""confd on a 3-node virtual cluster built with the real tools.

gnt-cluster init (candidate pool of 2) and gnt-node add start ganeti-confd on
node1 and node2 only; node3 is a regular node. The queries run confd-query
on node1 with its ssconf and key (upstream also copies hmac.key to regular
nodes, so that they can be clients too; ours does not yet).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import confdtest
import pytest
import testutils

from ganeti.tools import vcluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (os.geteuid() == 0 and os.path.exists(vcluster.SSHD)
                            and shutil.which("ssh")), reason="needs root, sshd and ssh"),
]
TOOL = [sys.executable, os.path.join(confdtest.TOP, "tools", "vcluster-setup")]
NODES = ["node%d.example.com" % i for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def vc(tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("confd-vc") / "vc")
    subprocess.run(TOOL + ["create", directory, "-n", "3", "--net",
                           testutils.RandomLoopbackNet()], check=True, capture_output=True)
    cluster = vcluster.VirtualCluster(directory)
    try:
        cluster.Start()
        _Ok(cluster, "node1", ["gnt-cluster", "init", "--no-lvm-storage", "-C", "2",
                               "--enabled-hypervisors=fake", "cluster.example.com"])
        for name in NODES[1:]:
            _Ok(cluster, "node1", ["gnt-node", "add", name])
        yield cluster
    finally:
        cluster.Stop()


def _Ok(cluster, node, argv):
    result = cluster.Run(node, argv, timeout=300)
    assert result.exit_code == 0, (argv, result.output)
    return result.stdout


def Query(cluster, *args):
    """confd-query --json --mode all, peers from ssconf."""
    out = _Ok(cluster, "node1", ["confd-query", "--json", "--mode", "all", *args])
    return sorted(json.loads(out), key=lambda r: r["server"])


def test_confd_runs_on_the_candidates_only(vc):
    pidfiles = [os.path.join(vc.GetNode(n)["root"], "var/run/ganeti/ganeti-confd.pid")
                for n in NODES]
    assert [os.path.exists(p) for p in pidfiles] == [True, True, False]
    replies = Query(vc, "mc-pip-list")
    ips = [vc.GetNode(n)["ip"] for n in NODES]
    assert [r["server"] for r in replies] == ips[:2]
    assert all(r["answer"] == ips[:2] for r in replies)
    assert [r["answer"] for r in Query(vc, "node-role", NODES[2])] == [4, 4]


def test_node_marked_offline_is_answered_by_every_candidate(vc):
    before = Query(vc, "node-role", NODES[2])
    _Ok(vc, "node1", ["gnt-node", "modify", "-O", "yes", NODES[2]])
    start = time.monotonic()
    while True:
        after = Query(vc, "node-role", NODES[2])
        if all(r["answer"] == 2 for r in after):
            break
        assert time.monotonic() - start < 5, after
    assert all(a["serial"] > b["serial"] for a, b in zip(after, before))
    _Ok(vc, "node1", ["gnt-node", "modify", "-O", "no", NODES[2]])


def test_candidate_with_stopped_confd_is_survived(vc):
    pid = int(open(os.path.join(vc.GetNode("node2")["root"],
                                "var/run/ganeti/ganeti-confd.pid")).read())
    os.kill(pid, signal.SIGSTOP)
    try:
        out = _Ok(vc, "node1", ["confd-query", "--timeout", "1", "cluster-master"])
        assert out == NODES[0] + "\n"
    finally:
        os.kill(pid, signal.SIGCONT)
