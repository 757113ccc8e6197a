"""Tests of real ganeti-confd processes, each in its own GANETI_ROOTDIR and 127.x.y.z."""

import os
import signal
import socket
import time

import confdtest
import pytest
import testutils

from ganeti import constants as C
from ganeti.confd import client, protocol


def _Alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def Stats(cl):
    return cl.Query(C.CONFD_REQ_SERVER_STATS, mode=client.MODE_FIRST).server_reply.answer


def Role(cl, node=3, **kwargs):
    return cl.Query(C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(node), **kwargs)


@pytest.mark.slow
def test_every_query_type_answers_over_the_wire(cluster):
    cluster.Start(1)
    cluster.Start(2)
    net = cluster.net
    expected = [
        (C.CONFD_REQ_PING, None, "ok"),
        (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(1), C.CONFD_NODE_ROLE_MASTER),
        (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(2), C.CONFD_NODE_ROLE_CANDIDATE),
        (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(3), C.CONFD_NODE_ROLE_REGULAR),
        (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(4), C.CONFD_NODE_ROLE_OFFLINE),
        (C.CONFD_REQ_NODE_ROLE_BYNAME, confdtest.NodeName(5), C.CONFD_NODE_ROLE_DRAINED),
        (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP, "10.0.0.3", net + ".3"),
        (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP,
         {C.CONFD_REQQ_IPLIST: ["10.0.0.1", "10.0.0.2"]}, [[0, net + ".1"], [0, net + ".2"]]),
        (C.CONFD_REQ_NODE_PIP_BY_INSTANCE_IP,
         {C.CONFD_REQQ_LINK: "rt1", C.CONFD_REQQ_IP: "10.1.0.2"}, net + ".2"),
        (C.CONFD_REQ_CLUSTER_MASTER, None, confdtest.NodeName(1)),
        (C.CONFD_REQ_CLUSTER_MASTER, {C.CONFD_REQQ_FIELDS: ["0", "1", "2"]},
         [confdtest.NodeName(1), net + ".254", net + ".1"]),
        (C.CONFD_REQ_NODE_PIP_LIST, None, [net + ".%d" % i for i in range(1, 6)]),
        (C.CONFD_REQ_MC_PIP_LIST, None, [net + ".1", net + ".2"]),
        (C.CONFD_REQ_INSTANCES_IPS_LIST, None, ["10.0.0.1", "10.0.0.2", "10.0.0.3"]),
        (C.CONFD_REQ_INSTANCES_IPS_LIST, "rt1", ["10.1.0.2"]),
        (C.CONFD_REQ_INSTANCE_LIST, None, ["inst1.example.com", "inst2.example.com",
                                           "inst3.example.com", "inst10.example.com"]),
        (C.CONFD_REQ_INSTANCE_PNODE, "inst2.example.com", confdtest.NodeName(2)),
    ]
    with client.ConfdClient(cluster.key, cluster.CandidateIps()) as cl:
        for rtype, query, answer in expected:
            ups = cl.Query(rtype, query, mode=client.MODE_ALL, timeout=5)
            assert sorted(u.server_ip for u in ups) == cluster.CandidateIps()
            for up in ups:
                assert (up.server_reply.status, up.server_reply.answer, up.server_reply.serial) \
                    == (C.CONFD_REPL_STATUS_OK, answer, 1), (rtype, query)
        up = cl.Query(C.CONFD_REQ_NODE_ROLE_BYNAME, "node9.example.com")
        assert (up.server_reply.status, up.server_reply.answer) == \
            (C.CONFD_REPL_STATUS_ERROR, C.CONFD_ERROR_UNKNOWN_ENTRY)
        up = cl.Query(C.CONFD_REQ_NODE_DRBD, confdtest.NodeName(1))
        assert up.server_reply.status == C.CONFD_REPL_STATUS_NOTIMPLEMENTED


def test_config_change_is_answered_within_a_second(cluster):
    node = cluster.Start(1)
    with client.ConfdClient(cluster.key, [node.ip]) as cl:
        assert Role(cl).server_reply.answer == C.CONFD_NODE_ROLE_REGULAR
        data = confdtest.MakeConfig(cluster.net, serial=2)
        data["nodes"][confdtest.NodeName(3)]["offline"] = True
        start = time.monotonic()
        node.WriteConfig(data)
        while True:
            reply = Role(cl).server_reply
            if reply.serial == 2:
                break
            assert time.monotonic() - start < 1.0, "config change not seen within 1 s"
        assert reply.answer == C.CONFD_NODE_ROLE_OFFLINE
        assert Stats(cl)["counters"]["reloads"] >= 1


def test_unloadable_config_keeps_the_previous_one(cluster):
    node = cluster.Start(1)
    with client.ConfdClient(cluster.key, [node.ip]) as cl:
        with open(node.cfg_file, "w") as fh:
            fh.write('{"version": 2010000, "serial_no": 3, "cluster": {')
        testutils.WaitFor(lambda: Stats(cl)["counters"]["reload_failures"] >= 1,
                          what="the reload of a damaged config.data")
        reply = Role(cl).server_reply
        assert (reply.serial, reply.answer) == (1, C.CONFD_NODE_ROLE_REGULAR)
    assert "Cannot load" in node.ReadLog()


@pytest.mark.slow
def test_one_of_two_killed_still_answers(cluster, reaper):
    first, second = cluster.Start(1), cluster.Start(2)
    with client.ConfdClient(cluster.key, cluster.CandidateIps()) as cl:
        assert len(cl.Query(C.CONFD_REQ_PING, mode=client.MODE_ALL)) == 2
        os.kill(second.pid, signal.SIGKILL)
        testutils.WaitFor(lambda: not _Alive(second.pid), what="the daemon to die")
        start = time.monotonic()
        up = Role(cl, coverage=2, timeout=8)
        assert up.server_ip == first.ip and up.server_reply.answer == C.CONFD_NODE_ROLE_REGULAR
        assert time.monotonic() - start < 4  # the refusal is noticed; no timeout wait
        assert cl.counters["refused"] >= 1


@pytest.mark.slow
def test_silent_candidate_costs_only_the_timeout(cluster):
    first, second = cluster.Start(1), cluster.Start(2)
    os.kill(second.pid, signal.SIGSTOP)  # no answer and no ICMP: a hung or unreachable host
    try:
        with client.ConfdClient(cluster.key, cluster.CandidateIps()) as cl:
            up = Role(cl, coverage=2, timeout=0.5)
            assert up.server_ip == first.ip
    finally:
        os.kill(second.pid, signal.SIGCONT)


@pytest.mark.slow
def test_stale_daemon_loses_to_the_higher_serial(cluster):
    fresh = confdtest.MakeConfig(cluster.net, serial=9)
    fresh["nodes"][confdtest.NodeName(3)]["drained"] = True
    cluster.Start(1, confdtest.MakeConfig(cluster.net, serial=5))
    cluster.Start(2, fresh)
    with client.ConfdClient(cluster.key, cluster.CandidateIps()) as cl:
        for _ in range(10):
            reply = Role(cl, coverage=2).server_reply
            assert (reply.serial, reply.answer) == (9, C.CONFD_NODE_ROLE_DRAINED)


def _Raw(key, rtype=C.CONFD_REQ_PING, rsalt="probe", now=None):
    return protocol.PackRequest(protocol.ConfdRequest(rtype, rsalt=rsalt), key, now=now)


def test_hostile_datagrams_get_no_answer_and_are_counted(cluster):
    node = cluster.Start(1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(5)
    sock.connect((node.ip, C.DEFAULT_CONFD_PORT))
    key = cluster.key
    good = _Raw(key)
    hostile = {
        "bad_signature": [_Raw(confdtest.NewHmacKey()), good.replace(b"probe", b"probX")],
        "clock_skew": [_Raw(key, now=time.time() - 600), _Raw(key, now=time.time() + 600)],
        "oversized": [b"plj0" + b"x" * 65000],
        "bad_magic": [b"", b"\x00" * 100],
        "malformed": [b"plj0{", b"plj0" + os.urandom(500)],
    }
    try:
        for idx, (reason, datagrams) in enumerate(hostile.items()):
            for datagram in datagrams:
                sock.send(datagram)
            # the server answers in order: the first reply must be to this probe
            sock.send(_Raw(key, rsalt="probe-%d" % idx))
            reply, salt = protocol.UnpackReply(sock.recv(65536), key)
            assert salt == "probe-%d" % idx, reason
        with client.ConfdClient(key, [node.ip]) as cl:
            counters = Stats(cl)["counters"]
    finally:
        sock.close()
    for reason, datagrams in hostile.items():
        assert counters[reason] == len(datagrams), reason
    # the probes; the stats query counts itself as received, not yet as answered
    assert counters["answered"] == len(hostile)


def test_sigusr1_logs_the_counters(cluster):
    node = cluster.Start(1)
    os.kill(node.pid, signal.SIGUSR1)
    testutils.WaitFor(lambda: "confd statistics" in node.ReadLog(), what="the statistics line")
    assert "bad_signature=0" in node.ReadLog()


def test_sigterm_stops_the_daemon(cluster):
    node = cluster.Start(1)
    os.kill(node.pid, signal.SIGTERM)
    testutils.WaitFor(lambda: not os.path.exists(node.pid_file), what="the daemon to stop")
    assert "stopped" in node.ReadLog()


def test_refuses_to_start_off_candidates(cluster):
    node = cluster.Node(3)
    node.WriteConfig(cluster.config)
    node.WriteKey(cluster.key)
    result = node.RunDaemon("-b", node.ip)
    assert result.returncode == C.EXIT_NOTCANDIDATE
    assert not os.path.exists(node.pid_file)


def test_refuses_to_start_without_config_or_key(cluster):
    node = cluster.Node(1)
    node.WriteKey(cluster.key)
    result = node.RunDaemon("-b", node.ip)
    assert result.returncode == C.EXIT_NODESETUP_ERROR
    assert "config.data" in result.stderr
    node.WriteConfig(cluster.config)
    os.unlink(node.key_file)
    result = node.RunDaemon("-b", node.ip)
    assert result.returncode == C.EXIT_NODESETUP_ERROR
    assert "hmac.key" in result.stderr


def test_default_bind_is_the_node_primary_ip(cluster):
    node = cluster.Node(1)
    node.WriteConfig(cluster.config)
    node.WriteKey(cluster.key)
    assert node.RunDaemon().returncode == 0
    cluster._reaper.Add(int(open(node.pid_file).read()))
    with client.ConfdClient(cluster.key, [node.ip]) as cl:
        assert cl.Query(C.CONFD_REQ_PING).server_ip == node.ip
