"""Issue 5 end to end on a real 3-node virtual cluster (sshd, noded, masterd,
confd, rapi per node as their roles want): init, add, verify, roles,
redist-conf, master failover and back, node remove, destroy."""

import hashlib
import os
import signal
import time

import pytest
import testutils
import vclusterutils

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not vclusterutils.TestCluster.Available(),
                                 reason="needs root, sshd and ssh")]

N1, N2, N3 = ("node%d.example.com" % i for i in (1, 2, 3))


@pytest.fixture(scope="module")
def tc():
    with vclusterutils.TestCluster(nodes=3) as cluster:
        cluster.Init()
        cluster.AddNodes()
        yield cluster


def _Sha1(path):
    with open(path, "rb") as fh:
        return hashlib.sha1(fh.read()).hexdigest()


def _Verify(tc, node=N1):
    result = tc.Gnt(node, "gnt-cluster", "verify", check=False)
    return result.returncode, result.stdout


def test_init_and_add(tc):
    assert tc.NodeList(N1) == [[N1, "M"], [N2, "C"], [N3, "C"]]
    info = tc.Gnt(N1, "gnt-cluster", "info").stdout
    assert "Cluster name: cluster.example.com" in info and "Master node: %s" % N1 in info
    assert tc.Gnt(N3, "gnt-cluster", "getmaster").stdout.strip() == N1
    pids = tc.DaemonPids()
    assert set(pids[N1]) == {"ganeti-noded", "ganeti-confd", "ganeti-masterd", "ganeti-rapi"}
    assert set(pids[N2]) == set(pids[N3]) == {"ganeti-noded", "ganeti-confd"}
    uuids = [row[1] for row in tc.NodeList(N1, "name,uuid")]
    assert len(set(uuids)) == 3 and all(len(u) == 36 for u in uuids)


def test_delay_on_nodes_and_queue_replication(tc):
    start = time.monotonic()
    tc.Gnt(N1, "gnt-debug", "delay", "--no-master", "-n", N2, "-n", N3, "0.5")
    assert time.monotonic() - start >= 0.5, "the nodes slept"
    out = tc.Gnt(N1, "gnt-job", "list", "--no-headers", "-o", "id,status,summary").stdout
    last = out.splitlines()[-1].split()
    assert last[1:] == ["success", "TEST_DELAY(0.5)"]
    for node in (N2, N3):  # candidates hold a copy of every job
        assert os.path.exists(tc.Root(node) + "/var/lib/ganeti/queue/job-%s" % last[0])
    failed = tc.Gnt(N1, "gnt-debug", "delay", "-n", "nosuchnode", "0", check=False)
    assert failed.returncode == 1 and "nosuchnode" in failed.stderr


def test_verify_clean(tc):
    rc, out = _Verify(tc)
    assert rc == 0, out
    assert "ERROR" not in out and "Verification passed" in out


def test_verify_finds_a_tampered_file(tc):
    path = tc.Root(N2) + "/var/lib/ganeti/known_hosts"
    with open(path) as fh:
        original = fh.read()
    with open(path, "a") as fh:
        fh.write("# tampered\n")
    try:
        rc, out = _Verify(tc)
        assert rc == 1
        assert "ERROR: node %s: file /var/lib/ganeti/known_hosts differs" % N2 in out
        codes = tc.Gnt(N1, "gnt-cluster", "verify", "--error-codes", check=False).stdout
        assert "ERROR:ENODEFILECHECK:node:%s:" % N2 in codes
    finally:
        with open(path, "w") as fh:
            fh.write(original)


def test_redist_conf_delivers_every_listed_file(tc):
    master = tc.Root(N1)
    extra = master + "/etc/ganeti/extra-file.conf"
    with open(extra, "w") as fh:
        fh.write("shipped by redist-conf %s\n" % time.time())
    with open(master + "/etc/ganeti/files-to-distribute", "w") as fh:
        fh.write("# admin's list\n/etc/ganeti/extra-file.conf\n")
    with open(master + "/var/lib/ganeti/rapi_users", "w") as fh:
        fh.write("admin secret write\n")
    tc.Gnt(N1, "gnt-cluster", "redist-conf")
    everywhere = ["/etc/ganeti/extra-file.conf", "/etc/ganeti/files-to-distribute",
                  "/var/lib/ganeti/server.pem", "/var/lib/ganeti/known_hosts",
                  "/var/lib/ganeti/hmac.key"]
    candidates = ["/var/lib/ganeti/config.data", "/var/lib/ganeti/rapi.pem",
                  "/var/lib/ganeti/rapi_users"]
    for node in (N2, N3):
        for path in everywhere + candidates:
            assert _Sha1(tc.Root(node) + path) == _Sha1(master + path), (node, path)
    assert _Verify(tc)[0] == 0


def test_roles_with_auto_promotion(tc):
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "3")
    refused = tc.Gnt(N1, "gnt-node", "modify", "-C", "no", N3, check=False)
    assert refused.returncode == 1 and "Not enough master candidates" in refused.stderr
    refused = tc.Gnt(N1, "gnt-node", "modify", "-C", "no", "--auto-promote", N3, check=False)
    assert refused.returncode == 1 and "No other node can be promoted" in refused.stderr
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "2")
    tc.Gnt(N1, "gnt-node", "modify", "-C", "no", N3)
    assert tc.NodeList(N1) == [[N1, "M"], [N2, "C"], [N3, "R"]]
    testutils.WaitFor(lambda: "ganeti-confd" not in tc.DaemonPids()[N3], what="confd stop")
    assert not os.path.exists(tc.Root(N3) + "/var/lib/ganeti/config.data")
    assert os.path.exists(tc.Root(N3) + "/var/lib/ganeti/hmac.key"), "confd clients need it"
    # a regular node has no config.data, but it is no place for a new cluster
    cert = _Sha1(tc.Root(N3) + "/var/lib/ganeti/server.pem")
    refused = tc.Gnt(N3, "gnt-cluster", "init", "--enabled-hypervisors=fake", "other.example.com",
                     check=False)
    assert refused.returncode == 1
    assert "This node is part of cluster cluster.example.com" in refused.stderr
    assert _Sha1(tc.Root(N3) + "/var/lib/ganeti/server.pem") == cert
    assert not os.path.exists(tc.Root(N3) + "/var/lib/ganeti/config.data")
    # draining a candidate with auto-promote gives the pool a replacement
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "2")
    tc.Gnt(N1, "gnt-node", "modify", "-D", "yes", "--auto-promote", N2)
    assert tc.NodeList(N1) == [[N1, "M"], [N2, "D"], [N3, "C"]]
    testutils.WaitFor(lambda: "ganeti-confd" in tc.DaemonPids()[N3], what="confd start")
    assert os.path.exists(tc.Root(N3) + "/var/lib/ganeti/config.data")
    refused = tc.Gnt(N1, "gnt-node", "modify", "-O", "yes", N1, check=False)
    assert refused.returncode == 1 and "master-failover" in refused.stderr
    tc.Gnt(N1, "gnt-node", "modify", "-D", "no", N2)
    tc.Gnt(N1, "gnt-node", "modify", "-C", "yes", N2)
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "10")
    assert tc.NodeList(N1) == [[N1, "M"], [N2, "C"], [N3, "C"]]
    assert _Verify(tc)[0] == 0


def test_master_failover_and_back(tc):
    tc.Gnt(N2, "gnt-cluster", "master-failover")
    assert tc.Gnt(N3, "gnt-cluster", "getmaster").stdout.strip() == N2
    assert tc.NodeList(N2)[1] == [N2, "M"]
    pids = tc.DaemonPids()
    assert "ganeti-masterd" not in pids[N1] and "ganeti-masterd" in pids[N2]
    assert _Verify(tc, N2)[0] == 0
    tc.Gnt(N1, "gnt-cluster", "master-failover")
    assert tc.Gnt(N2, "gnt-cluster", "getmaster").stdout.strip() == N1
    assert _Verify(tc)[0] == 0


def test_failover_refused_without_majority(tc):
    victims = [tc.DaemonPids()[node]["ganeti-noded"] for node in (N1, N3)]
    for pid in victims:
        os.kill(pid, signal.SIGSTOP)
    try:
        refused = tc.Gnt(N2, "gnt-cluster", "master-failover", check=False)
    finally:
        for pid in victims:
            os.kill(pid, signal.SIGCONT)
    assert refused.returncode == 1 and "did not respond" in refused.stderr
    assert tc.Gnt(N3, "gnt-cluster", "getmaster").stdout.strip() == N1


def test_killed_noded_seen_by_verify_and_restarted_by_watcher(tc):
    pid = tc.DaemonPids()[N3]["ganeti-noded"]
    os.kill(pid, signal.SIGKILL)
    rc, out = _Verify(tc)
    assert rc == 1 and "ERROR: node %s: while contacting node" % N3 in out
    tc.Gnt(N3, "ganeti-watcher")
    assert tc.DaemonPids()[N3]["ganeti-noded"] != pid
    testutils.WaitFor(lambda: _Verify(tc)[0] == 0, timeout=20, what="clean verify")


def test_command_copyfile_and_readd(tc):
    out = tc.Gnt(N1, "gnt-cluster", "command", "echo me=$GANETI_HOSTNAME").stdout
    for node in (N1, N2, N3):
        assert "node: %s\nme=%s\nreturn code = 0" % (node, node) in out
    src = tc.Root(N1) + "/etc/ganeti/motd"
    with open(src, "wb") as fh:
        fh.write(b"binary\x00data\n")
    os.chmod(src, 0o640)
    tc.Gnt(N1, "gnt-cluster", "copyfile", "-n", N2, "-n", N3, src)
    for node in (N2, N3):
        copy = tc.Root(node) + "/etc/ganeti/motd"
        with open(copy, "rb") as fh:
            assert fh.read() == b"binary\x00data\n"
        assert os.stat(copy).st_mode & 0o777 == 0o640
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "2")
    tc.Gnt(N1, "gnt-node", "modify", "-O", "yes", N3)
    assert tc.NodeList(N1)[2] == [N3, "O"]
    tc.Gnt(N1, "gnt-node", "add", "--readd", N3)
    assert tc.NodeList(N1)[2] == [N3, "R"], "the pool (2) is full: readded as regular"
    tc.Gnt(N1, "gnt-cluster", "modify", "-C", "10")
    assert tc.NodeList(N1)[2] == [N3, "C"]
    assert _Verify(tc)[0] == 0


def test_node_remove_and_destroy(tc):
    tc.Gnt(N1, "gnt-node", "remove", N3)
    assert [row[0] for row in tc.NodeList(N1)] == [N1, N2]
    testutils.WaitFor(lambda: not tc.DaemonPids()[N3], what="node3 daemons to stop")
    assert not os.path.exists(tc.Root(N3) + "/var/lib/ganeti/server.pem")
    refused = tc.Gnt(N1, "gnt-cluster", "destroy", "--yes-do-it", check=False)
    assert refused.returncode == 1 and "still 1 node(s)" in refused.stderr
    tc.Gnt(N1, "gnt-node", "remove", N2)
    tc.Gnt(N1, "gnt-cluster", "destroy", "--yes-do-it")
    testutils.WaitFor(lambda: not any(tc.DaemonPids().values()), what="all daemons to stop")
    assert tc.master_ip not in tc.Run(N1, ["ip", "-o", "address", "show", "dev", "lo"]).stdout
